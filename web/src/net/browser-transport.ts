import type { Clock, Transport } from "../../../shared/core/client/sync-driver.ts";

/**
 * The sync driver's transport over the browser's WebSocket, to this page's (or worker's) origin,
 * or to `relay`, a peer relay's origin (docs/protocol.md §3.6).
 */
export function browserTransport(room: string, token: string, relay: string | null = null): Transport {
  return {
    open(on) {
      const base = new URL(relay ?? location.origin);
      const proto = base.protocol === "https:" ? "wss:" : "ws:";
      const url = `${proto}//${base.host}/v1/rooms/${encodeURIComponent(room)}`;
      const ws = new WebSocket(url, ["tether.v1", `bearer.${token}`]);
      ws.onopen = () => on.open();
      ws.onmessage = (e: MessageEvent) => on.message(typeof e.data === "string" ? e.data : null);
      ws.onclose = (e: CloseEvent) => on.close(e.code, e.reason);
      // The browser's error event says nothing the close that follows does not.
      return {
        send: (text) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(text);
        },
        close: (code, reason) => {
          if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN)
            ws.close(code, reason);
        },
      };
    },
  };
}

export const browserClock: Clock = {
  now: () => performance.now(),
  after: (ms, fn) => {
    // The global timer: the page and the service worker both use this clock.
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};
