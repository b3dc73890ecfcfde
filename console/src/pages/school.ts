// A school's drill-down: its station, staff (masked per the city's policy), training and credits,
// hotline, and its gaps against the standard.
import { gql } from "../api";
import { h, section, table } from "../dom";
import { schoolYear, type Indicator, type ValueKind, type ValueKinds } from "../format";
import { indicatorName, lang, t, tEnum } from "../i18n";
import { breadcrumb, problem, valueCell, type TenantRef } from "./common";

const SCHOOL = `
query School($code: String!, $year: Int!, $calendarYear: Int!) {
  indicatorDefinitions { code valueKind }
  tenant(code: $code) {
    code name kind
    ancestors { code name kind }
    schoolProfile { categoryLabel centralRank vocational smallScale }
    enrolment(schoolYear: $year)
    indicators(year: $year) { indicator name nameZh value state numerator denominator asOf }
    gaps(year: $year) { code message }
    stations(first: 10) { nodes { name kind status areaM2 weeklyOpenHours individualCounselling assessment sandplay } }
    staff(first: 100) { nodes { kind name gender phone personalDataMasked maskReason active } }
    creditSummary(year: $calendarYear) { teachers creditsTotal creditsPerTeacher teachersTrained }
    hotlines(first: 5) { nodes { number alwaysOpen schedule status callCounts { period calls crisisCalls referrals suppressed } } }
  }
}`;

interface School {
  indicatorDefinitions: { code: string; valueKind: ValueKind }[];
  tenant:
    | (TenantRef & {
        ancestors: TenantRef[];
        schoolProfile: { categoryLabel: string; centralRank: boolean; vocational: boolean; smallScale: boolean } | null;
        enrolment: number | null;
        indicators: Indicator[];
        gaps: { code: string; message: string }[];
        stations: { nodes: { name: string; kind: string; status: string; areaM2: number; weeklyOpenHours: number; individualCounselling: boolean; assessment: boolean; sandplay: boolean }[] };
        staff: { nodes: { kind: string; name: string; gender: string | null; phone: string | null; personalDataMasked: boolean; maskReason: string | null; active: boolean }[] };
        creditSummary: { teachers: number; creditsTotal: number; creditsPerTeacher: number | null; teachersTrained: number };
        hotlines: { nodes: { number: string; alwaysOpen: boolean; schedule: string; status: string; callCounts: { period: string; calls: number; crisisCalls: number | null; referrals: number | null }[] }[] };
      })
    | null;
}

const yes = (flag: boolean) => (flag ? t("common.yes") : t("common.no"));

export async function renderSchool(view: HTMLElement, code: string): Promise<void> {
  const year = schoolYear();
  let data: School;
  try {
    data = await gql<School>(SCHOOL, { code, year, calendarYear: new Date().getFullYear() });
  } catch (error) {
    view.replaceChildren(problem(error));
    return;
  }
  const school = data.tenant;
  if (!school) {
    view.replaceChildren(h("p", { class: "error", role: "alert", "data-testid": "refused" }, t("common.notVisible")));
    return;
  }
  const kinds: ValueKinds = Object.fromEntries(data.indicatorDefinitions.map((d) => [d.code, d.valueKind]));
  const masked = (value: string | null, isMasked: boolean) => (isMasked && value === null ? h("span", { class: "masked" }, t("common.masked")) : value ?? "—");
  view.replaceChildren(
    breadcrumb(school.ancestors, school),
    h("h1", { "data-testid": "tenant-name" }, school.name),
    section(
      t("school.gaps"),
      school.gaps.length
        ? h(
            "ul",
            { class: "gaps", "data-testid": "school-gaps" },
            school.gaps.map((g) => h("li", { "data-gap": g.code }, h("strong", {}, tEnum("gap", g.code)), lang() === "en" ? ` — ${g.message}` : "")),
          )
        : h("p", { class: "ok" }, t("school.noGaps")),
    ),
    section(
      t("school.profile"),
      school.schoolProfile
        ? table(
            [t("school.category"), t("school.central"), t("school.enrolment")],
            [[school.schoolProfile.categoryLabel, yes(school.schoolProfile.centralRank), school.enrolment ?? t("common.notReported")]],
          )
        : h("p", { class: "muted" }, tEnum("gap", "PROFILE_NOT_REPORTED")),
      table(
        [t("overview.indicators"), t("overview.value")],
        school.indicators.filter((i) => i.state !== "NOT_APPLICABLE").map((i) => [indicatorName(i), valueCell(i, kinds, school.code)]),
        { "data-testid": "indicators", class: "figures" },
      ),
    ),
    section(
      t("school.station"),
      table(
        [t("common.name"), t("school.staffKind"), t("common.status"), t("school.area"), t("school.hours")],
        school.stations.nodes.map((s) => [s.name, tEnum("enum", s.kind), tEnum("enum", s.status), s.areaM2.toFixed(1), s.weeklyOpenHours.toFixed(1)]),
        { "data-testid": "stations" },
      ),
    ),
    section(
      t("school.staff"),
      table(
        [t("common.name"), t("school.staffKind"), t("school.gender"), t("school.phone")],
        school.staff.nodes.map((s) => [masked(s.name, s.personalDataMasked), tEnum("staff", s.kind), masked(s.gender && tEnum("enum", s.gender), s.personalDataMasked), masked(s.phone, s.personalDataMasked)]),
        { "data-testid": "staff" },
      ),
    ),
    section(
      t("school.training"),
      table(
        [t("school.teachers"), t("school.trained"), t("school.credits"), t("school.creditsPer")],
        [[school.creditSummary.teachers, school.creditSummary.teachersTrained, school.creditSummary.creditsTotal, school.creditSummary.creditsPerTeacher?.toFixed(1) ?? "—"]],
        { "data-testid": "credits" },
      ),
    ),
    section(
      t("school.hotlines"),
      table(
        [t("school.number"), t("school.hoursOpen"), t("common.status"), t("school.calls")],
        school.hotlines.nodes.map((l) => [l.number, l.alwaysOpen ? t("school.alwaysOpen") : l.schedule, tEnum("enum", l.status), l.callCounts.map((c) => `${c.period}: ${c.calls}`).join(", ")]),
      ),
    ),
  );
}
