import { type BodyOf, kinds, type StoredMsg } from "../../shared/protocol/index.ts";

/**
 * The session battery's checks, pure: the rooms' final logs (read from seq 1 after convergence),
 * the ledger the tool calls appended to, what the phones sent and what they saw.
 */

/** One user.message a phone sent: `tag` names its tool call's ledger line (null: no tool). */
export type SentInput = { mid: string; room: string; tag: string | null; decision: "allow" | "deny" };

export type PhoneView = { phone: string; room: string; msgs: readonly Pick<StoredMsg, "seq" | "mid">[] };

export type CheckInput = {
  /** room → its whole log. */
  rooms: ReadonlyMap<string, readonly StoredMsg[]>;
  machineLog: readonly StoredMsg[];
  inputs: readonly SentInput[];
  /** The last input of each room, sent after the faults: it must run (the session is resumable). */
  probes: readonly { room: string; mid: string }[];
  ledger: readonly string[];
  views: readonly PhoneView[];
};

export type Violation = { invariant: string; detail: string };

export type Counts = {
  inputs: number;
  turnsOk: number;
  /** turn.result subtypes other than success. */
  turnsFailed: Record<string, number>;
  /** Inputs answered by a notice instead of a turn. */
  noticed: number;
  prompts: number;
  resolvedBy: { phone: number; cancelled: number; timeout: number };
  executions: number;
  /**
   * Tool calls whose turn ended without their tool.result (the bridge died while they ran or
   * waited): `ran` of them left their ledger line, `notRan` did not. The phone shows them as
   * interrupted, with the turn's result (e.g. error_bridge_restarted).
   */
  unfinishedTools: { total: number; ran: number; notRan: number };
};

export type CheckResult = { ok: boolean; violations: Violation[]; counts: Counts };

export function check(x: CheckInput): CheckResult {
  const v: Violation[] = [];
  const counts: Counts = {
    inputs: x.inputs.length,
    turnsOk: 0,
    turnsFailed: {},
    noticed: 0,
    prompts: 0,
    resolvedBy: { phone: 0, cancelled: 0, timeout: 0 },
    executions: x.ledger.length,
    unfinishedTools: { total: 0, ran: 0, notRan: 0 },
  };
  for (const [room, log] of x.rooms) checkLog(room, log, v);
  checkLog("machine room", x.machineLog, v);
  const ledger = tally(x.ledger);
  const rooms = new Map([...x.rooms].map(([room, log]) => [room, index(log)]));
  for (const input of x.inputs) checkInput(input, rooms.get(input.room), counts, v);
  for (const [room, ix] of rooms) checkPrompts(room, ix, x.inputs, ledger, counts, v);
  checkLedger(ledger, x.inputs, v);
  for (const ix of rooms.values()) countUnfinished(ix, ledger, counts);
  checkSessions(x, rooms, v);
  for (const view of x.views) checkView(view, x.rooms.get(view.room) ?? [], v);
  return { ok: v.length === 0, violations: v, counts };
}

/** A room's log as the checks read it: bodies parsed with the shared schemas. */
type Indexed = {
  log: readonly StoredMsg[];
  started: Map<string, number[]>;
  results: Map<string, { seq: number; ok: boolean; subtype: string }[]>;
  notices: Map<string, number>;
  /** requestId → the tool command it asks about and its resolutions. */
  requests: Map<string, { seq: number; command: string; toolUseId: string }>;
  resolved: Map<string, { decision: string; by: string }[]>;
  toolResults: Set<string>;
};

