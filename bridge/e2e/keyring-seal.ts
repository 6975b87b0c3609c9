import type { BodyContext } from "../../shared/core/e2e/context.ts";
import type { Opened } from "../../shared/core/e2e/webcrypto.ts";
import { CLEAR_KINDS } from "../../shared/protocol/e2e.ts";
import { Limits, type PushHint } from "../../shared/protocol/index.ts";
import type { BodySeal } from "../link/room-link.ts";
import type { Keyring } from "./keyring.ts";
import { openBodySync, sealBodySync } from "./node-seal.ts";

/**
 * The bridge's BodySeal over its keyring: seals with the room's newest generation, opens with
 * whichever generation a body names. `compress` off is TETHER_E2E_DEFLATE=0 (§12.9).
 */
export function keyringSeal(keys: Keyring, compress = process.env.TETHER_E2E_DEFLATE !== "0"): BodySeal {
  const seal = (ctx: BodyContext, body: unknown) => {
    if (CLEAR_KINDS.has(ctx.kind)) return body;
    const newest = keys.newest(ctx.room);
    // The bridge makes a room's first key (and grants it) as it opens the room: a bug otherwise.
    if (!newest) throw new Error(`no room key for ${ctx.room}`);
    return sealBodySync(newest.key, newest.k, ctx, body, { compress });
  };
  return {
    seal,
    open(ctx: BodyContext, body: unknown): Opened {
      if (CLEAR_KINDS.has(ctx.kind)) return { ok: true, body };
      return openBodySync((k) => keys.key(ctx.room, k), ctx, body);
    },
    sealPush(room: string, mid: string, push: PushHint): PushHint {
      const out = sealHint(room, mid, push);
      // Sealing adds about a third: a hint the relay would refuse (and the message with it) shows less.
      return JSON.stringify(out).length <= Limits.pushHintBytes ? out : sealHint(room, mid, plainer(push));
    },
  };

  function sealHint(room: string, mid: string, push: PushHint): PushHint {
    const out: PushHint = {};
    if (push.notify)
      out.notify = {
        ...push.notify,
        // The push payload names the message only by seq: the worker needs its mid to open this (§12.8).
        show: {
          ...(seal({ room, kind: "push.show", mid }, push.notify.show) as Record<string, unknown>),
          mid,
        },
      };
    if (push.will === null) out.will = null;
    else if (push.will)
      out.will = {
        show: seal({ room, kind: "push.will", mid: null }, push.will.show) as Record<string, unknown>,
      };
    return out;
  }
}

/** The same hint with its texts cut to what any sealed hint fits. */
function plainer(push: PushHint): PushHint {
  const cut = (show: Record<string, unknown>) => ({
    ...show,
    title: String(show.title ?? "").slice(0, 40),
    body: String(show.body ?? "").slice(0, 80),
  });
  const out: PushHint = {};
  if (push.notify) out.notify = { ...push.notify, show: cut(push.notify.show) };
  if (push.will !== undefined) out.will = push.will === null ? null : { show: cut(push.will.show) };
  return out;
}
