import { openBodySync, sealBodySync } from "../../bridge/e2e/node-seal.ts";
import type { BodySeal } from "../../bridge/link/room-link.ts";
import { Sealed } from "../../shared/protocol/e2e.ts";

/**
 * The chaos bridge's end-to-end seal: one room key (generation 1) given by the runner instead of
 * a keyring and grants, so the battery exercises the sealed outbox under its faults. The phones of
 * the battery are transport probes without keys: their plaintext bodies pass as they are (the
 * strict refusal is the bridge's, tested in tests/e2e-tamper.test.ts). `raw` keeps each opened
 * message's body as stored, for the digests the checker compares with the relay's log.
 */
export function chaosSeal(roomKey: string, raw: Map<string, unknown>): BodySeal {
  const key = Buffer.from(roomKey, "base64url");
  return {
    seal: (ctx, body) => sealBodySync(key, 1, ctx, body),
    open: (ctx, body) => {
      if (ctx.mid !== null) raw.set(ctx.mid, body);
      if (!Sealed.safeParse(body).success) return { ok: true, body };
      return openBodySync((k) => (k === 1 ? key : null), ctx, body);
    },
    sealPush: (_room, _mid, push) => push,
  };
}

/** A stored body as the battery reads it: opened when sealed with the run's key, else as stored. */
export function plainOf(
  roomKey: string,
  m: { room?: string; kind: string; mid: string; body: unknown },
  room: string,
): unknown {
  if (!Sealed.safeParse(m.body).success) return m.body;
  const key = Buffer.from(roomKey, "base64url");
  const o = openBodySync((k) => (k === 1 ? key : null), { room, kind: m.kind, mid: m.mid }, m.body);
  return o.ok ? o.body : m.body;
}
