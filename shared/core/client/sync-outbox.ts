import { Limits, OutMsg, type PushHint } from "../../protocol/index.ts";
import { utf8Length } from "../util/utf8.ts";
import { type OutboxEntry, type Prepared, SyncDefaults } from "./sync-types.ts";

const SEND_OVERHEAD = utf8Length('{"t":"send","msgs":[]}');

/** Validates and serializes a message before it is made durable, so a bad one never enters the outbox. */
export function prepareOut(mid: string, kind: string, body: unknown, push?: PushHint): Prepared {
  const parsed = OutMsg.safeParse({ mid, kind, body, ...(push ? { push } : {}) });
  if (!parsed.success)
    return { ok: false, code: "bad_frame", message: parsed.error.issues[0]?.message ?? "" };
  let bodyJson: string | undefined;
  try {
    bodyJson = JSON.stringify(body);
  } catch (err) {
    return { ok: false, code: "bad_frame", message: `body is not JSON: ${(err as Error).message}` };
  }
  if (bodyJson === undefined) return { ok: false, code: "bad_frame", message: "body is not JSON" };
  if (utf8Length(bodyJson) > Limits.bodyBytes) {
    return { ok: false, code: "too_large", message: `body exceeds ${Limits.bodyBytes} bytes` };
  }
  return { ok: true, entry: outboxEntry(mid, kind, bodyJson, push ? JSON.stringify(push) : undefined) };
}

/** Rebuilds an entry from what the owner stored (its body already serialized). */
export function outboxEntry(mid: string, kind: string, bodyJson: string, pushJson?: string): OutboxEntry {
  const push = pushJson === undefined ? "" : `,"push":${pushJson}`;
  const json = `{"mid":${JSON.stringify(mid)},"kind":${JSON.stringify(kind)},"body":${bodyJson}${push}}`;
  const entry: OutboxEntry = { mid, kind, bodyJson, json, bytes: utf8Length(json) };
  if (pushJson !== undefined) entry.pushJson = pushJson;
  return entry;
}

/** The oldest messages that fit one `send` frame: ≤ 100 and ≤ frameBytes, or a single one. */
export function nextBatch(entries: Iterable<OutboxEntry>): OutboxEntry[] {
  const batch: OutboxEntry[] = [];
  let bytes = SEND_OVERHEAD;
  for (const e of entries) {
    const full = batch.length >= Limits.msgsPerSend || bytes + e.bytes + 1 > SyncDefaults.frameBytes;
    if (batch.length > 0 && full) break;
    batch.push(e);
    bytes += e.bytes + 1;
  }
  return batch;
}
