import { signal } from "@preact/signals";

/**
 * Routes: /pair#c=…&m=…&p=…[&r=…], /s/<room>[#t=…&k=…&i=…], /s/<room>/changes, /m/<machineId>,
 * /machines, /inbox, / (home).
 * History API, no library. The fragment's keys (docs/protocol.md §12.4, §12.5) are never sent.
 */
export type Route =
  | { name: "home" }
  | { name: "machines" }
  | { name: "inbox" }
  /** `r`: the machine's relay when it is not this page's (a link of a peer relay, §3.6). */
  | { name: "pair"; code: string | null; m: string | null; p: string | null; r: string | null }
  | { name: "machine"; machineId: string }
  | { name: "session"; room: string; shareToken: string | null; k: string | null; i: string | null }
  | { name: "changes"; room: string }
  | { name: "missing"; path: string };

export const route = signal<Route>(parseRoute(location.pathname, location.hash));

export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  route.value = parseRoute(location.pathname, location.hash);
  window.scrollTo(0, 0);
}

/** Drops a secret from the address bar (a pairing code or a share token must not linger in history). */
export function scrubHash(): void {
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
}

export function installRouter(): void {
  window.addEventListener("popstate", () => {
    route.value = parseRoute(location.pathname, location.hash);
  });
}

export function parseRoute(pathname: string, hash: string): Route {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  if (pathname === "/" || pathname === "/index.html") return { name: "home" };
  if (pathname === "/machines" || pathname === "/machines/") return { name: "machines" };
  if (pathname === "/inbox" || pathname === "/inbox/") return { name: "inbox" };
  if (pathname === "/pair" || pathname === "/pair/")
    return {
      name: "pair",
      code: params.get("c"),
      m: params.get("m"),
      p: params.get("p"),
      r: params.get("r"),
    };
  const m = /^\/m\/([A-Za-z0-9_-]{6,62})\/?$/.exec(pathname);
  if (m?.[1]) return { name: "machine", machineId: m[1] };
  const s = /^\/s\/(s-[A-Za-z0-9_-]{16,62})\/?$/.exec(pathname);
  if (s?.[1])
    return {
      name: "session",
      room: s[1],
      shareToken: params.get("t"),
      k: params.get("k"),
      i: params.get("i"),
    };
  const c = /^\/s\/(s-[A-Za-z0-9_-]{16,62})\/changes\/?$/.exec(pathname);
  if (c?.[1]) return { name: "changes", room: c[1] };
  return { name: "missing", path: pathname };
}

/** A link that navigates in-app; modified clicks keep the browser's behaviour (new tab etc.). */
export function onLinkClick(e: MouseEvent, path: string): void {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate(path);
}
