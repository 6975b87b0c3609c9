import {
  Ack as AckFrame,
  Close,
  Focus,
  Hello,
  HistoryReq,
  Limits,
  Send,
  SignalOut,
  UNSUPPORTED_VERSION,
  WIRE_VERSION,
} from "../../protocol/index.ts";
import { utf8Length } from "../util/utf8.ts";
import { historyJson, newestThatFit } from "./pages.ts";
import { errorJson, type PeerSocket } from "./peer-socket.ts";
import { broadcastPresence, pump } from "./replay.ts";
import { maySignal } from "./roles.ts";
import { admitCid } from "./room-caps.ts";
import { costOf, overCap, type RoomEnv, settle, spend, strike } from "./room-env.ts";
import { accept } from "./room-send.ts";

/**
 * The room's decisions for one inbound frame (docs/protocol.md §5). Pure logic over RoomEnv: the
 * Durable Object, the Node tests and the property tests all run exactly this code.
 */
export function onFrame(env: RoomEnv, peer: PeerSocket, data: string | ArrayBuffer | ArrayBufferView): void {
  const now = env.now();
  peer.state.lastSeen = now;
  const frame = parse(env, peer, data);
  if (frame !== null) dispatch(env, peer, frame, typeof data === "string" ? data : "");
  peer.save();
}

