// A tenant's page: a bureau's overview (indicators, charts, map, targets, children) or a school's drill-down.
import { gql } from "../api";
import { barChart, countyMap, trendChart } from "../charts";
import { h, section, table } from "../dom";
import { formatTime, formatValue, schoolYear, type Indicator, type ValueKind, type ValueKinds } from "../format";
import { indicatorName, t, tEnum } from "../i18n";
import { navigate } from "../router";
import { breadcrumb, problem, statusBadge, valueCell, type TenantRef } from "./common";
import { renderSchool } from "./school";

const OVERVIEW = `
query Overview($code: String!, $year: Int!, $previous: Int!) {
  indicatorDefinitions { code valueKind }
  tenant(code: $code) {
    code name kind
    ancestors { code name kind }
    indicators(year: $year) { indicator name nameZh value state numerator denominator asOf }
    previous: indicators(year: $previous) { indicator value state }
    targetProgress {
      indicator value dueDate
      progress { status gap current { value state asOf } childrenBehind(first: 5) { code name status value } }
    }
    children(first: 100) { nodes { code name kind indicators(year: $year) { indicator value state asOf } } pageInfo { hasNextPage } }
    centres(first: 5) { nodes { name status volunteerTeamSize online offline } }
    hotlines(first: 5) { nodes { number alwaysOpen schedule status } }
  }
}`;

interface Child extends TenantRef {
  indicators: Indicator[];
}

interface Target {
  indicator: string;
  value: number;
  dueDate: string;
  progress: { status: string; gap: number | null; current: Indicator | null; childrenBehind: { code: string; name: string; status: string; value: number | null }[] };
}

interface Overview {
  indicatorDefinitions: { code: string; valueKind: ValueKind }[];
  tenant:
    | (TenantRef & {
        ancestors: TenantRef[];
        indicators: Indicator[];
        previous: Pick<Indicator, "indicator" | "value" | "state">[];
        targetProgress: Target[];
        children: { nodes: Child[]; pageInfo: { hasNextPage: boolean } };
        centres: { nodes: { name: string; status: string; volunteerTeamSize: number; online: boolean; offline: boolean }[] };
        hotlines: { nodes: { number: string; alwaysOpen: boolean; schedule: string; status: string }[] };
      })
    | null;
}

export async function renderTenant(view: HTMLElement, code: string): Promise<void> {
  const kind = await tenantKind(code);
  if (kind === null) {
    view.replaceChildren(h("p", { class: "error", role: "alert", "data-testid": "refused" }, t("common.notVisible")));
    return;
  }
  if (kind === "SCHOOL") return renderSchool(view, code);
  const year = schoolYear();
  let data: Overview;
  try {
    data = await gql<Overview>(OVERVIEW, { code, year, previous: year - 1 });
  } catch (error) {
    view.replaceChildren(problem(error));
    return;
  }
  const tenant = data.tenant;
  if (!tenant) {
    view.replaceChildren(h("p", { class: "error", role: "alert", "data-testid": "refused" }, t("common.notVisible")));
    return;
  }
  const kinds: ValueKinds = Object.fromEntries(data.indicatorDefinitions.map((d) => [d.code, d.valueKind]));
  const applicable = tenant.indicators.filter((i) => i.state !== "NOT_APPLICABLE");
  const children = tenant.children.nodes;
  let chosen = defaultIndicator(applicable, tenant.targetProgress, children);

  const chartsArea = h("div", { class: "charts" });
  const picker = h(
    "select",
    { "aria-label": t("overview.chooseIndicator"), "data-testid": "indicator-picker" },
    applicable.map((i) => h("option", { value: i.indicator, selected: i.indicator === chosen }, indicatorName(i))),
  );
  picker.addEventListener("change", () => {
    chosen = picker.value;
    drawCharts();
  });

  const drawCharts = () => {
    chartsArea.replaceChildren();
    const ratio = kinds[chosen] !== "MEAN";
    const target = tenant.targetProgress.find((tp) => tp.indicator === chosen)?.value ?? null;
    const bars = h("div", { class: "chart", "data-testid": "bar-chart" });
    const trend = h("div", { class: "chart chart-small", "data-testid": "trend-chart" });
    chartsArea.append(
      h("div", { class: "chart-box" }, h("h3", {}, t("overview.byChild")), bars),
      h("div", { class: "chart-box" }, h("h3", {}, t("overview.trend")), trend),
    );
    const points = children.map((c) => ({ label: c.name, value: c.indicators.find((i) => i.indicator === chosen)?.value ?? null }));
    barChart(bars, points, target, ratio);
    const before = tenant.previous.find((i) => i.indicator === chosen);
    const now = tenant.indicators.find((i) => i.indicator === chosen);
    trendChart(trend, [
      { label: `${year - 1}–${year}`, value: before?.value ?? null },
      { label: `${year}–${year + 1}`, value: now?.value ?? null },
    ], ratio);
    if (tenant.kind === "CITY") void drawMap(chartsArea, tenant.code, children, chosen, ratio);
  };

  const freshest = tenant.indicators.reduce((latest, i) => (i.asOf > latest ? i.asOf : latest), "");
  view.replaceChildren(
    breadcrumb(tenant.ancestors, tenant),
    h("h1", { "data-testid": "tenant-name" }, tenant.name),
    h("p", { class: "muted", "data-testid": "freshness" }, `${t("overview.schoolYear")} ${year}–${year + 1} · ${t("common.asOf")} ${formatTime(freshest)}`),
    section(
      t("overview.indicators"),
      table(
        [t("overview.indicators"), t("overview.value"), t("overview.fraction"), t("common.asOf")],
        applicable.map((i) => [indicatorName(i), valueCell(i, kinds, tenant.code), fraction(i, kinds), formatTime(i.asOf)]),
        { "data-testid": "indicators", class: "figures" },
      ),
    ),
    section(t("overview.chooseIndicator"), picker, chartsArea),
    targetsSection(tenant.targetProgress, kinds, new Map(tenant.indicators.map((i) => [i.indicator, indicatorName(i)]))),
    childrenSection(children, applicable, kinds, tenant.children.pageInfo.hasNextPage),
    tenant.kind === "COUNTY" ? countyServices(tenant) : "",
  );
  drawCharts();
}

