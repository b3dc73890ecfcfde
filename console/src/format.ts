// How figures are shown: ratios as percentages with one decimal, means with two; states spelled out.
import { t } from "./i18n";

export interface Indicator {
  indicator: string;
  name: string;
  nameZh: string;
  value: number | null;
  state: "REPORTED" | "NOT_REPORTED" | "NOT_APPLICABLE";
  numerator: number;
  denominator: number;
  asOf: string;
}

export type ValueKinds = Record<string, "RATIO" | "MEAN">;

export function formatValue(value: number | null, state: string, kind: "RATIO" | "MEAN" = "RATIO"): string {
  if (state === "NOT_APPLICABLE") return t("common.notApplicable");
  if (value === null || state === "NOT_REPORTED") return t("common.notReported");
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
