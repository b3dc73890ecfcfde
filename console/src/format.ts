// How figures are shown: ratios as percentages with one decimal, means with two, counts whole;
// states spelled out. A SUPPRESSED figure (a small count of students, hidden above the school so
// that no child can be singled out) shows as a dash with its reason, never as a zero.
import { t } from "./i18n";

export interface Indicator {
  indicator: string;
  name: string;
  nameZh: string;
  value: number | null;
  state: ValueState;
  numerator: number | null;
  denominator: number | null;
  asOf: string;
}

export type ValueState = "REPORTED" | "NOT_REPORTED" | "NOT_APPLICABLE" | "SUPPRESSED";
export type ValueKind = "RATIO" | "MEAN" | "COUNT";
export type ValueKinds = Record<string, ValueKind>;

export function formatValue(value: number | null, state: string, kind: ValueKind = "RATIO"): string {
  if (state === "NOT_APPLICABLE") return t("common.notApplicable");
  if (state === "SUPPRESSED") return t("common.suppressed");
  if (value === null || state === "NOT_REPORTED") return t("common.notReported");
  if (kind === "COUNT") return String(Math.round(value));
  return kind === "RATIO" ? `${(value * 100).toFixed(1)}%` : value.toFixed(2);
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "";
  return new Date(iso).toLocaleString(undefined, { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
}

/** The school year a date falls in (it starts on 1 September), as the API counts it. */
export function schoolYear(date = new Date()): number {
  return date.getMonth() >= 8 ? date.getFullYear() : date.getFullYear() - 1;
}
