// The gap list: every school under the tenant with what it lacks; sortable, filterable, exportable.
import { download, gql } from "../api";
import { h, section } from "../dom";
import { schoolYear } from "../format";
import { lang, t, tEnum } from "../i18n";
import type { Viewer } from "../session";
import { problem } from "./common";

const PAGE = `
query GapPage($under: String!, $year: Int!, $after: String) {
  tenants(under: $under, kind: SCHOOL, first: 100, after: $after) {
    nodes { code name parent { code name } gaps(year: $year) { code message } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const OWN = `query OwnGaps($code: String!, $year: Int!) { tenant(code: $code) { code name parent { code name } gaps(year: $year) { code message } } }`;

interface Row {
  school: string;
  code: string;
  county: string;
  gap: string;
  message: string;
}

interface SchoolNode {
  code: string;
  name: string;
  parent: { code: string; name: string } | null;
  gaps: { code: string; message: string }[];
}

async function load(viewer: Viewer, year: number): Promise<Row[]> {
  const schools: SchoolNode[] = [];
  if (viewer.tenant.kind === "SCHOOL") {
    const data = await gql<{ tenant: SchoolNode | null }>(OWN, { code: viewer.tenant.code, year });
    if (data.tenant) schools.push(data.tenant);
  } else {
    let after: string | null = null;
    do {
      const data: { tenants: { nodes: SchoolNode[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } = await gql(PAGE, { under: viewer.tenant.code, year, after });
      schools.push(...data.tenants.nodes);
      after = data.tenants.pageInfo.hasNextPage ? data.tenants.pageInfo.endCursor : null;
    } while (after);
  }
  return schools.flatMap((s) => s.gaps.map((g) => ({ school: s.name, code: s.code, county: s.parent?.name ?? "", gap: g.code, message: g.message })));
}

export async function renderGaps(view: HTMLElement, viewer: Viewer): Promise<void> {
  const year = schoolYear();
  let rows: Row[];
  try {
    rows = await load(viewer, year);
  } catch (error) {
    view.replaceChildren(problem(error));
    return;
  }
  let sortKey: keyof Row = "county";
  let ascending = true;
  const gapFilter = h("select", { "aria-label": t("gaps.gap"), "data-testid": "gap-filter" }, h("option", { value: "" }, t("common.all")), [...new Set(rows.map((r) => r.gap))].sort().map((g) => h("option", { value: g }, tEnum("gap", g))));
  const countyFilter = h("select", { "aria-label": t("gaps.county"), "data-testid": "county-filter" }, h("option", { value: "" }, t("common.all")), [...new Set(rows.map((r) => r.county))].sort().map((c) => h("option", { value: c }, c)));
  const search = h("input", { type: "search", placeholder: t("gaps.search"), "data-testid": "gap-search" });
  const body = h("tbody");
  const count = h("p", { class: "muted", "data-testid": "gap-count" });
  const exportButton = h("button", { type: "button", "data-testid": "gap-export" }, t("common.export"));
  const status = h("p", { role: "status" });
  exportButton.addEventListener("click", async () => {
    status.replaceChildren();
    try {
      await download(`/exports/gaps.xlsx?tenant=${encodeURIComponent(viewer.tenant.code)}&year=${year}`, `gaps-${viewer.tenant.code}-${year}.xlsx`);
    } catch (error) {
      status.replaceChildren(problem(error));
    }
  });

  const headers: [keyof Row, string][] = [["school", t("gaps.school")], ["code", t("common.code")], ["county", t("gaps.county")], ["gap", t("gaps.gap")], ["message", t("gaps.detail")]];
  const headRow = h("tr", {}, headers.map(([key, title]) => {
    const cell = h("th", { class: "sortable", "data-sort": key, tabindex: 0 }, title);
    const sort = () => {
      ascending = sortKey === key ? !ascending : true;
      sortKey = key;
      draw();
    };
    cell.addEventListener("click", sort);
    cell.addEventListener("keydown", (e) => (e as KeyboardEvent).key === "Enter" && sort());
    return cell;
  }));

  const draw = () => {
    const needle = search.value.trim().toLowerCase();
    const shown = rows
      .filter((r) => (!gapFilter.value || r.gap === gapFilter.value) && (!countyFilter.value || r.county === countyFilter.value) && (!needle || r.school.toLowerCase().includes(needle) || r.code.includes(needle)))
      .sort((a, b) => (ascending ? 1 : -1) * a[sortKey].localeCompare(b[sortKey], "zh-CN") || a.code.localeCompare(b.code));
    body.replaceChildren(...shown.map((r) => h("tr", { "data-gap": r.gap, "data-school": r.code }, h("td", {}, h("a", { href: `/t/${r.code}`, "data-link": true }, r.school)), h("td", {}, r.code), h("td", {}, r.county), h("td", {}, tEnum("gap", r.gap)), h("td", { class: "detail" }, lang() === "en" ? r.message : ""))));
    count.textContent = t("gaps.count", { n: shown.length });
  };
  for (const control of [gapFilter, countyFilter]) control.addEventListener("change", draw);
  search.addEventListener("input", draw);

  view.replaceChildren(
    h("h1", {}, `${t("gaps.title")} · ${viewer.tenant.name}`),
    section(t("common.filter"), h("div", { class: "toolbar" }, gapFilter, countyFilter, search, exportButton), status, count, h("div", { class: "scroll" }, h("table", { "data-testid": "gap-table" }, h("thead", {}, headRow), body))),
  );
  draw();
}
