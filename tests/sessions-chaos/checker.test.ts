import { describe, expect, it } from "vitest";
import type { StoredMsg } from "../../shared/protocol/index.ts";
import { type CheckInput, check, type SentInput } from "./checker.ts";

/**
 * The checker is fed a clean, hand-made run, then the same run with one defect at a time: each
 * defect must be named, so a battery that reports "clean" means something.
 */
const ROOM = "s-room";
const LEDGER = "/p/ledger.txt";

class Log {
  readonly msgs: StoredMsg[] = [];
  add(
    kind: string,
    body: unknown,
    role: "bridge" | "controller" = "bridge",
    mid = `m${this.msgs.length + 1}`,
  ): string {
    this.msgs.push({ seq: this.msgs.length + 1, mid, kind, body, role, cid: role, ts: 1 } as StoredMsg);
    return mid;
  }
}

/** A tool turn: the input, its prompt, the phone's answer, the result; `ran` writes the ledger line. */
function toolTurn(
  log: Log,
  input: SentInput,
  n: number,
  ledger: string[],
  ran = input.decision === "allow",
): void {
  log.add("user.message", { text: `[[bash cmd=echo_${input.tag}]]` }, "controller", input.mid);
  log.add("turn.started", { inputMid: input.mid });
  const command = `echo ${input.tag} >> ${LEDGER}`;
  const toolUseId = `toolu_${n}`;
  log.add("agent.message", {
    id: `a${n}`,
    blocks: [{ type: "tool_use", id: toolUseId, name: "Bash", input: { command } }],
  });
  log.add("permission.request", { requestId: `pr${n}`, toolName: "Bash", input: { command }, toolUseId });
  log.add("permission.response", { requestId: `pr${n}`, decision: input.decision }, "controller");
  log.add("permission.resolved", { requestId: `pr${n}`, decision: input.decision, by: "phone-0" });
  if (ran) ledger.push(input.tag as string);
  log.add("tool.result", { toolUseId, isError: input.decision === "deny", content: "" });
  log.add("turn.result", { inputMid: input.mid, ok: true, subtype: "success", durationMs: 5 });
}

function cleanRun(): CheckInput {
  const log = new Log();
  const ledger: string[] = [];
  const inputs: SentInput[] = [
    { mid: "in1", room: ROOM, tag: "t1xa", decision: "allow" },
    { mid: "in2", room: ROOM, tag: "t2xb", decision: "deny" },
    { mid: "in3", room: ROOM, tag: null, decision: "allow" },
  ];
  toolTurn(log, inputs[0] as SentInput, 1, ledger);
  toolTurn(log, inputs[1] as SentInput, 2, ledger);
  log.add("user.message", { text: "probe" }, "controller", "in3");
  log.add("turn.started", { inputMid: "in3" });
  log.add("turn.result", { inputMid: "in3", ok: true, subtype: "success", durationMs: 5 });
  const machine = new Log();
  const summary = { room: ROOM, title: "t", cwd: "/p", state: "idle", chain: [], createdAt: 1, updatedAt: 1 };
  machine.add("machine.sessions", { sessions: [summary] });
  return {
    rooms: new Map([[ROOM, log.msgs]]),
    machineLog: machine.msgs,
    inputs,
    probes: [{ room: ROOM, mid: "in3" }],
    ledger,
    views: [{ phone: "phone-0", room: ROOM, msgs: log.msgs }],
  };
}

function invariants(x: CheckInput): string[] {
  return check(x).violations.map((v) => v.invariant);
}

