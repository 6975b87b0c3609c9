/**
 * A body this phone could not open (docs/protocol.md §12.3), as the folds see it: a marker object
 * in place of the body, which no schema accepts, so nothing reads it as genuine. Only the e2e
 * layer makes markers (a WeakSet remembers them), so a body from the wire can never pose as one.
 */
export type Unopened = "waiting" | "not_sealed" | "unknown_key" | "bad_tag" | "bad_plaintext";

const markers = new WeakMap<object, Unopened>();

export function unopenedBody(reason: Unopened): object {
  const body = Object.freeze({ unopened: reason });
  markers.set(body, reason);
  return body;
}

/** Why this body was not opened, or null for an opened (or clear) one. */
export function unopenedReason(body: unknown): Unopened | null {
  return typeof body === "object" && body !== null ? (markers.get(body) ?? null) : null;
}

/** What the session shows for it. */
export function unopenedText(reason: Unopened): string {
  if (reason === "waiting") return "Waiting for the key to this message…";
  const why: Record<Exclude<Unopened, "waiting">, string> = {
    not_sealed: "it was not encrypted (not_sealed)",
    unknown_key: "this device never received its key (unknown_key)",
    bad_tag: "it was altered or does not belong here (bad_tag)",
    bad_plaintext: "its content is not readable (bad_plaintext)",
  };
  return `This message could not be verified: ${why[reason]}.`;
}
