// Import a filled-in template: the dataImport mutation over the GraphQL multipart request; a file
// with any bad cell writes nothing, and every bad cell is listed (sheet, row, column, reason).
import { download, gqlUpload } from "../api";
import { h, section } from "../dom";
import { t } from "../i18n";
import type { Viewer } from "../session";
import { problem } from "./common";

const KINDS = ["staff", "training", "calls", "stations"];
const IMPORT = `mutation Import($tenantCode: String!, $file: Upload!) {
  dataImport(tenantCode: $tenantCode, file: $file) { kind rows created updated unchanged userErrors { field code message } }
}`;

export function renderImport(view: HTMLElement, viewer: Viewer): void {
  const status = h("div", { role: "status", "data-testid": "import-status" });
  const file = h("input", { type: "file", accept: ".xlsx", "data-testid": "import-file", "aria-label": t("import.file") });
  const upload = h("button", { type: "button", "data-testid": "import-upload" }, t("import.upload"));
  upload.addEventListener("click", async () => {
    status.replaceChildren();
    const chosen = file.files?.[0];
    if (!chosen) return;
    upload.disabled = true;
    try {
      const answer = await gqlUpload<{ dataImport: ImportResult }>(IMPORT, { tenantCode: viewer.tenant.code }, chosen);
      const result = answer.dataImport;
      if (result.userErrors.length) {
        status.replaceChildren(
          h("p", { class: "error", role: "alert", "data-testid": "import-failed" }, t("import.failed")),
          h("ul", { class: "import-errors" }, result.userErrors.map((e) => h("li", { "data-code": e.code, "data-field": (e.field ?? []).join("/") }, e.message))),
        );
      } else {
        status.replaceChildren(
          h("p", { class: "ok", "data-testid": "import-ok", "data-created": result.created, "data-updated": result.updated }, t("import.ok", { rows: result.rows, created: result.created, updated: result.updated, unchanged: result.unchanged })),
        );
      }
    } catch (error) {
      status.replaceChildren(problem(error));
    } finally {
      upload.disabled = false;
    }
  });
  view.replaceChildren(
    h("h1", {}, `${t("import.title")} · ${viewer.tenant.name}`),
    section(
      t("import.template"),
      h("div", { class: "toolbar" }, KINDS.map((kind) => h("button", { type: "button", "data-testid": `template-${kind}`, onclick: () => download(`/exports/templates/${kind}.xlsx`, `${kind}.xlsx`).catch((e) => status.replaceChildren(problem(e))) }, `${t("import.template")}: ${kind}`))),
    ),
    section(t("import.upload"), h("div", { class: "toolbar" }, file, upload), status),
  );
}

interface ImportResult {
  kind: string | null;
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  userErrors: { field: string[] | null; code: string; message: string }[];
}
