import { describe, expect, it } from "vitest";
import { check } from "./checker.ts";
import type { CheckResult, Invariant } from "./checker-types.ts";
import { msgDigest, runDigest, type Stored } from "./digest.ts";
import type { ActorInfo, HistoryEvent, Op } from "./history.ts";

/**
 * The checker against doctored histories: a clean one passes, and each kind of violation the
 * battery exists to catch (a lost ack, a duplicate, a reorder, a fenced write, …) is reported.
 */
const BRIDGE = "bridgecid1";
const PHONE = "phonecid01";

type World = { events: HistoryEvent[]; actors: Map<string, ActorInfo>; log: Stored[] };

function actor(
  name: string,
  kind: ActorInfo["kind"],
  cid: string,
  extra: Partial<ActorInfo> = {},
): ActorInfo {
  return {
    name,
    kind,
    cid,
    durable: kind !== "storm",
    zombie: false,
    receiver: true,
    reapply: kind === "bridge",
    ...extra,
  };
}

/** A clean run: the bridge sends b1, b2; the phone sends p1; both apply 1..3 and converge. */
function clean(): World {
  const log: Stored[] = [
    { seq: 1, mid: "mid-b1-xxxxxxxxxxx", cid: BRIDGE, kind: "agent.chaos", body: { k: "b1" } },
    { seq: 2, mid: "mid-b2-xxxxxxxxxxx", cid: BRIDGE, kind: "agent.chaos", body: { k: "b2" } },
    { seq: 3, mid: "mid-p1-xxxxxxxxxxx", cid: PHONE, kind: "user.message", body: { k: "p1", text: "ck:p1" } },
  ];
  const w: World = {
    events: [],
    actors: new Map([
      ["bridge", actor("bridge", "bridge", BRIDGE)],
      ["phone", actor("phone", "phone", PHONE)],
    ]),
    log,
  };
  const add = adder(w);
  add("bridge", { op: "start", incarnation: 1, cursor: null, epoch: 1, outcome: "ok" });
  add("bridge", { op: "hello", since: null, epoch: 1, outcome: "info" });
  add("bridge", { op: "connect", outcome: "ok", head: 0, resumeFrom: 1, epoch: 1, reason: "" });
  add("phone", { op: "start", incarnation: 1, cursor: null, epoch: 1, outcome: "ok" });
  add("phone", { op: "hello", since: null, epoch: 1, outcome: "info" });
  add("phone", { op: "connect", outcome: "ok", head: 0, resumeFrom: 1, epoch: null, reason: "" });
  for (const m of log) {
    const sender = m.cid === BRIDGE ? "bridge" : "phone";
    const key = (m.body as { k: string }).k;
    add(sender, { op: "send", key, outcome: "info" });
    add(sender, { op: "queued", key, mid: m.mid, outcome: "ok" });
    add(sender, {
      op: "ack",
      key,
      mid: m.mid,
      seq: m.seq,
      dup: false,
      epoch: sender === "bridge" ? 1 : null,
      outcome: "ok",
    });
  }
  for (const who of ["bridge", "phone"]) for (const m of log) add(who, apply(log, m.seq));
  for (const who of ["bridge", "phone"])
    add(who, { op: "converged", head: 3, cursor: 3, elapsedMs: 120, outcome: "ok" });
  return w;
}

function adder(w: World) {
  return (name: string, op: Op) => void w.events.push({ ...op, actor: name, at: w.events.length });
}

function apply(log: readonly Stored[], seq: number, n = 1): Op {
  const digests = log.filter((m) => m.seq >= seq && m.seq < seq + n).map(msgDigest);
  return { op: "apply", seq, n, digest: runDigest(digests), outcome: "ok" };
}

function run(w: World): CheckResult {
  return check({ events: w.events, actors: w.actors, log: w.log, convergeWithinMs: 10_000 });
}

function invariants(r: CheckResult): Invariant[] {
  return [...new Set(r.violations.map((v) => v.invariant))].sort();
}

