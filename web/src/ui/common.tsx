import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import { openedOffline } from "../net/app-shell.ts";
import { online } from "../net/wake.ts";
import { onLinkClick } from "../router.ts";
import type { RoomModel } from "../state/room-model.ts";
import { describeConn } from "./conn-status.ts";
import { useNow } from "./use-now.ts";

export function TopBar(p: {
  title: string;
  subtitle?: string;
  /** A short mark before the subtitle, e.g. "Terminal". */
  badge?: string;
  back?: string;
  children?: ComponentChildren;
}) {
  useEffect(() => {
    document.title = `${p.title} · Tether`;
  }, [p.title]);
  return (
    <header class="topbar">
      {p.back ? (
        <a class="icon-btn" href={p.back} onClick={(e) => onLinkClick(e, p.back ?? "/")}>
          <span aria-hidden="true">‹</span>
          <span class="sr-only">Back</span>
        </a>
      ) : null}
      <div class="topbar-title">
        <h1>{p.title}</h1>
        {p.subtitle || p.badge ? (
          <p class="sub">
            {p.badge ? <span class="badge origin-badge">{p.badge}</span> : null}
            {p.subtitle}
          </p>
        ) : null}
      </div>
      {p.children}
    </header>
  );
}

/** The connection truth: the relay link (with a countdown while waiting) and the bridge's presence. */
export function ConnectionBar(p: { model: RoomModel; lastBridgeAt: number | null }) {
  const conn = p.model.conn.value;
  const now = useNow(1000, conn.kind === "waiting");
  const v = describeConn({
    conn,
    // A page the service worker had to open from its copy knows the network is gone, whatever the browser thinks.
    online: online.value && !openedOffline.value,
    now,
    peers: p.model.peers.value,
    bridgeSeenAt: p.model.bridgeSeenAt.value,
    lastBridgeAt: p.lastBridgeAt,
  });
  const canRetry = conn.kind === "waiting" || conn.kind === "paused";
  return (
    <div class="connbar" data-relay={conn.kind}>
      <span class="sr-only" role="status">
        {v.announce}
      </span>
      <span class={`pill ${v.relay.tone}`} data-testid="relay-status" aria-hidden="true">
        <span class="dot" aria-hidden="true" />
        {v.relay.text}
      </span>
      <span class={`pill ${v.bridge.tone}`} data-testid="bridge-status" aria-hidden="true">
        <span class="dot" aria-hidden="true" />
        {v.bridge.text}
      </span>
      {canRetry ? (
        <button type="button" class="link-btn" onClick={() => p.model.socket.wake()}>
          Retry now
        </button>
      ) : null}
    </div>
  );
}

export function Notice(p: { level: "info" | "warn" | "error"; children: ComponentChildren }) {
  return (
    <div class={`notice ${p.level}`} role={p.level === "error" ? "alert" : "note"}>
      {p.children}
    </div>
  );
}

/** What became of the data of a revoked credential on this phone. */
export function ForgottenNote(p: { done: boolean }) {
  return (
    <span data-testid="forgotten">
      {p.done
        ? "Its messages, drafts and prompts were removed from this phone."
        : "Removing its messages, drafts and prompts from this phone…"}
    </span>
  );
}

export function Centered(p: { children: ComponentChildren }) {
  return <main class="centered">{p.children}</main>;
}
