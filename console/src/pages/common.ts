// Pieces several views share: the breadcrumb, value cells that carry the API's raw figure, errors.
import { ApiError } from "../api";
import { h } from "../dom";
import { t, tEnum } from "../i18n";
import { formatTime, formatValue, type Indicator, type ValueKinds } from "../format";

export interface TenantRef {
  code: string;
  name: string;
  kind: string;
}

export function breadcrumb(ancestors: TenantRef[], current: TenantRef): HTMLElement {
  const links = ancestors.map((a) => [h("a", { href: `/t/${a.code}`, "data-link": true }, a.name), " › "]);
  return h("nav", { class: "crumbs" }, ...links.flat(), h("strong", {}, current.name), h("span", { class: "muted" }, ` ${tEnum("kind", current.kind)} ${current.code}`));
}

/** A table cell with the figure as the API gave it, so tests and screen readers get the number itself. */
export function valueCell(item: Pick<Indicator, "indicator" | "value" | "state"> & { asOf?: string }, kinds: ValueKinds, tenant: string): HTMLTableCellElement {
  return h(
    "td",
    {
      class: `num state-${item.state}`,
      "data-tenant": tenant,
      "data-indicator": item.indicator,
      "data-value": item.value === null ? "" : String(item.value),
      "data-state": item.state,
      title: item.state === "SUPPRESSED" ? t("common.suppressedWhy") : item.asOf ? `${t("common.asOf")} ${formatTime(item.asOf)}` : undefined,
    },
    formatValue(item.value, item.state, kinds[item.indicator]),
  );
}

export function problem(error: unknown): HTMLElement {
  if (error instanceof ApiError && (error.code === "PERMISSION_DENIED" || error.code === "FORBIDDEN" || error.status === 403)) {
    return h("p", { class: "error", role: "alert", "data-testid": "refused" }, t("common.refused"), h("br"), h("small", {}, error.message));
  }
  const message = error instanceof Error ? error.message : String(error);
  return h("p", { class: "error", role: "alert", "data-testid": "error" }, `${t("common.error")}: ${message}`);
}

export function statusBadge(prefix: string, value: string): HTMLElement {
  return h("span", { class: `badge badge-${value}`, "data-status": value }, tEnum(prefix, value));
}
