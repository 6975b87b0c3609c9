import { RelayFrame } from "../../protocol/index.ts";
import { SyncDefaults } from "./sync-types.ts";

const FATAL_CLOSES: ReadonlySet<number> = new Set([4001, 4003, 4403]);

/** Full jitter: random(0, min(cap, 0.5 s · 2^attempt)) (docs/protocol.md §8.2). */
export function backoffDelay(
  attempt: number,
  random: () => number = Math.random,
  capMs: number = SyncDefaults.backoffCapMs,
): number {
  return random() * Math.min(capMs, SyncDefaults.backoffBaseMs * 2 ** attempt);
}

/** 4001, 4403 and 4003 cannot be helped by retrying; every other close is a drop. */
export function isFatalClose(code: number): boolean {
  return FATAL_CLOSES.has(code);
}

export type Parsed = { ok: true; frame: RelayFrame } | { ok: false; error: string };

export function parseFrame(text: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `not JSON: ${(err as Error).message}` };
  }
  const r = RelayFrame.safeParse(value);
  if (r.success) return { ok: true, frame: r.data };
  const issue = r.error.issues[0];
  return {
    ok: false,
    error: `${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"} in ${text.slice(0, 120)}`,
  };
}