describe("session battery checker", () => {
  it("passes a clean run and counts what happened", () => {
    const r = check(cleanRun());
    expect(r.violations).toEqual([]);
    expect(r.counts).toMatchObject({ inputs: 3, turnsOk: 3, prompts: 2, executions: 1 });
    expect(r.counts.resolvedBy).toEqual({ phone: 2, cancelled: 0, timeout: 0 });
  });

  it("flags a tool call whose ledger line appears twice", () => {
    const x = cleanRun();
    expect(invariants({ ...x, ledger: [...x.ledger, "t1xa"] })).toEqual(["executed_once"]);
  });

  it("flags a ledger line that is no tool call of the run", () => {
    const x = cleanRun();
    expect(invariants({ ...x, ledger: [...x.ledger, "t9xf"] })).toEqual(["executed_once"]);
  });

  it("flags an input without its turn.result", () => {
    const x = cleanRun();
    const log = (x.rooms.get(ROOM) ?? []).filter(
      (m) => !(m.kind === "turn.result" && (m.body as { inputMid: string }).inputMid === "in1"),
    );
    const renumbered = log.map((m, i) => ({ ...m, seq: i + 1 }));
    const v = check({ ...x, rooms: new Map([[ROOM, renumbered]]), views: [] }).violations;
    expect(v.map((e) => e.invariant)).toEqual(["input_answered"]);
    expect(v[0]?.detail).toContain("1 turn.started, 0 turn.result");
  });

  it("flags an input answered by two turns", () => {
    const x = cleanRun();
    const log = new Log();
    for (const m of x.rooms.get(ROOM) ?? []) log.add(m.kind, m.body, m.role as "bridge", m.mid);
    log.add("turn.result", { inputMid: "in1", ok: true, subtype: "success", durationMs: 1 });
    const v = invariants({ ...x, rooms: new Map([[ROOM, log.msgs]]), views: [] });
    expect(v).toEqual(["input_answered"]);
  });

  it("accepts an input answered by a notice instead of a turn, and counts it", () => {
    const x = cleanRun();
    const log = new Log();
    for (const m of x.rooms.get(ROOM) ?? []) log.add(m.kind, m.body, m.role as "bridge", m.mid);
    log.add("user.message", { text: "late" }, "controller", "in4");
    log.add("session.notice", { level: "warn", code: "session_ended", text: "ended", inputMid: "in4" });
    const inputs = [...x.inputs, { mid: "in4", room: ROOM, tag: null, decision: "allow" as const }];
    const r = check({ ...x, inputs, rooms: new Map([[ROOM, log.msgs]]), views: [] });
    expect(r.violations).toEqual([]);
    expect(r.counts.noticed).toBe(1);
  });

  it("flags a prompt resolved twice, and one never resolved", () => {
    const x = cleanRun();
    const twice = new Log();
    const lost = new Log();
    for (const m of x.rooms.get(ROOM) ?? []) {
      twice.add(m.kind, m.body, m.role as "bridge", m.mid);
      const resolvesFirst =
        m.kind === "permission.resolved" && (m.body as { requestId: string }).requestId === "pr1";
      if (!resolvesFirst) lost.add(m.kind, m.body, m.role as "bridge", m.mid);
    }
    twice.add("permission.resolved", { requestId: "pr1", decision: "allow", by: "phone-1" });
    const a = check({ ...x, rooms: new Map([[ROOM, twice.msgs]]), views: [] }).violations;
    expect(a.map((v) => v.detail)).toEqual([expect.stringContaining("resolved 2 times")]);
    const b = check({ ...x, rooms: new Map([[ROOM, lost.msgs]]), views: [] }).violations;
    expect(b.map((v) => v.detail)).toEqual([expect.stringContaining("never resolved")]);
  });

  it("flags a denied tool call that ran anyway, and a resolution against the phones' answer", () => {
    const x = cleanRun();
    expect(invariants({ ...x, ledger: [...x.ledger, "t2xb"] })).toEqual(["ran_without_allow"]);
    const flipped = (x.rooms.get(ROOM) ?? []).map((m) =>
      m.kind === "permission.resolved" && (m.body as { requestId: string }).requestId === "pr2"
        ? { ...m, body: { requestId: "pr2", decision: "allow", by: "phone-0" } }
        : m,
    );
    expect(invariants({ ...x, rooms: new Map([[ROOM, flipped]]), views: [] })).toEqual(["prompt_decision"]);
  });

  it("flags a session missing from the machine room, a probe that failed, a phone behind the log", () => {
    const x = cleanRun();
    expect(invariants({ ...x, machineLog: [] })).toEqual(["session_listed"]);
    const failed = (x.rooms.get(ROOM) ?? []).map((m) =>
      m.kind === "turn.result" && (m.body as { inputMid: string }).inputMid === "in3"
        ? { ...m, body: { inputMid: "in3", ok: false, subtype: "error_bridge_restarted", durationMs: 1 } }
        : m,
    );
    expect(invariants({ ...x, rooms: new Map([[ROOM, failed]]), views: [] })).toEqual(["session_resumable"]);
    const behind = { phone: "phone-1", room: ROOM, msgs: (x.rooms.get(ROOM) ?? []).slice(0, 3) };
    expect(invariants({ ...x, views: [behind] })).toEqual(["phone_view"]);
  });

  it("counts a tool call whose turn ended without its result, and whether it ran", () => {
    const x = cleanRun();
    const cut = (x.rooms.get(ROOM) ?? [])
      .filter((m) => !(m.kind === "tool.result" && (m.body as { toolUseId: string }).toolUseId === "toolu_1"))
      .map((m, i) => ({ ...m, seq: i + 1 }));
    const r = check({ ...x, rooms: new Map([[ROOM, cut]]), views: [] });
    expect(r.violations).toEqual([]);
    expect(r.counts.unfinishedTools).toEqual({ total: 1, ran: 1, notRan: 0 });
  });
});