describe("the chaos checker", () => {
  it("passes a clean history and counts it", () => {
    const r = run(clean());
    expect(r.violations).toEqual([]);
    expect(r.counts).toMatchObject({
      sent: 3,
      acknowledged: 3,
      stored: 3,
      delivered: 6,
      lost: 0,
      duplicated: 0,
    });
    expect(r.converged).toBe(true);
  });

  it("catches a lost ack: acknowledged at seq 3, missing from the log", () => {
    const w = clean();
    w.log = w.log.slice(0, 2);
    for (const e of w.events) if (e.op === "converged") Object.assign(e, { head: 2, cursor: 2 });
    const r = run(w);
    expect(invariants(r)).toContain("lost");
    expect(r.violations.find((v) => v.invariant === "lost")?.detail).toContain("p1");
    expect(r.counts.lost).toBeGreaterThan(0);
  });

  it("catches a message stored twice (a resend under a new mid)", () => {
    const w = clean();
    w.log.push({ seq: 4, mid: "mid-b2-again-xxxxx", cid: BRIDGE, kind: "agent.chaos", body: { k: "b2" } });
    const r = run(w);
    expect(invariants(r)).toContain("duplicate");
    expect(r.counts.duplicated).toBe(1);
  });

  it("catches a receiver applying out of order and a hole in the log", () => {
    const w = clean();
    const phoneApplies = w.events.filter((e) => e.actor === "phone" && e.op === "apply");
    const [, second, third] = phoneApplies;
    if (!second || !third) throw new Error("setup");
    // The phone applies 1, 3, 2.
    Object.assign(second, apply(w.log, 3));
    Object.assign(third, apply(w.log, 2));
    const r = run(w);
    expect(invariants(r)).toEqual(expect.arrayContaining(["receiver_skip", "receiver_duplicate"]));
    expect(r.counts.reordered).toBeGreaterThan(0);

    const gap = clean();
    gap.log = [gap.log[0], gap.log[2]].flatMap((m) => (m ? [m] : []));
    expect(invariants(run(gap))).toContain("log_gap");
  });

  it("catches a write from a fenced epoch, acked or merely stored", () => {
    const w = clean();
    const add = adder(w);
    w.actors.set("bridge-zombie1", actor("bridge-zombie1", "bridge", BRIDGE, { zombie: true }));
    add("bridge-zombie1", { op: "start", incarnation: 0, cursor: null, epoch: 1, outcome: "ok" });
    add("bridge", { op: "start", incarnation: 2, cursor: 3, epoch: 2, outcome: "ok" });
    add("bridge", { op: "connect", outcome: "ok", head: 3, resumeFrom: 4, epoch: 2, reason: "" });
    // After epoch 2 was welcomed at head 3, epoch 1 gets a message stored at seq 4.
    add("bridge-zombie1", { op: "send", key: "z1", outcome: "info" });
    add("bridge-zombie1", {
      op: "ack",
      key: "z1",
      mid: "mid-z1-xxxxxxxxxxx",
      seq: 4,
      dup: false,
      epoch: 1,
      outcome: "ok",
    });
    w.log.push({ seq: 4, mid: "mid-z1-xxxxxxxxxxx", cid: BRIDGE, kind: "agent.chaos", body: { k: "z1" } });
    const r = run(w);
    expect(r.violations.filter((v) => v.invariant === "fenced_write").length).toBe(2);

    // The same send refused (not stored, not acked) is fine.
    const ok = clean();
    const add2 = adder(ok);
    ok.actors.set("bridge-zombie1", actor("bridge-zombie1", "bridge", BRIDGE, { zombie: true }));
    add2("bridge-zombie1", { op: "start", incarnation: 0, cursor: null, epoch: 1, outcome: "ok" });
    add2("bridge", { op: "start", incarnation: 2, cursor: 3, epoch: 2, outcome: "ok" });
    add2("bridge", { op: "connect", outcome: "ok", head: 3, resumeFrom: 4, epoch: 2, reason: "" });
    add2("bridge-zombie1", { op: "send", key: "z1", outcome: "info" });
    add2("bridge-zombie1", { op: "queued", key: "z1", mid: "mid-z1-xxxxxxxxxxx", outcome: "ok" });
    add2("bridge-zombie1", { op: "fatal", code: 4003, reason: "fenced", outcome: "fail" });
    expect(run(ok).violations).toEqual([]);
  });

  it("catches a stored message nobody sent, and a durably queued one that never arrived", () => {
    const w = clean();
    w.log.push({ seq: 4, mid: "mid-ghost-xxxxxxxx", cid: PHONE, kind: "user.message", body: { k: "ghost" } });
    expect(invariants(run(w))).toContain("phantom");

    // A key grant (key-granter.ts) is key traffic: no send stands behind it, and it is no phantom.
    const g = clean();
    const grant = { room: "s-chaos", keys: [{ to: "d:tk_xxxxxxxxxxxx", k: 1, n: "n", w: "w" }] };
    g.log.push({ seq: 4, mid: "mid-grant-xxxxxxxx", cid: BRIDGE, kind: "keys.grant", body: grant });
    expect(invariants(run(g))).not.toContain("phantom");

    const q = clean();
    adder(q)("bridge", { op: "send", key: "b9", outcome: "info" });
    adder(q)("bridge", { op: "queued", key: "b9", mid: "mid-b9-xxxxxxxxxxx", outcome: "ok" });
    const r = run(q);
    expect(invariants(r)).toEqual(["lost"]);
    expect(r.counts.indeterminate).toBe(1);
  });

  it("allows one re-apply right after a crash, but not a cursor that goes back further", () => {
    const w = clean();
    const add = adder(w);
    w.events = w.events.filter((e) => e.op !== "converged");
    add("bridge", { op: "crash", outcome: "info" });
    add("bridge", { op: "start", incarnation: 2, cursor: 2, epoch: 2, outcome: "ok" });
    add("bridge", apply(w.log, 3));
    add("bridge", { op: "converged", head: 3, cursor: 3, elapsedMs: 10, outcome: "ok" });
    add("phone", { op: "converged", head: 3, cursor: 3, elapsedMs: 10, outcome: "ok" });
    const r = run(w);
    expect(r.violations).toEqual([]);
    expect(r.counts.reapplied).toBe(1);

    const back = clean();
    adder(back)("bridge", { op: "crash", outcome: "info" });
    adder(back)("bridge", { op: "start", incarnation: 2, cursor: 1, epoch: 2, outcome: "ok" });
    expect(invariants(run(back))).toContain("cursor_back");
  });

  it("catches a client that does not converge in time, or to the wrong head", () => {
    const slow = clean();
    const c = slow.events.find((e) => e.op === "converged");
    if (c) Object.assign(c, { elapsedMs: 12_000 });
    const r = run(slow);
    expect(invariants(r)).toEqual(["not_converged"]);
    expect(r.converged).toBe(false);

    const short = clean();
    short.events = short.events.filter((e) => !(e.actor === "phone" && e.op === "apply" && e.seq === 3));
    expect(invariants(run(short))).toEqual(["not_converged"]);
  });

  it("catches content that differs from the log, and a refused message that was stored", () => {
    const w = clean();
    const last = w.events.findLast((e) => e.op === "apply");
    if (last) Object.assign(last, { digest: "not-the-same" });
    expect(invariants(run(w))).toEqual(["receiver_content"]);

    const refused = clean();
    adder(refused)("phone", {
      op: "refuse",
      key: "p1",
      mid: "mid-p1-xxxxxxxxxxx",
      code: "too_large",
      outcome: "fail",
    });
    expect(invariants(run(refused))).toContain("refused_stored");
  });

  it("catches a web app mirror with a hole, or one that stops short of the head", () => {
    const mirror = (first: number, last: number, count: number, cursor: number): Op => {
      const w = clean();
      const rows = w.log.filter(
        (m) => m.seq >= first && m.seq <= last && (count === last - first + 1 || m.seq !== 2),
      );
      return {
        op: "mirror",
        first,
        last,
        count,
        digest: runDigest(rows.map(msgDigest)),
        cursor,
        outcome: "ok",
      };
    };
    const good = clean();
    adder(good)("phone", mirror(1, 3, 3, 3));
    expect(run(good).violations).toEqual([]);
    const hole = clean();
    adder(hole)("phone", mirror(1, 3, 2, 3));
    expect(invariants(run(hole))).toEqual(["mirror"]);
    const short = clean();
    adder(short)("phone", mirror(1, 2, 2, 2));
    expect(invariants(run(short))).toEqual(["mirror"]);
  });

  it("a reloading page: late reports of the old document, then the new one's hello; never a step back", () => {
    const w = clean();
    w.events = w.events.filter((e) => !(e.actor === "phone" && e.op === "apply" && e.seq === 3));
    w.events = w.events.filter((e) => e.op !== "converged");
    const add = adder(w);
    // The reload starts; the old document still applies 3 (reported), the new one says hello at 3.
    add("phone", { op: "crash", outcome: "info" });
    add("phone", { op: "start", incarnation: 2, cursor: null, epoch: null, outcome: "ok" });
    add("phone", apply(w.log, 3));
    add("phone", { op: "hello", since: 3, epoch: null, outcome: "info" });
    for (const who of ["bridge", "phone"])
      add(who, { op: "converged", head: 3, cursor: 3, elapsedMs: 5, outcome: "ok" });
    expect(run(w).violations).toEqual([]);

    const back = clean();
    adder(back)("phone", { op: "crash", outcome: "info" });
    adder(back)("phone", { op: "start", incarnation: 2, cursor: null, epoch: null, outcome: "ok" });
    adder(back)("phone", { op: "hello", since: 1, epoch: null, outcome: "info" });
    expect(invariants(run(back))).toContain("cursor_back");
  });
});
