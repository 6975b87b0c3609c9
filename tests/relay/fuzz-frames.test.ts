import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ErrorCode, Limits, type RelayFrame } from "../../shared/protocol/index.ts";
import { claimedRoom, mint, newMachine } from "./api-test-kit.ts";
import { batch, mid, WsClient } from "./ws-test-kit.ts";

/**
 * Generated bad frames against a real room (docs/protocol.md §5, §6): every one
 * is answered with a typed `error` or a defined close code, the room keeps serving, and its log
 * is byte for byte what it was. fast-check prints the seed and the shrunk frame of a failure.
 */
const RUNS = 30;
/** Close codes a bad frame may end in: policy (v ≠ 1, too many invalid), message too big. */
const BAD_FRAME_CLOSES = [4008, 1009];
const KNOWN_T = ["hello", "send", "ack", "history", "signal"];

type Setup = Awaited<ReturnType<typeof setup>>;

async function setup() {
  const m = await newMachine();
  const room = await claimedRoom(m.bridge.token);
  const bridge = await WsClient.join(room, m.bridge.token, { cid: "bridge-cid-1", epoch: 1 });
  await bridge.drain();
  bridge.send(batch("agent.message", 20));
  await bridge.next("acked");
  bridge.close();
  return { ...m, room };
}

/** Every stored row, as the Room Durable Object has it. */
function logOf(room: string) {
  return runInDurableObject(env.ROOM.getByName(room), (_r, state) => ({
    log: state.storage.sql
      .exec("SELECT seq, mid, cid, role, kind, body, ts, size FROM log ORDER BY seq")
      .toArray(),
    meta: state.storage.sql.exec("SELECT head, low, count, bytes FROM meta").toArray(),
    // A `__proto__` key must never reach an object's prototype.
    polluted: Object.keys(Object.prototype).length + Object.keys(Array.prototype).length,
  }));
}

let cids = 0;
/**
 * A phone socket, after hello and its replay when `hello` is true. Each gets a device token of its
 * own, so the many cases stay within the caps per token (8 sockets, 16 cids; §2.6).
 */
async function phone(s: Setup, hello: boolean): Promise<WsClient> {
  const c = await WsClient.open(s.room, (await mint("device", s.machineId)).token);
  if (!hello) return c;
  c.send({ t: "hello", v: 2, cid: `phone-fuzz-${++cids}`, since: null, tail: 0 });
  await c.next("caught_up");
  return c;
}

/**
 * Sends one bad frame, then a frame that must be answered (history after hello, a valid hello
 * before it). Frames are handled in order, so the bad frame's answer comes first: an error, or
 * the socket closes with a defined code. Anything else (silence, a crash) fails the property.
 */
async function expectRefused(
  c: WsClient,
  bad: string | Uint8Array,
  helloDone: boolean,
  hello: object = { t: "hello", v: 2, cid: `phone-fuzz-${++cids}` },
): Promise<void> {
  const start = c.frames.length;
  c.ws.send(bad);
  c.ws.send(JSON.stringify(helloDone ? { t: "history", limit: 1 } : hello));
  const answer = helloDone ? "history" : "welcome";
  const closed = c.closed.then((x) => ({ closed: x.code }));
  const outcome = await Promise.race([c.next(answer).then(() => ({ closed: null })), closed]);
  const errors = c.frames
    .slice(start)
    .filter((f): f is Extract<RelayFrame, { t: "error" }> => typeof f === "object" && f.t === "error");
  const typed = errors.length > 0 && errors.every((e) => ErrorCode.safeParse(e.code).success);
  if (outcome.closed !== null) {
    expect(BAD_FRAME_CLOSES, `closed ${outcome.closed}`).toContain(outcome.closed);
    return;
  }
  expect(typed, `no typed error for ${preview(bad)}: got ${c.types().slice(start).join(",")}`).toBe(true);
}

function preview(bad: string | Uint8Array): string {
  return typeof bad === "string" ? JSON.stringify(bad.slice(0, 120)) : `${bad.length} binary bytes`;
}

// ---- generators ------------------------------------------------------------------------------

