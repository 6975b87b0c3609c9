import { type AttachmentRef, chunkMid } from "../../../shared/protocol/attachment.ts";
import type { StoredMsg } from "../../../shared/protocol/frames.ts";
import { readBody } from "./bodies.ts";
import type { Local, Stream } from "./local.ts";
import { foldStored, type Item, type SessionView, type StoredSession } from "./session-fold.ts";

/** The whole session view: the folded log plus what this tab knows beyond it. */
export function foldSession(msgs: readonly StoredMsg[], local: Local): SessionView {
  return overlay(foldStored(msgs), local);
}

/** Adds what this tab knows beyond the log (queued and refused messages, streams), without touching `s`. */
export function overlay(s: StoredSession, local: Local): SessionView {
  const items: Item[] = [...s.items];
  // This tab's own answers: stored ones it sent (acked here), and those still in the outbox.
  const responded = new Set<string>();
  for (const [requestId, mids] of s.responses)
    if (mids.some((m) => local.acked.has(m))) responded.add(requestId);
  for (const row of local.outbox) {
    if (s.users.has(row.mid)) continue;
    if (row.kind === "permission.response") {
      const b = readBody("permission.response", row.body);
      if (b) responded.add(b.requestId);
    } else if (row.kind === "user.message") {
      const b = readBody("user.message", row.body);
      const status = local.acked.has(row.mid) ? "sent" : "sending";
      if (!b) continue;
      const item: Extract<Item, { t: "user" }> = {
        t: "user",
        key: `q${row.mid}`,
        mid: row.mid,
        text: b.text,
        status,
        at: row.at,
      };
      if (b.attachments) {
        item.files = b.attachments;
        if (status === "sending") item.upload = uploaded(b.attachments, local);
      }
      items.push(item);
    }
  }
  for (const r of local.rejected) {
    const b = r.kind === "user.message" ? readBody("user.message", r.body) : null;
    const note = `Not sent (${r.code}): ${r.message}`;
    if (b)
      items.push({ t: "user", key: `r${r.mid}`, mid: r.mid, text: b.text, status: "failed", at: r.at, note });
  }
  items.push(...streamed(s, local.streams));
  const open = [...s.requests.values()];
  const state = s.status?.state;
  return {
    info: s.info,
    status: s.status,
    usage: s.usage,
    items,
    pending: open.filter((r) => !responded.has(r.requestId)),
    answered: open.filter((r) => responded.has(r.requestId)),
    refusals: s.refusals,
    // The status is the bridge's own word; the turns are a fallback while it is not in the window.
    running: state ? state === "running" || state === "awaiting_permission" : s.openTurns.size > 0,
    lastBridgeAt: s.lastBridgeAt,
    todos: s.todos,
    tasks: s.tasks,
  };
}

/**
 * How many of a queued message's chunks the relay holds: those no longer waiting in this tab's
 * outbox (acknowledged, or stored and seen). After a reload the outbox holds only what is left.
 */
function uploaded(files: readonly AttachmentRef[], local: Local): { done: number; total: number } {
  const waiting = new Set<string>();
  for (const r of local.outbox)
    if (r.kind === "attachment.chunk" && !local.acked.has(r.mid)) waiting.add(r.mid);
  let total = 0;
  let left = 0;
  for (const f of files)
    for (let i = 0; i < f.chunks; i++) {
      total++;
      if (waiting.has(chunkMid(f.id, i))) left++;
    }
  return { done: total - left, total };
}

/** Streamed text shows until the stored agent.message for that block replaces it. */
function streamed(s: StoredSession, streams: ReadonlyMap<string, Stream>): Item[] {
  const out: Item[] = [];
  for (const [key, { from, text: tail }] of streams) {
    // Joined midway: the start of the block arrives with the stored message.
    const text = from > 0 ? `…${tail}` : tail;
    const cut = key.lastIndexOf(":");
    const id = key.slice(0, cut);
    const index = Number(key.slice(cut + 1));
    if (index < (s.blocksOf.get(id) ?? 0) || tail.length === 0) continue;
    out.push({ t: "text", key: `d${key}`, text, streaming: true });
  }
  return out;
}
