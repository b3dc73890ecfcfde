// The sign-in page: the bureau's provider, and in development the demo users.
import { authConfig, localSignIn } from "../auth";
import { h } from "../dom";
import { t, tEnum } from "../i18n";
import { problem } from "./common";

export async function renderSignIn(view: HTMLElement, afterSignIn: () => void): Promise<void> {
  const config = await authConfig();
  const status = h("div", { role: "status" });
  const parts: HTMLElement[] = [h("h1", {}, t("auth.title"))];
  if (config.oidc) parts.push(h("p", {}, h("a", { class: "button", href: "/auth/login", "data-testid": "oidc-login" }, t("auth.oidc"))));
  if (config.local && config.users.length) {
    parts.push(
      h("h2", {}, t("auth.local")),
      h(
        "ul",
        { class: "users" },
        config.users.map((user) =>
          h(
            "li",
            {},
            h(
              "button",
              {
                type: "button",
                "data-testid": `signin-${user.kind}-${user.role}`,
                onclick: async () => {
                  try {
                    await localSignIn(user.code, user.role);
                    afterSignIn();
                  } catch (error) {
                    status.replaceChildren(problem(error));
                  }
                },
              },
              `${user.name} · ${tEnum("role", user.role)}`,
            ),
            h("span", { class: "muted" }, ` ${tEnum("kind", user.kind)} ${user.code}`),
          ),
        ),
      ),
    );
  }
  if (!config.oidc && !(config.local && config.users.length)) parts.push(h("p", { class: "error" }, t("auth.none")));
  view.replaceChildren(h("div", { class: "signin card" }, ...parts, status));
}