const notSafeNat = fc.oneof(
  fc.integer({ max: -1 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
  fc.constantFrom(2 ** 53, 2 ** 53 + 2, 1e308, -1e308),
  fc.string(),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.nat(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.nat(), { maxKeys: 2 }),
);
/** Not an id of `^[A-Za-z0-9_-]{min,max}$`: too short, too long, a foreign character, not a string. */
function badId(min: number, max: number) {
  const ok = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, "a");
  return fc.oneof(
    fc.string({ maxLength: min - 1 }).map(ok),
    fc.string({ minLength: max + 1, maxLength: max + 100 }).map((s) => ok(s).padEnd(max + 1, "a")),
    fc
      .tuple(
        fc.string({ minLength: min, maxLength: max - 1 }),
        fc.constantFrom(" ", "/", ".", "%", "\u0000", "é", "+"),
      )
      .map(([s, bad]) => `${ok(s)}${bad}`),
    fc.nat(),
    fc.constant(null),
  );
}
const badMid = badId(16, 64);
const badCid = badId(8, 64);
const badKind = fc.oneof(
  fc.constantFrom(
    "",
    "user",
    "User.Message",
    "1user.message",
    "user..message",
    "user.message.",
    "user message",
    "ü.x",
  ),
  fc.nat(),
  fc.constant(null),
);
const okMid = fc.string({
  minLength: 16,
  maxLength: 32,
  unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789_-"),
});

/** Well-formed JSON whose meaning is wrong for its `t` (after hello). */
const wrongFields = fc.oneof(
  notSafeNat.map((upTo) => ({ t: "ack", upTo })),
  fc.record({ before: notSafeNat }).map((r) => ({ t: "history", ...r })),
  fc
    .oneof(fc.integer({ min: 501, max: 1e6 }), fc.constant(0), notSafeNat)
    .map((limit) => ({ t: "history", limit })),
  badKind.map((kind) => ({ t: "signal", kind })),
  fc.oneof(fc.constant([]), fc.string(), fc.constant(null), fc.nat()).map((msgs) => ({ t: "send", msgs })),
  badMid.map((m) => ({ t: "send", msgs: [{ mid: m, kind: "user.message", body: {} }] })),
  fc.tuple(okMid, badKind).map(([m, kind]) => ({ t: "send", msgs: [{ mid: m, kind, body: {} }] })),
  okMid.map((m) => ({ t: "send", msgs: [{ mid: m, kind: "user.message" }] })),
  fc.integer({ min: 101, max: 150 }).map((n) => ({ t: "send", msgs: batch("user.message", n).msgs })),
  fc.constant({ t: "hello", v: 2, cid: "phone-fuzz-again" }),
);

const unknownT = fc
  .oneof(
    fc.string().filter((t) => !KNOWN_T.includes(t)),
    fc.oneof(fc.nat(), fc.constant(null), fc.boolean(), fc.array(fc.string(), { maxLength: 2 })),
  )
  .map((t) => ({ t }));

/** Text that is not a JSON object with a `t`, each a `bad_frame` (docs/protocol.md §6.2). */
const notAFrame = fc.oneof(
  fc.string().filter((s) => s !== "ping" && !isFrameObject(s)),
  fc.constantFrom(
    "",
    "{",
    '{"t":',
    '{"t":"ack","upTo":1',
    "\uFEFF{}",
    "null",
    "[]",
    "1e999",
    '"hello"',
    "PING",
    "pong",
    "[".repeat(50_000),
    `${"[".repeat(20_000)}${"]".repeat(20_000)}`,
    '{"__proto__":{"t":"ack"},"upTo":1}',
    `{"t":"ack","upTo":1,${"\u2028".repeat(3)}}`,
  ),
);

function isFrameObject(s: string): boolean {
  try {
    const v: unknown = JSON.parse(s);
    return typeof v === "object" && v !== null && !Array.isArray(v) && "t" in v;
  } catch {
    return false;
  }
}

/** A valid send frame in every respect but size: the frame limit, or one body over 256 KiB. */
const oversized = fc.oneof(
  fc.constant(Limits.frameBytes + 1),
  fc.constant(Limits.bodyBytes + 1),
  fc.integer({ min: Limits.bodyBytes + 1, max: Limits.bodyBytes + 4096 }),
);

describe("fuzzing the frame parser (fast-check, in workerd)", () => {
  it("bad frames after hello: typed errors, the log unchanged", async () => {
    const s = await setup();
    const before = await logOf(s.room);
    await fc.assert(
      fc.asyncProperty(fc.oneof(wrongFields, unknownT), async (frame) => {
        const c = await phone(s, true);
        await expectRefused(c, JSON.stringify(frame), true);
        c.close();
      }),
      { numRuns: RUNS * 3 },
    );
    await fc.assert(
      fc.asyncProperty(notAFrame, async (text) => {
        const c = await phone(s, true);
        await expectRefused(c, text, true);
        c.close();
      }),
      { numRuns: RUNS * 2 },
    );
    expect(await logOf(s.room)).toEqual(before);
  });

  it("binary, oversized and __proto__ frames: typed errors or a defined close, the log unchanged", async () => {
    const s = await setup();
    const before = await logOf(s.room);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 2048 }), async (bytes) => {
        const c = await phone(s, true);
        await expectRefused(c, bytes, true);
        c.close();
      }),
      { numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(oversized, okMid, async (size, m) => {
        const c = await phone(s, true);
        const body = { text: "x".repeat(size) };
        await expectRefused(
          c,
          JSON.stringify({ t: "send", msgs: [{ mid: m, kind: "user.message", body }] }),
          true,
        );
        c.close();
      }),
      { numRuns: 8 },
    );
    await fc.assert(
      fc.asyncProperty(okMid, async (m) => {
        const c = await phone(s, true);
        const text = `{"t":"send","msgs":[{"mid":"${m}","kind":"user.message","__proto__":{"body":{"x":1}}}]}`;
        await expectRefused(c, text, true);
        c.close();
      }),
      { numRuns: 10 },
    );
    const after = await logOf(s.room);
    expect(after).toEqual(before);
  });

  it("frames before hello and bad hellos: hello_required, bad_frame or 4008; nothing stored", async () => {
    const s = await setup();
    const before = await logOf(s.room);
    const badHello = fc.oneof(
      // null is a valid since (no cursor); everything else that is not a safe natural is not.
      notSafeNat
        .filter((v) => v !== null)
        .map((since) => ({ t: "hello", v: 2, cid: "phone-fuzz-h1", since })),
      fc
        .oneof(
          fc.integer({ min: 1001, max: 1e9 }),
          notSafeNat.filter((v) => v !== null),
        )
        .map((tail) => ({ t: "hello", v: 2, cid: "phone-fuzz-h2", tail })),
      badCid.map((cid) => ({ t: "hello", v: 2, cid })),
      fc
        .oneof(fc.integer({ min: 3, max: 9 }), fc.constant(1), fc.constant(0), fc.string())
        .map((v) => ({ t: "hello", v, cid: "phone-fuzz-h3" })),
      okMid.map((m) => ({ t: "send", msgs: [{ mid: m, kind: "user.message", body: {} }] })),
      fc.constant({ t: "ack", upTo: 1 }),
    );
    await fc.assert(
      fc.asyncProperty(badHello, async (frame) => {
        const c = await phone(s, false);
        await expectRefused(c, JSON.stringify(frame), false);
        c.close();
      }),
      { numRuns: RUNS * 2 },
    );
    // A bridge hello needs an epoch; a `__proto__` one does not count.
    const b = await WsClient.open(s.room, s.bridge.token);
    const bridgeHello = { t: "hello", v: 2, cid: "bridge-cid-1", epoch: 1 };
    await expectRefused(
      b,
      '{"t":"hello","v":2,"cid":"bridge-cid-1","__proto__":{"epoch":1}}',
      false,
      bridgeHello,
    );
    b.close();
    expect(await logOf(s.room)).toEqual(before);
  });

  it("a deeply nested body (valid JSON) is stored or refused with a typed error, never a crash", async () => {
    const s = await setup();
    const c = await phone(s, true);
    for (const depth of [1_000, 10_000, 50_000]) {
      const m = mid();
      const body = `${"[".repeat(depth)}${"]".repeat(depth)}`;
      const start = c.frames.length;
      c.ws.send(`{"t":"send","msgs":[{"mid":"${m}","kind":"user.message","body":${body}}]}`);
      c.send({ t: "history", limit: 1 });
      await c.next("history");
      const answers = c.frames
        .slice(start)
        .filter((f) => typeof f === "object" && (f.t === "acked" || f.t === "error"));
      expect(answers.length, `depth ${depth}: ${c.types().slice(start).join(",")}`).toBe(1);
    }
    const m = mid();
    c.send({ t: "send", msgs: [{ mid: m, kind: "user.message", body: { after: "deep" } }] });
    expect((await c.next("acked")).acks[0]?.mid).toBe(m);
  });

  it("after all that the room still stores and replays: nothing was corrupted", async () => {
    const s = await setup();
    const c = await phone(s, true);
    for (const text of ["{", '{"t":"ack","upTo":-1}', '{"t":"nope"}', '{"__proto__":{"t":"ack"}}'])
      c.ws.send(text);
    const m = mid();
    c.send({ t: "send", msgs: [{ mid: m, kind: "user.message", body: { ok: true } }] });
    expect((await c.next("acked")).acks).toEqual([{ mid: m, seq: 21 }]);
    const { log, polluted } = await logOf(s.room);
    expect(log.map((r) => r.seq)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    expect(polluted).toBe(0);
  });
});
