// Client-side routes on the History API; the server answers index.html for any page path.
type View = (view: HTMLElement, params: URLSearchParams, ...parts: string[]) => Promise<void> | void;

const routes: [RegExp, View][] = [];
let onChange: () => void = () => {};

export function route(pattern: RegExp, view: View): void {
  routes.push([pattern, view]);
}

export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  onChange();
}

export function start(render: (view: View, parts: string[], params: URLSearchParams) => void, fallback: View): void {
  onChange = () => {
    const path = location.pathname;
    for (const [pattern, view] of routes) {
      const match = pattern.exec(path);
      if (match) return render(view, match.slice(1).map(decodeURIComponent), new URLSearchParams(location.search));
    }
    render(fallback, [], new URLSearchParams(location.search));
  };
  window.addEventListener("popstate", onChange);
  // Same-origin links marked data-link change the route without a page load.
  document.addEventListener("click", (event) => {
    const link = (event.target as Element).closest("a[data-link]") as HTMLAnchorElement | null;
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(link.getAttribute("href")!);
  });
  onChange();
}

export function refresh(): void {
  onChange();
}
