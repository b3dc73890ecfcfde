// The approval inbox: our own report (submit, or accept at the city) and the reports of the tenants
// below (approve one or many, return with a reason), each with what changed since it was last approved.
import { download, gql } from "../api";
import { h, section, table } from "../dom";
import { formatTime, formatValue, schoolYear, type ValueKind } from "../format";
import { indicatorName, t, tEnum } from "../i18n";
import type { Viewer } from "../session";
import { problem, statusBadge } from "./common";

const REPORT_FIELDS = `state approvalState version submittedAt decidedAt returnReason late
  changesSinceApproved { indicator name approvedVersion approved { value state } current { value state } }`;
const INBOX = `
query Inbox($code: String!, $period: String!) {
  indicatorDefinitions { code name nameZh valueKind }
  tenant(code: $code) {
    id code name kind
    report(period: $period) { ${REPORT_FIELDS} events { action actor at comment version } }
    childReports(period: $period, first: 100) { nodes { ${REPORT_FIELDS} tenant { id code name } } }
  }
}`;
const USER_ERRORS = "userErrors { field code message }";
const MUTATIONS = {
  submit: `mutation Submit($input: ReportSubmitInput!) { reportSubmit(input: $input) { report { state } ${USER_ERRORS} } }`,
  accept: `mutation Accept($input: ReportAcceptInput!) { reportAccept(input: $input) { report { state } ${USER_ERRORS} } }`,
  approve: `mutation Approve($input: ReportApproveInput!) { reportApprove(input: $input) { reports { state } ${USER_ERRORS} } }`,
  return: `mutation Return($input: ReportReturnInput!) { reportReturn(input: $input) { report { state } ${USER_ERRORS} } }`,
};

interface Change {
  indicator: string;
  name: string;
  approvedVersion: number;
  approved: { value: number | null; state: string };
  current: { value: number | null; state: string };
}

interface Report {
  state: string;
  approvalState: string;
  version: number;
  submittedAt: string | null;
  returnReason: string | null;
  late: boolean;
  changesSinceApproved: Change[] | null;
}

interface Inbox {
  indicatorDefinitions: { code: string; name: string; nameZh: string; valueKind: ValueKind }[];
  tenant: {
    id: string;
    code: string;
    name: string;
    kind: string;
    report: (Report & { events: { action: string; actor: string; at: string; comment: string; version: number }[] }) | null;
    childReports: { nodes: (Report & { tenant: { id: string; code: string; name: string } })[] };
  } | null;
}

type Definitions = Map<string, Inbox["indicatorDefinitions"][number]>;

function diff(definitions: Definitions, changes: Change[] | null, quiet = false): HTMLElement {
  if (!changes?.length) return h("p", { class: "muted" }, quiet ? "—" : t("approvals.noDiff"));
  return table(
    [t("overview.indicators"), t("approvals.before"), t("approvals.after")],
    changes.map((c) => {
      const definition = definitions.get(c.indicator);
      const kind = definition?.valueKind ?? "RATIO";
      return [definition ? indicatorName(definition) : c.name, formatValue(c.approved.value, c.approved.state, kind), formatValue(c.current.value, c.current.state, kind)];
    }),
    { class: "diff", "data-testid": "diff" },
  );
}

