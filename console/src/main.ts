// The console's shell: header and navigation, routes, and the sign-in gate.
import "./styles.css";
import { SignedOut, signOut } from "./auth";
import { disposeCharts } from "./charts";
import { h } from "./dom";
import { lang, setLang, t, tEnum } from "./i18n";
import { problem } from "./pages/common";
import { renderApprovals } from "./pages/approvals";
import { renderDeliveries } from "./pages/deliveries";
import { renderGaps } from "./pages/gaps";
import { renderImport } from "./pages/imports";
import { renderSignIn } from "./pages/signin";
import { renderTenant } from "./pages/tenant";
import { navigate, refresh, route, start } from "./router";
import { currentViewer, forgetViewer, type Viewer } from "./session";

const app = document.getElementById("app")!;

type Page = (view: HTMLElement, viewer: Viewer, params: URLSearchParams, ...parts: string[]) => Promise<void> | void;
const pages = new Map<unknown, Page>();

function page(pattern: RegExp, render: Page): void {
  const marker = (() => {}) as never;
  pages.set(marker, render);
  route(pattern, marker);
}

page(/^\/t\/([0-9]+)$/, (view, _viewer, _params, code) => renderTenant(view, code));
page(/^\/gaps$/, (view, viewer) => renderGaps(view, viewer));
page(/^\/approvals$/, (view, viewer, params) => renderApprovals(view, viewer, params));
page(/^\/deliveries$/, (view, viewer) => renderDeliveries(view, viewer));
page(/^\/import$/, (view, viewer) => renderImport(view, viewer));
route(/^\/signin$/, (() => {}) as never);

function shell(viewer: Viewer): HTMLElement {
  const links: [string, string][] = [
    [`/t/${viewer.tenant.code}`, t("nav.overview")],
    ["/gaps", t("nav.gaps")],
    ["/approvals", t("nav.approvals")],
    ["/import", t("nav.import")],
  ];
  if (viewer.tenant.kind === "CITY") links.push(["/deliveries", t("nav.deliveries")]);
  return h(
    "header",
    { class: "top" },
    h("a", { href: `/t/${viewer.tenant.code}`, "data-link": true, class: "brand" }, t("app.name"), h("small", {}, t("app.subtitle"))),
    h("nav", { class: "main" }, links.map(([href, title]) => h("a", { href, "data-link": true, class: location.pathname === href ? "active" : "" }, title))),
    h(
      "div",
      { class: "who" },
      h("span", { "data-testid": "viewer" }, `${viewer.tenant.name} · ${viewer.roles.map((r) => tEnum("role", r)).join("、")}`),
      languageButton(),
      h("button", { type: "button", class: "link", "data-testid": "sign-out", onclick: async () => { await signOut(); forgetViewer(); navigate("/signin"); } }, t("auth.signOut")),
    ),
  );
}

function languageButton(): HTMLElement {
  return h("button", { type: "button", class: "link", "data-testid": "lang", onclick: () => { setLang(lang() === "en" ? "zh-CN" : "en"); refresh(); } }, t("lang.switch"));
}

start(async (marker, parts, params) => {
  disposeCharts();
  const view = h("main", { id: "view", "aria-busy": "true" }, h("p", { class: "muted" }, t("common.loading")));
  if (location.pathname === "/signin") {
    app.replaceChildren(h("header", { class: "top" }, h("span", { class: "brand" }, t("app.name"), h("small", {}, t("app.subtitle"))), h("div", { class: "who" }, languageButton())), view);
    await renderSignIn(view, () => { forgetViewer(); navigate("/", true); });
    view.removeAttribute("aria-busy");
    return;
  }
  let viewer: Viewer;
  try {
    viewer = await currentViewer();
  } catch (error) {
    if (error instanceof SignedOut) return navigate("/signin", true);
    app.replaceChildren(view);
    view.replaceChildren(problem(error));
    return;
  }
  const render = pages.get(marker);
  if (!render) return navigate(`/t/${viewer.tenant.code}`, true);
  app.replaceChildren(shell(viewer), view);
  try {
    await render(view, viewer, params, ...parts);
  } catch (error) {
    if (error instanceof SignedOut) return navigate("/signin", true);
    view.replaceChildren(problem(error));
  }
  view.removeAttribute("aria-busy");
}, (() => {}) as never);