function index(log: readonly StoredMsg[]): Indexed {
  const ix: Indexed = {
    log,
    started: new Map(),
    results: new Map(),
    notices: new Map(),
    requests: new Map(),
    resolved: new Map(),
    toolResults: new Set(),
  };
  const push = <T>(m: Map<string, T[]>, k: string, val: T) => m.set(k, [...(m.get(k) ?? []), val]);
  for (const m of log) {
    const b = parse(m);
    if (!b) continue;
    if (b.k === "turn.started") push(ix.started, b.body.inputMid, m.seq);
    else if (b.k === "turn.result" && b.body.inputMid)
      push(ix.results, b.body.inputMid, { seq: m.seq, ok: b.body.ok, subtype: b.body.subtype });
    else if (b.k === "session.notice" && b.body.inputMid)
      ix.notices.set(b.body.inputMid, (ix.notices.get(b.body.inputMid) ?? 0) + 1);
    else if (b.k === "permission.request")
      ix.requests.set(b.body.requestId, {
        seq: m.seq,
        command: commandOf(b.body.input),
        toolUseId: b.body.toolUseId,
      });
    else if (b.k === "permission.resolved")
      push(ix.resolved, b.body.requestId, { decision: b.body.decision, by: b.body.by });
    else if (b.k === "tool.result") ix.toolResults.add(b.body.toolUseId);
  }
  return ix;
}

type Checked = (typeof CHECKED)[number];
type Parsed = { [K in Checked]: { k: K; body: BodyOf<K> } }[Checked];

const CHECKED = [
  "turn.started",
  "turn.result",
  "session.notice",
  "permission.request",
  "permission.resolved",
  "tool.result",
] as const;

function parse(m: StoredMsg): Parsed | null {
  const k = CHECKED.find((c) => c === m.kind);
  if (!k) return null;
  const r = kinds[k].body.safeParse(m.body);
  return r.success ? ({ k, body: r.data } as Parsed) : null;
}

function commandOf(input: unknown): string {
  const c =
    typeof input === "object" && input !== null ? (input as { command?: unknown }).command : undefined;
  return typeof c === "string" ? c : "";
}

function checkLog(room: string, log: readonly StoredMsg[], v: Violation[]): void {
  log.forEach((m, i) => {
    if (m.seq !== i + 1)
      v.push({ invariant: "log_gap_free", detail: `${room}: seq ${m.seq} at position ${i + 1}` });
  });
  if (new Set(log.map((m) => m.mid)).size !== log.length)
    v.push({ invariant: "log_gap_free", detail: `${room}: a mid is stored twice` });
  for (const m of log) {
    const k = CHECKED.find((c) => c === m.kind);
    if (k && !kinds[k].body.safeParse(m.body).success)
      v.push({ invariant: "schema", detail: `${room} seq ${m.seq}: ${m.kind} breaks its schema` });
  }
}

/** Exactly one turn.started and one turn.result (started first), or no turn and a notice naming it. */
function checkInput(input: SentInput, ix: Indexed | undefined, counts: Counts, v: Violation[]): void {
  const at = `${input.room} input ${input.mid}`;
  if (!ix) return void v.push({ invariant: "input_answered", detail: `${at}: its room was never read` });
  const stored = ix.log.filter((m) => m.mid === input.mid);
  if (stored.length !== 1)
    v.push({ invariant: "input_stored", detail: `${at}: stored ${stored.length} times` });
  const started = ix.started.get(input.mid) ?? [];
  const results = ix.results.get(input.mid) ?? [];
  const notices = ix.notices.get(input.mid) ?? 0;
  if (started.length === 0 && results.length === 0 && notices > 0) return void counts.noticed++;
  if (started.length !== 1 || results.length !== 1) {
    const what = `${started.length} turn.started, ${results.length} turn.result, ${notices} notices`;
    return void v.push({ invariant: "input_answered", detail: `${at}: ${what}` });
  }
  const [s, r] = [started[0] ?? 0, results[0]];
  if (!r) return;
  if (r.seq < s)
    v.push({
      invariant: "input_answered",
      detail: `${at}: turn.result (seq ${r.seq}) before turn.started (${s})`,
    });
  if (r.ok) counts.turnsOk++;
  else counts.turnsFailed[r.subtype] = (counts.turnsFailed[r.subtype] ?? 0) + 1;
}

