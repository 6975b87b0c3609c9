import type { Peer } from "../../../shared/protocol/frames.ts";
import { Close, UNSUPPORTED_VERSION } from "../../../shared/protocol/limits.ts";
import type { ConnState } from "../net/conn-state.ts";
import { clock } from "./format.ts";

export type Tone = "ok" | "warn" | "bad" | "muted";
export type ConnView = {
  relay: { tone: Tone; text: string };
  bridge: { tone: Tone; text: string };
  /** For screen readers: the same without the countdown, so it changes only when the state does. */
  announce: string;
};

/** What the connection indicator says: the relay link, and the bridge from presence. Pure. */
export function describeConn(c: {
  conn: ConnState;
  /** False when the browser says it has no network, or the page had to open from its cached copy. */
  online: boolean;
  now: number;
  peers: readonly Peer[] | null;
  bridgeSeenAt: number | null;
  lastBridgeAt: number | null;
}): ConnView {
  const relay = relayText(c.conn, c.online, c.now);
  const bridge = bridgeText(c);
  const coarse = c.conn.kind === "waiting" && c.online ? "Reconnecting" : relay.text;
  return { relay, bridge, announce: `${coarse}. ${bridge.text}.` };
}

function relayText(conn: ConnState, online: boolean, now: number): ConnView["relay"] {
  switch (conn.kind) {
    case "fatal":
      if (conn.code === 4001) return { tone: "bad", text: "Access revoked or expired" };
      if (conn.code === 4403) return { tone: "bad", text: "Not allowed here" };
      if (conn.code === 0) return { tone: "bad", text: "This browser's storage is unavailable" };
      return { tone: "bad", text: `Disconnected (${conn.code})` };
    case "live":
      return { tone: "ok", text: "Connected" };
    case "syncing":
      return { tone: "warn", text: "Syncing…" };
    case "loading":
    case "connecting":
      return online ? { tone: "warn", text: "Connecting…" } : offline();
    case "waiting": {
      // The relay speaks no version this app does (§5.1): retrying cannot help, reloading can.
      if (conn.code === Close.policy && conn.reason === UNSUPPORTED_VERSION)
        return { tone: "bad", text: "Out of date — reload to update" };
      if (!online) return offline();
      const s = Math.ceil((conn.retryAt - now) / 1000);
      return { tone: "warn", text: s > 0 ? `Reconnecting in ${s} s` : "Reconnecting…" };
    }
    case "paused":
      return { tone: "muted", text: "Paused in background" };
    case "closed":
      return { tone: "muted", text: "Closed" };
  }
}

function offline(): ConnView["relay"] {
  return { tone: "bad", text: "Offline — no network" };
}

function bridgeText(c: Parameters<typeof describeConn>[0]): ConnView["bridge"] {
  if (c.peers === null) return { tone: "muted", text: "Bridge: unknown while disconnected" };
  if (c.peers.some((p) => p.role === "bridge")) return { tone: "ok", text: "Bridge online" };
  const since = Math.max(c.bridgeSeenAt ?? 0, c.lastBridgeAt ?? 0);
  return { tone: "bad", text: since > 0 ? `Bridge offline since ${clock(since, c.now)}` : "Bridge offline" };
}
