import { Close, Limits, type OutMsg, type PushHint } from "../../protocol/index.ts";
import { nestedDeeper } from "../util/describe.ts";
import { utf8Length } from "../util/utf8.ts";
import { errorJson, type PeerSocket } from "./peer-socket.ts";
import { deliver, sharedPages } from "./replay.ts";
import { maySend } from "./roles.ts";
import type { StoredPush } from "./room-env.ts";
import { overCap, type RoomEnv, spend } from "./room-env.ts";
import type { NewRow } from "./room-store.ts";

type Verdict =
  | { ack: { mid: string; seq: number; dup?: true } }
  | { error: string }
  | { row: NewRow; push?: PushHint };

/**
 * A `send` frame: validate every message, commit the accepted ones in one transaction, then ack
 * and broadcast. Nothing awaits between the decision, the commit and the ack.
 */
export function accept(env: RoomEnv, peer: PeerSocket, msgs: readonly OutMsg[]): void {
  if (!spend(env, peer, msgs.length)) return;
  const cid = peer.state.cid!;
  if (peer.state.role === "bridge" && env.store.epochOf(cid) !== peer.state.epoch) {
    peer.send(errorJson("fenced", "a newer bridge process holds this cid"));
    return peer.close(Close.fenced, "fenced");
  }
  const now = env.now();
  const full = peer.state.role !== "bridge" && roomFull(env);
  const batch = env.store.seqsOfMids(msgs.map((m) => m.mid));
  const verdicts: Verdict[] = [];
  const rows: NewRow[] = [];
  const pushes: StoredPush[] = [];
  let next = env.store.meta().head + 1;
  for (const m of msgs) {
    const v = judge(peer, m, batch, full, now);
    if ("row" in v) {
      if (v.push) pushes.push({ seq: next, ts: now, hint: v.push });
      batch.set(m.mid, next);
      verdicts.push({ ack: { mid: m.mid, seq: next++ } });
      rows.push(v.row);
    } else verdicts.push(v);
  }
  const stored = rows.length > 0 ? env.store.transaction(() => env.store.append(rows)) : [];
  // The other peers first: the sender's answers are not on their path (each socket's order holds).
  const pages = sharedPages(stored);
  let senderOpen = false;
  for (const p of stored.length > 0 ? env.peers() : []) {
    if (p === peer) senderOpen = true;
    else if (p.state.caughtUp) deliver(env, p, stored, pages);
  }
  for (const v of verdicts) if ("error" in v) peer.send(v.error);
  const acks = verdicts.flatMap((v) => ("ack" in v ? [v.ack] : []));
  if (acks.length > 0) peer.send(JSON.stringify({ t: "acked", acks }));
  if (stored.length > 0) {
    if (senderOpen && peer.state.caughtUp) deliver(env, peer, stored, pages);
    if (overCap(env)) env.requestAlarm(now);
  }
  // After the acks: pushes never delay them (a duplicate pushes nothing, it was not stored now).
  if (pushes.length > 0) env.pushes?.stored(pushes);
}

function judge(
  peer: PeerSocket,
  m: OutMsg,
  /** The mids known before this frame and those accepted earlier in it (a refused copy is not known). */
  batch: Map<string, number>,
  full: boolean,
  now: number,
): Verdict {
  const seen = batch.get(m.mid);
  if (seen !== undefined) return { ack: { mid: m.mid, seq: seen, dup: true } };
  const { role, cid } = peer.state;
  if (!maySend(role, m.kind)) {
    return { error: errorJson("not_allowed", `role ${role} may not send ${m.kind}`, { mid: m.mid }) };
  }
  if (m.push && role !== "bridge") {
    return { error: errorJson("not_allowed", `role ${role} may not attach a push hint`, { mid: m.mid }) };
  }
  // Before stringifying: a deep enough body overflows the stack of whoever stringifies it.
  if (nestedDeeper(m.body, Limits.bodyDepth)) {
    return { error: errorJson("too_deep", `body nests deeper than ${Limits.bodyDepth}`, { mid: m.mid }) };
  }
  const body = JSON.stringify(m.body);
  const size = utf8Length(body);
  if (size > Limits.bodyBytes) {
    return { error: errorJson("too_large", `body exceeds ${Limits.bodyBytes} bytes`, { mid: m.mid }) };
  }
  if (m.push && utf8Length(JSON.stringify(m.push)) > Limits.pushHintBytes) {
    return {
      error: errorJson("too_large", `push hint exceeds ${Limits.pushHintBytes} bytes`, { mid: m.mid }),
    };
  }
  if (full)
    return { error: errorJson("room_full", "the room is full until the bridge catches up", { mid: m.mid }) };
  const row = { mid: m.mid, cid: cid!, role, kind: m.kind, body, ts: now, size };
  return m.push ? { row, push: m.push } : { row };
}

/** Over the cap with nothing compactable: every stored message is still unacknowledged by the bridge. */
function roomFull(env: RoomEnv): boolean {
  const meta = env.store.meta();
  const atCap = meta.count >= env.config.maxMessages || meta.bytes >= env.config.maxBytes;
  return atCap && env.store.bridgeAcked() < meta.low;
}