/** What the charts open on: of the targets not met, the one whose figures differ most between children. */
function defaultIndicator(applicable: Indicator[], targets: Target[], children: Child[]): string {
  const spread = (code: string) => {
    const values = children.map((c) => c.indicators.find((i) => i.indicator === code)?.value).filter((v): v is number => v != null);
    return values.length ? Math.max(...values) - Math.min(...values) : -1;
  };
  const unmet = new Set(targets.filter((tp) => tp.progress.status !== "MET").map((tp) => tp.indicator));
  const candidates = applicable.filter((i) => unmet.has(i.indicator));
  const pool = candidates.length ? candidates : applicable;
  return pool.reduce((best, i) => (spread(i.indicator) > spread(best) ? i.indicator : best), pool[0]?.indicator ?? "");
}

async function tenantKind(code: string): Promise<string | null> {
  const data = await gql<{ tenant: { kind: string } | null }>("query Kind($code: String!) { tenant(code: $code) { kind } }", { code });
  return data.tenant?.kind ?? null;
}

async function drawMap(area: HTMLElement, city: string, children: Child[], indicator: string, ratio: boolean): Promise<void> {
  const box = h("div", { class: "chart-box chart-map" }, h("h3", {}, t("overview.map")));
  area.append(box);
  const answer = await fetch(`/geo/counties/${city}.geojson`);
  // The view may have been left (or redrawn in another language) while the boundaries loaded.
  if (!box.isConnected) return;
  if (!answer.ok) {
    box.append(h("p", { class: "muted" }, t("overview.mapMissing")));
    return;
  }
  const geojson = await answer.json();
  if (!box.isConnected) return;
  const element = h("div", { class: "chart", "data-testid": "county-map" });
  box.append(element);
  const byName = new Map(children.map((c) => [c.name, c.code]));
  countyMap(element, `counties-${city}`, geojson, children.map((c) => ({ name: c.name, value: c.indicators.find((i) => i.indicator === indicator)?.value ?? null })), ratio, (name) => {
    const code = byName.get(name);
    if (code) navigate(`/t/${code}`);
  });
}

function targetsSection(targets: Target[], kinds: ValueKinds, names: Map<string, string>): HTMLElement {
  if (!targets.length) return section(t("overview.targets"), h("p", { class: "muted" }, t("common.none")));
  return section(
    t("overview.targets"),
    table(
      [t("overview.indicators"), t("overview.target"), t("overview.due"), t("overview.current"), t("common.status"), t("overview.behind")],
      targets.map((tp) => [
        names.get(tp.indicator) ?? tp.indicator,
        formatValue(tp.value, "REPORTED", kinds[tp.indicator]),
        tp.dueDate,
        tp.progress.current ? formatValue(tp.progress.current.value, tp.progress.current.state, kinds[tp.indicator]) : "—",
        statusBadge("target", tp.progress.status),
        h("span", {}, tp.progress.childrenBehind.map((c) => [h("a", { href: `/t/${c.code}`, "data-link": true }, c.name), " "]).flat()),
      ]),
      { "data-testid": "targets" },
    ),
  );
}

function childrenSection(children: Child[], columns: Indicator[], kinds: ValueKinds, more: boolean): HTMLElement {
  return section(
    t("overview.children"),
    h(
      "div",
      { class: "scroll" },
      table(
        [t("common.name"), ...columns.map((c) => indicatorName(c))],
        children.map((child) => [
          h("a", { href: `/t/${child.code}`, "data-link": true, "data-testid": "child-link" }, child.name),
          ...columns.map((c) => {
            const item = child.indicators.find((i) => i.indicator === c.indicator);
            return item ? valueCell(item, kinds, child.code) : "—";
          }),
        ]),
        { "data-testid": "children", class: "figures" },
      ),
    ),
    more ? h("p", { class: "muted" }, t("common.more", { n: "100+" })) : "",
  );
}

function countyServices(tenant: NonNullable<Overview["tenant"]>): HTMLElement {
  return section(
    t("school.centres"),
    table(
      [t("common.name"), t("common.status"), t("school.volunteers")],
      tenant.centres.nodes.map((c) => [c.name, tEnum("enum", c.status), c.volunteerTeamSize]),
    ),
    h("h3", {}, t("school.hotlines")),
    table(
      [t("school.number"), t("school.hoursOpen"), t("common.status")],
      tenant.hotlines.nodes.map((l) => [l.number, l.alwaysOpen ? t("school.alwaysOpen") : l.schedule, tEnum("enum", l.status)]),
    ),
  );
}

/** "numerator / denominator" for a ratio or a mean; nothing for a count (its value says it all)
 * or a suppressed figure (whose parts are withheld too, so that nobody can divide back). */
function fraction(i: Indicator, kinds: ValueKinds): string {
  if (i.state === "SUPPRESSED" || kinds[i.indicator] === "COUNT" || i.numerator == null) return "";
  return `${i.numerator} / ${i.denominator}`;
}
