// Deliveries to the city platform: their log and state; replay for an administrator.
import { gql } from "../api";
import { h, section, table } from "../dom";
import { formatTime } from "../format";
import { t } from "../i18n";
import { isAdmin, type Viewer } from "../session";
import { problem, statusBadge } from "./common";

const LIST = `query Deliveries { deliveries(last: 50) { nodes { id period version status attemptCount lastStatusCode lastError deliveredAt nextAttemptAt endpoint { url } } } }`;
const REPLAY = `mutation Replay($input: DeliveryReplayInput!) { deliveryReplay(input: $input) { deliveries { id status } userErrors { code message } } }`;

interface Delivery {
  id: string;
  period: string;
  version: number;
  status: string;
  attemptCount: number;
  lastStatusCode: number | null;
  lastError: string;
  deliveredAt: string | null;
  nextAttemptAt: string | null;
  endpoint: { url: string } | null;
}

export async function renderDeliveries(view: HTMLElement, viewer: Viewer): Promise<void> {
  let deliveries: Delivery[];
  try {
    deliveries = (await gql<{ deliveries: { nodes: Delivery[] } }>(LIST)).deliveries.nodes.reverse();
  } catch (error) {
    view.replaceChildren(h("h1", {}, t("deliveries.title")), problem(error));
    return;
  }
  const admin = isAdmin(viewer);
  const status = h("div", { role: "status" });
  const replay = async (input: Record<string, unknown>) => {
    try {
      const answer = await gql<{ deliveryReplay: { deliveries: { id: string }[]; userErrors: { message: string }[] } }>(REPLAY, { input });
      if (answer.deliveryReplay.userErrors.length) status.replaceChildren(h("p", { class: "error" }, answer.deliveryReplay.userErrors.map((e) => e.message).join("; ")));
      else await renderDeliveries(view, viewer);
    } catch (error) {
      status.replaceChildren(problem(error));
    }
  };
  view.replaceChildren(
    h("h1", {}, t("deliveries.title")),
    section(
      t("deliveries.title"),
      admin ? h("button", { type: "button", onclick: () => replay({ dead: true }) }, t("deliveries.replayDead")) : h("p", { class: "muted" }, t("deliveries.adminOnly")),
      status,
      deliveries.length
        ? table(
            [t("deliveries.period"), t("approvals.version"), t("deliveries.status"), t("deliveries.attempts"), t("deliveries.lastCode"), t("deliveries.deliveredAt"), t("deliveries.next"), t("deliveries.endpoint"), ""],
            deliveries.map((d) => [
              d.period,
              d.version,
              statusBadge("delivery", d.status),
              d.attemptCount,
              d.lastStatusCode ?? (d.lastError || "—"),
              formatTime(d.deliveredAt),
              formatTime(d.nextAttemptAt),
              d.endpoint?.url ?? "",
              admin ? h("button", { type: "button", onclick: () => replay({ ids: [d.id] }) }, t("deliveries.replay")) : "",
            ]),
            { "data-testid": "deliveries" },
          )
        : h("p", { class: "muted" }, t("deliveries.none")),
    ),
  );
}