function parse(
  env: RoomEnv,
  peer: PeerSocket,
  data: string | ArrayBuffer | ArrayBufferView,
): Record<string, unknown> | null {
  if (typeof data !== "string") return invalid(env, peer, "bad_frame", "binary frames are not accepted");
  if (data.length > Limits.frameBytes / 3 && utf8Length(data) > Limits.frameBytes) {
    peer.send(errorJson("too_large", `frame exceeds ${Limits.frameBytes} bytes`));
    return null;
  }
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch (err) {
    return invalid(env, peer, "bad_frame", `not JSON: ${(err as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value) || !("t" in value)) {
    return invalid(env, peer, "bad_frame", "a frame is a JSON object with a `t` field");
  }
  const frame = value as Record<string, unknown>;
  if (peer.state.cid === null && frame.t !== "hello") {
    return invalid(env, peer, "hello_required", "the first frame must be hello");
  }
  return frame;
}

function dispatch(env: RoomEnv, peer: PeerSocket, frame: Record<string, unknown>, text: string): void {
  switch (frame.t) {
    case "hello":
      return hello(env, peer, frame);
    case "send": {
      const send = Send.safeParse(frame);
      if (!send.success) return void invalid(env, peer, "bad_frame", issue(send.error));
      return accept(env, peer, send.data.msgs);
    }
    case "ack": {
      const ack = AckFrame.safeParse(frame);
      if (!ack.success) return void invalid(env, peer, "bad_frame", issue(ack.error));
      return onAck(env, peer, ack.data.upTo);
    }
    case "history": {
      const req = HistoryReq.safeParse(frame);
      if (!req.success) return void invalid(env, peer, "bad_frame", issue(req.error));
      return history(env, peer, req.data);
    }
    case "signal": {
      const sig = SignalOut.safeParse(frame);
      if (!sig.success) return void invalid(env, peer, "bad_frame", issue(sig.error));
      return signal(env, peer, sig.data, utf8Length(text));
    }
    case "focus": {
      const focus = Focus.safeParse(frame);
      if (!focus.success) return void invalid(env, peer, "bad_frame", issue(focus.error));
      peer.state.focused = focus.data.on;
      return;
    }
    default:
      invalid(env, peer, "bad_frame", `unknown frame type ${JSON.stringify(frame.t)}`);
  }
}

function hello(env: RoomEnv, peer: PeerSocket, frame: Record<string, unknown>): void {
  if (peer.state.cid !== null) return void invalid(env, peer, "bad_frame", "hello was already said");
  const parsed = Hello.safeParse(frame);
  if (!parsed.success) return void invalid(env, peer, "bad_frame", issue(parsed.error));
  const h = parsed.data;
  if (h.v !== WIRE_VERSION) {
    peer.send(errorJson("bad_frame", `unsupported protocol version ${h.v}`));
    return peer.close(Close.policy, UNSUPPORTED_VERSION);
  }
  if (peer.state.role === "bridge" && h.epoch === undefined) {
    return void invalid(env, peer, "bad_frame", "a bridge hello needs an epoch");
  }
  const bound = env.store.cidRecord(h.cid);
  if (bound && bound.tokenId !== peer.state.tokenId) {
    peer.send(errorJson("not_allowed", "this cid belongs to another token"));
    return peer.close(Close.policy, "cid bound to another token");
  }
  if (!bound && !admitCid(env, peer)) return;
  if (peer.state.role === "bridge" && !fence(env, peer, h.cid, h.epoch ?? 0)) return;
  env.store.bindCid(h.cid, peer.state.tokenId, peer.state.role, env.now());
  peer.state.cid = h.cid;
  resume(env, peer, h.since ?? null, h.tail ?? Limits.tailDefault);
  broadcastPresence(env);
}

/** Epoch fencing of a bridge cid: a newer process closes older sockets; an older one is refused. */
function fence(env: RoomEnv, peer: PeerSocket, cid: string, epoch: number): boolean {
  const known = env.store.epochOf(cid);
  if (known !== null && epoch < known) {
    peer.send(errorJson("fenced", `epoch ${epoch} is older than ${known}`));
    peer.close(Close.fenced, "fenced");
    return false;
  }
  for (const other of env.peers()) {
    if (other === peer || other.state.cid !== cid) continue;
    if (known !== null && epoch === known) other.close(Close.normal, "replaced");
    else other.close(Close.fenced, "fenced");
  }
  if (known !== epoch) env.store.setEpoch(cid, epoch);
  peer.state.epoch = epoch;
  return true;
}

function resume(env: RoomEnv, peer: PeerSocket, since: number | null, tail: number): void {
  const { head, low } = env.store.meta();
  const fromTail = Math.max(low, head - tail + 1);
  let from = since === null ? fromTail : since + 1;
  let gone: "truncated" | "unknown_cursor" | null = null;
  if (since !== null && since > head) [gone, from] = ["unknown_cursor", fromTail];
  else if (since !== null && since < low - 1) [gone, from] = ["truncated", low];
  const resumeFrom = Math.min(from, head + 1);
  Object.assign(peer.state, { baseline: resumeFrom - 1, sentUpTo: resumeFrom - 1, caughtUp: false });
  const base = { head, low, resumeFrom };
  peer.send(
    JSON.stringify({
      t: "welcome",
      v: WIRE_VERSION,
      room: env.config.room,
      role: peer.state.role,
      ...base,
      serverTime: env.now(),
    }),
  );
  if (gone) peer.send(JSON.stringify({ t: "gone", reason: gone, ...base }));
  pump(env, peer);
}

function onAck(env: RoomEnv, peer: PeerSocket, upTo: number): void {
  const acked = Math.min(upTo, peer.state.sentUpTo);
  if (acked <= peer.state.baseline) return;
  peer.state.baseline = acked;
  env.store.raiseAcked(peer.state.cid!, acked);
  if (peer.state.role === "bridge" && overCap(env)) env.requestAlarm(env.now());
  pump(env, peer);
}

/**
 * History is paid for by what it returns: the bucket must hold the rows it may return before
 * anything is read, and the answer costs one token per row plus one per KiB (§6.1).
 */
function history(env: RoomEnv, peer: PeerSocket, req: HistoryReq): void {
  const { head, low, count } = env.store.meta();
  const limit = req.limit ?? Limits.historyDefault;
  const paid = Math.max(1, Math.min(limit, count));
  if (!spend(env, peer, paid)) return;
  const rows = newestThatFit(env.store.readBefore(req.before ?? head + 1, limit));
  const text = historyJson(rows, low);
  settle(env, peer, paid, costOf(Math.max(1, rows.length), text.length));
  peer.send(text);
}

/** A signal costs one token plus one per KiB of its frame; a non-bridge one is capped (§5.7). */
function signal(env: RoomEnv, peer: PeerSocket, sig: SignalOut, bytes: number): void {
  if (!maySignal(peer.state.role, sig.kind)) {
    return peer.send(errorJson("not_allowed", `role ${peer.state.role} may not signal ${sig.kind}`));
  }
  if (peer.state.role !== "bridge" && bytes > Limits.signalBytes) {
    return peer.send(errorJson("too_large", `a signal frame exceeds ${Limits.signalBytes} bytes`));
  }
  if (!spend(env, peer, costOf(1, bytes))) return;
  const text = JSON.stringify({
    t: "signal",
    cid: peer.state.cid,
    role: peer.state.role,
    kind: sig.kind,
    body: sig.body ?? null,
  });
  for (const other of env.peers()) if (other !== peer && other.state.caughtUp) other.send(text);
}

/** Answers a bad frame and counts it; past 20 strikes a minute the socket is closed with 4008. */
function invalid(
  env: RoomEnv,
  peer: PeerSocket,
  code: "bad_frame" | "hello_required",
  message: string,
): null {
  peer.send(errorJson(code, message));
  strike(env, peer, "too many invalid frames");
  return null;
}

function issue(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  const first = error.issues[0];
  return first ? `${first.path.map(String).join(".") || "frame"}: ${first.message}` : "invalid frame";
}