export async function renderApprovals(view: HTMLElement, viewer: Viewer, params: URLSearchParams): Promise<void> {
  const period = params.get("period") ?? String(schoolYear());
  const status = h("div", { role: "status", "data-testid": "approval-status" });
  let data: Inbox;
  try {
    data = await gql<Inbox>(INBOX, { code: viewer.tenant.code, period });
  } catch (error) {
    view.replaceChildren(problem(error));
    return;
  }
  const tenant = data.tenant!;
  const definitions: Definitions = new Map(data.indicatorDefinitions.map((d) => [d.code, d]));
  const act = async (name: keyof typeof MUTATIONS, input: Record<string, unknown>) => {
    status.replaceChildren();
    try {
      const answer = await gql<Record<string, { userErrors: { message: string }[]; reports?: unknown[] }>>(MUTATIONS[name], { input: { period, ...input } });
      const errors = Object.values(answer)[0].userErrors;
      if (errors.length) {
        status.replaceChildren(h("p", { class: "error", role: "alert" }, errors.map((e) => e.message).join("; ")));
        return;
      }
      await renderApprovals(view, viewer, params);
      view.querySelector('[data-testid="approval-status"]')?.replaceChildren(h("p", { class: "ok" }, t("approvals.done", { n: Array.isArray(Object.values(answer)[0].reports) ? (Object.values(answer)[0].reports as unknown[]).length : 1 })));
    } catch (error) {
      status.replaceChildren(problem(error));
    }
  };

  const own = tenant.report;
  const ownActions = h("div", { class: "toolbar" });
  const pdf = h("button", { type: "button", "data-testid": "report-pdf" }, t("approvals.pdf"));
  pdf.addEventListener("click", () => download(`/reports/${tenant.code}/${period}.pdf`, `${tenant.code}-${period}.pdf`).catch((error) => status.replaceChildren(problem(error))));
  // The printable period report is a bureau's; a school files through its county.
  if (tenant.kind !== "SCHOOL") ownActions.append(pdf);
  if (own && (own.approvalState === "READY" || own.approvalState === "RETURNED")) {
    if (tenant.kind === "CITY") ownActions.append(h("button", { type: "button", "data-testid": "accept", onclick: () => act("accept", {}) }, t("approvals.accept")));
    else ownActions.append(h("button", { type: "button", "data-testid": "submit", onclick: () => act("submit", {}) }, t("approvals.submit")));
  }

  const selected = new Set<string>();
  const rows = tenant.childReports.nodes;
  const bulk = h("button", { type: "button", "data-testid": "approve-selected", disabled: true }, t("approvals.approveSelected"));
  bulk.addEventListener("click", () => act("approve", { tenantIds: [...selected] }));

  // The worklist opens on what waits for us; every state is one choice away.
  const states = [...new Set(rows.map((r) => r.approvalState))];
  let shownState = rows.some((r) => r.state === "SUBMITTED") ? "SUBMITTED" : "";
  const stateFilter = h(
    "select",
    { "aria-label": t("approvals.show"), "data-testid": "state-filter" },
    h("option", { value: "" }, t("common.all")),
    states.map((state) => h("option", { value: state, selected: state === shownState }, tEnum("approval", state))),
  );
  const childBody = h("tbody");
  const childTable = h("table", { "data-testid": "child-reports" }, h("thead", {}, h("tr", {}, ["", t("common.name"), t("approvals.state"), t("approvals.version"), t("approvals.submittedAt"), "", "", t("approvals.diff")].map((title) => h("th", {}, title)))), childBody);
  const rowElements = new Map<string, HTMLTableRowElement>();
  const drawRows = () => {
    childBody.replaceChildren(...rows.filter((r) => !shownState || r.approvalState === shownState).map((r) => rowElements.get(r.tenant.id)!));
  };
  stateFilter.addEventListener("change", () => {
    shownState = stateFilter.value;
    drawRows();
  });

  rows.forEach((r) => {
    const waiting = r.state === "SUBMITTED";
    const box = h("input", { type: "checkbox", disabled: !waiting, "aria-label": r.tenant.name, "data-testid": `select-${r.tenant.code}` });
    box.addEventListener("change", () => {
      if (box.checked) selected.add(r.tenant.id);
      else selected.delete(r.tenant.id);
      bulk.disabled = selected.size === 0;
    });
    const reason = h("input", { type: "text", placeholder: t("approvals.reason"), "aria-label": t("approvals.reason"), "data-testid": `reason-${r.tenant.code}` });
    const actions = waiting
      ? h(
          "div",
          { class: "row-actions" },
          h("button", { type: "button", "data-testid": `approve-${r.tenant.code}`, onclick: () => act("approve", { tenantIds: [r.tenant.id] }) }, t("approvals.approve")),
          reason,
          h("button", { type: "button", "data-testid": `return-${r.tenant.code}`, onclick: () => act("return", { tenantId: r.tenant.id, reason: reason.value }) }, t("approvals.return")),
        )
      : "";
    const cells = [box, r.tenant.name, statusBadge("approval", r.approvalState), r.version, formatTime(r.submittedAt), r.late ? h("span", { class: "badge badge-MISSED" }, t("approvals.late")) : "", actions, diff(definitions, r.changesSinceApproved, true)];
    rowElements.set(r.tenant.id, h("tr", { "data-tenant": r.tenant.code }, cells.map((cell) => h("td", {}, cell))));
  });
  drawRows();

  view.replaceChildren(
    h("h1", {}, `${t("approvals.title")} · ${t("common.period")} ${period}`),
    status,
    section(
      `${t("approvals.own")} · ${tenant.name}`,
      own
        ? h(
            "div",
            { "data-testid": "own-report" },
            h("p", {}, statusBadge("approval", own.approvalState), ` ${t("approvals.version")} ${own.version}`, own.returnReason ? ` · ${own.returnReason}` : ""),
            ownActions,
            h("h3", {}, t("approvals.diff")),
            diff(definitions, own.changesSinceApproved),
            h("h3", {}, t("approvals.history")),
            own.events.length ? table([t("approvals.submittedAt"), t("approvals.state"), t("common.name"), t("approvals.comment")], own.events.map((e) => [formatTime(e.at), tEnum("action", e.action), e.actor, e.comment])) : h("p", { class: "muted" }, t("common.none")),
          )
        : "",
    ),
    tenant.kind === "SCHOOL"
      ? ""
      : section(
          t("approvals.children"),
          h("div", { class: "toolbar" }, h("label", {}, `${t("approvals.show")} `, stateFilter), bulk),
          h("div", { class: "scroll" }, childTable),
        ),
  );
}