/** Each prompt resolved exactly once; a phone's answer is the one the plan gave its tool call. */
function checkPrompts(
  room: string,
  ix: Indexed,
  inputs: readonly SentInput[],
  ledger: ReadonlyMap<string, number>,
  counts: Counts,
  v: Violation[],
): void {
  for (const [requestId, req] of ix.requests) {
    counts.prompts++;
    const res = ix.resolved.get(requestId) ?? [];
    const at = `${room} prompt ${requestId} (${req.command})`;
    if (res.length === 0) v.push({ invariant: "prompt_resolved", detail: `${at}: never resolved (lost)` });
    if (res.length > 1)
      v.push({ invariant: "prompt_resolved", detail: `${at}: resolved ${res.length} times` });
    const first = res[0];
    if (!first) continue;
    if (first.by === "cancelled" || first.by === "timeout") counts.resolvedBy[first.by]++;
    else counts.resolvedBy.phone++;
    const input = inputs.find((i) => i.tag !== null && req.command.includes(i.tag));
    if (first.by !== "cancelled" && first.by !== "timeout" && input && first.decision !== input.decision)
      v.push({
        invariant: "prompt_decision",
        detail: `${at}: resolved ${first.decision}, the phones answered ${input.decision}`,
      });
    if (input?.tag && first.decision === "deny" && (ledger.get(input.tag) ?? 0) > 0) {
      const allowed = [...ix.requests].some(
        ([id, r]) => r.command.includes(input.tag ?? "") && ix.resolved.get(id)?.[0]?.decision === "allow",
      );
      if (!allowed)
        v.push({ invariant: "ran_without_allow", detail: `${at}: denied, yet its ledger line exists` });
    }
  }
  for (const requestId of ix.resolved.keys())
    if (!ix.requests.has(requestId))
      v.push({
        invariant: "prompt_resolved",
        detail: `${room}: resolved ${requestId}, which was never asked`,
      });
}

/** No tool call ran twice; every line is a planned tag. */
function checkLedger(
  ledger: ReadonlyMap<string, number>,
  inputs: readonly SentInput[],
  v: Violation[],
): void {
  const tags = new Set(inputs.map((i) => i.tag));
  for (const [line, n] of ledger) {
    if (n > 1) v.push({ invariant: "executed_once", detail: `ledger line ${line} appears ${n} times` });
    if (!tags.has(line))
      v.push({ invariant: "executed_once", detail: `ledger line ${line} is no tool call of the run` });
  }
}

/** Tool calls without a tool.result in a turn that did not succeed: what a crash leaves uncertain. */
function countUnfinished(ix: Indexed, ledger: ReadonlyMap<string, number>, counts: Counts): void {
  for (const req of ix.requests.values()) {
    if (ix.toolResults.has(req.toolUseId)) continue;
    counts.unfinishedTools.total++;
    const tag = /t\d+x[0-9a-f]+/.exec(req.command)?.[0];
    if (tag && ledger.has(tag)) counts.unfinishedTools.ran++;
    else counts.unfinishedTools.notRan++;
  }
}

function checkSessions(x: CheckInput, rooms: ReadonlyMap<string, Indexed>, v: Violation[]): void {
  const lists = x.machineLog.filter((m) => m.kind === "machine.sessions");
  const last = kinds["machine.sessions"].body.safeParse(lists.at(-1)?.body);
  const listed = new Set(last.success ? last.data.sessions.map((s) => s.room) : []);
  for (const room of x.rooms.keys())
    if (!listed.has(room))
      v.push({ invariant: "session_listed", detail: `${room} is missing from the last machine.sessions` });
  for (const probe of x.probes) {
    const r = rooms.get(probe.room)?.results.get(probe.mid)?.[0];
    if (!r?.ok)
      v.push({
        invariant: "session_resumable",
        detail: `${probe.room}: the last input got ${r ? r.subtype : "no turn.result"}`,
      });
  }
}

/** What each phone shows is the log: the same mids at the same seqs, up to the head. */
function checkView(view: PhoneView, log: readonly StoredMsg[], v: Violation[]): void {
  const at = `${view.phone} in ${view.room}`;
  if (view.msgs.length !== log.length)
    v.push({ invariant: "phone_view", detail: `${at}: has ${view.msgs.length} of ${log.length} messages` });
  const wrong = view.msgs.findIndex((m, i) => m.seq !== i + 1 || m.mid !== log[i]?.mid);
  if (wrong >= 0)
    v.push({ invariant: "phone_view", detail: `${at}: differs from the log at position ${wrong + 1}` });
}

function tally(lines: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of lines) m.set(l.trim(), (m.get(l.trim()) ?? 0) + 1);
  return m;
}
