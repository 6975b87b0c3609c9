import { createHash } from "node:crypto";

/** What a receiver and the final log must agree on for one stored message. */
export type Stored = {
  seq: number;
  mid: string;
  cid: string;
  kind: string;
  body: unknown;
  /** The body opened, when the bridge sealed it (the digest is over `body`, as stored). */
  plain?: unknown;
};

/**
 * A short content hash of one stored message. Bodies are hashed as their JSON text: the relay
 * stores its own re-serialisation and every client parses and re-serialises the same way.
 */
export function msgDigest(m: Stored): string {
  const text = `${m.seq}|${m.mid}|${m.cid}|${m.kind}|${JSON.stringify(m.body)}`;
  return createHash("sha256").update(text).digest("base64url").slice(0, 16);
}

/** The digest of a run of consecutive messages, so a page of applies can be one history event. */
export function runDigest(digests: readonly string[]): string {
  if (digests.length === 1 && digests[0] !== undefined) return digests[0];
  return createHash("sha256").update(digests.join(",")).digest("base64url").slice(0, 16);
}

/** The send key every chaos message carries: `{k}` in a body, or `ck:<key>` as a phone's text. */
export function keyOf(body: unknown): string | null {
  if (typeof body !== "object" || body === null) return null;
  const k: unknown = Reflect.get(body, "k");
  if (typeof k === "string") return k;
  const text: unknown = Reflect.get(body, "text");
  if (typeof text !== "string") return null;
  const m = /^ck:(\S+)/.exec(text);
  return m?.[1] ?? null;
}
