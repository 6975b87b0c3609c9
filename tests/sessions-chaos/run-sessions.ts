import type { StoredMsg } from "../../shared/protocol/index.ts";
import { openLog } from "../support/phone-keys.ts";
import { WireClient } from "../support/wire-client.ts";
import { type CheckResult, check, type PhoneView, type SentInput } from "./checker.ts";
import { type FaultRecord, runFault } from "./faults.ts";
import { Observer, SessionPhone } from "./phones.ts";
import { makePlan, type Plan, type SessionsConfig } from "./plan.ts";
import { makeReport, type SessionsReport } from "./report.ts";
import type { RoomConn } from "./room-conn.ts";
import { sleep, waitFor } from "./wait.ts";
import { SessionsWorld } from "./world.ts";

/** Bounds on every wait of a run: a battery that can hang proves nothing. */
const BRIDGE_UP_MS = 90_000;
const INPUTS_AHEAD = 2;
const FAULTS_BEHIND_MS = 180_000;
const BACKLOG_MS = 120_000;
const SETTLE_MS = 240_000;
const PROBE_MS = 120_000;
const CATCH_UP_MS = 60_000;

type Run = {
  c: SessionsConfig;
  plan: Plan;
  world: SessionsWorld;
  observer: Observer;
  phones: SessionPhone[];
  rooms: string[];
  machineRoom: string;
  sent: (SentInput & { i: number })[];
  faults: FaultRecord[];
  /** Waits that ran out, each naming what it waited for. */
  stalls: string[];
  violations: string[];
  machineInfos: number;
  /** The last input of each session, sent after the faults. */
  probes: { room: string; mid: string }[];
};

/** Runs the session battery once and returns its report (and the checker's full result). */
export async function runSessions(
  c: SessionsConfig,
): Promise<{ report: SessionsReport; result: CheckResult }> {
  const t0 = Date.now();
  const plan = makePlan(c);
  c.log(
    `sessions-chaos: seed ${c.seed}, ${c.inputs} inputs, ${plan.faults.length} faults (plan ${plan.digest})`,
  );
  const world = await SessionsWorld.start();
  const r = setUp(c, plan, world);
  try {
    world.startBridge();
    await createSessions(r);
    await Promise.all([inputLane(r), faultLane(r)]);
    c.log("sessions-chaos: faults done; converging");
    await converge(r);
    const result = check(await finalState(r));
    const report = makeReport(c, plan, result, {
      faults: r.faults,
      stalls: r.stalls,
      transport: r.violations,
      bridgeStarts: world.bridgeStarts,
      relayRestarts: world.relayRestarts,
      durationMs: Date.now() - t0,
    });
    return { report, result };
  } finally {
    await Promise.all([r.observer.stop(), ...r.phones.map((p) => p.stop())]);
    await world.stop();
  }
}

function setUp(c: SessionsConfig, plan: Plan, world: SessionsWorld): Run {
  const violations: string[] = [];
  const onViolation = (v: string) => void violations.push(v);
  const byTag = new Map(plan.inputs.filter((i) => i.tag).map((i) => [i.tag as string, i.decision]));
  const decisionFor = (command: string) => byTag.get(/t\d+x[0-9a-f]+/.exec(command)?.[0] ?? "") ?? null;
  const phones = Array.from(
    { length: c.phones },
    (_, i) =>
      new SessionPhone(`phone-${i}`, c.seed + i + 1, {
        wsUrl: () => world.phoneWsUrl,
        token: world.deviceToken,
        keys: world.base.device,
        decisionFor,
        onViolation,
      }),
  );
  const observer = new Observer({
    wsUrl: () => world.base.relay.wsUrl,
    token: world.deviceToken,
    keys: world.base.device,
    onViolation,
  });
  return {
    c,
    plan,
    world,
    observer,
    phones,
    rooms: [],
    machineRoom: `m-${world.machineId}`,
    sent: [],
    faults: [],
    stalls: [],
    violations,
    machineInfos: 0,
    probes: [],
  };
}

/** The bridge says hello in the machine room; phone-0 asks it for each session, everyone joins them. */
async function createSessions(r: Run): Promise<void> {
  const machine = r.observer.join(r.machineRoom, (m) => {
    if (m.kind === "machine.info") r.machineInfos++;
  });
  const asker = r.phones[0]?.join(r.machineRoom);
  if (!asker) throw new Error("no phone");
  if (!(await waitFor(() => r.machineInfos > 0, BRIDGE_UP_MS)))
    throw new Error(`the bridge never said hello\n${r.world.bridgeOutput().slice(-3000)}`);
  // The device's key, enrolled once the bridge reads the machine room (docs/protocol.md §12.4).
  await r.world.base.enroll();
  for (let s = 0; s < r.c.sessions; s++) {
    const req = asker.send("machine.create_session", { cwd: r.world.base.project, title: `battery ${s}` });
    const created = () => createdRoom(machine, req);
    if (!(await waitFor(() => created() !== null, BRIDGE_UP_MS)))
      throw new Error(`session ${s} was never created`);
    const room = created() as string;
    r.rooms.push(room);
    r.observer.join(room);
    for (const p of r.phones) p.join(room);
  }
}

function createdRoom(machine: RoomConn, requestMid: string): string | null {
  for (const m of machine.msgs) {
    const b = m.body as { requestMid?: unknown; room?: unknown } | null;
    if (m.kind === "machine.session_created" && b?.requestMid === requestMid && typeof b.room === "string")
      return b.room;
  }
  return null;
}

/** Inputs in plan order; never more than two ahead of the faults due, never a runaway backlog. */
async function inputLane(r: Run): Promise<void> {
  for (const input of r.plan.inputs) {
    const due = () =>
      r.faults.length >= r.plan.faults.filter((f) => f.afterInput < input.i - INPUTS_AHEAD).length;
    if (!(await waitFor(due, FAULTS_BEHIND_MS)))
      r.stalls.push(`input ${input.i}: the fault lane fell behind`);
    const backlog = () => r.sent.filter((s) => !r.observer.answered.has(s.mid)).length < r.c.sessions * 2;
    if (!(await waitFor(backlog, BACKLOG_MS)))
      r.stalls.push(`input ${input.i}: earlier inputs unanswered for ${BACKLOG_MS} ms`);
    const room = r.rooms[input.session] as string;
    const phone = r.phones[input.phone] as SessionPhone;
    const text = input.tag ? `[[bash cmd=echo_${input.tag}_>>_${r.world.ledger}]]` : `note ${input.i}`;
    const mid = phone.conn(room).send("user.message", { text });
    r.sent.push({ i: input.i, mid, room, tag: input.tag, decision: input.decision });
    await sleep(input.gapMs);
  }
}

async function faultLane(r: Run): Promise<void> {
  for (const { afterInput, fault } of r.plan.faults) {
    await waitFor(() => r.sent.length > afterInput, FAULTS_BEHIND_MS * 4);
    const rec = await runFault(fault, {
      world: r.world,
      observer: r.observer,
      phones: r.phones,
      machineInfos: () => r.machineInfos,
      answersSent: () => r.phones.reduce((n, p) => n + p.answers, 0),
    });
    r.faults.push(rec);
    r.c.log(
      `sessions-chaos: fault ${r.faults.length}/${r.plan.faults.length} ${rec.kind} ${rec.detail}${rec.recoveryMs === undefined ? "" : ` (back in ${rec.recoveryMs} ms)`}`,
    );
    if (!rec.ok) r.stalls.push(`${rec.kind} ${rec.detail}: not back within its deadline`);
  }
}

/** The faults stop: networks heal, phones come online; every input settles; a last input per session must run. */
async function converge(r: Run): Promise<void> {
  r.world.bridgeNet.restore();
  r.world.bridgeNet.unstall();
  r.world.phoneNet.restore();
  r.world.phoneNet.unstall();
  for (const p of r.phones) p.online();
  const settled = () =>
    r.sent.every((s) => r.observer.answered.has(s.mid)) && r.observer.openPrompts.size === 0;
  if (!(await waitFor(settled, SETTLE_MS))) r.stalls.push(unsettled(r));
  for (const room of r.rooms) {
    const mid = (r.phones[0] as SessionPhone)
      .conn(room)
      .send("user.message", { text: "probe after the faults" });
    r.sent.push({ i: -1, mid, room, tag: null, decision: "allow" });
    r.probes.push({ room, mid });
  }
  const probed = () => r.probes.every((p) => r.observer.answered.has(p.mid));
  if (!(await waitFor(probed, PROBE_MS))) r.stalls.push("a probe input was not answered");
  const head = (room: string) => r.observer.conns.get(room)?.last ?? 0;
  const caughtUp = () =>
    r.phones.every((p) => [...p.conns].every(([room, c]) => c.outbox.length === 0 && c.last >= head(room)));
  if (!(await waitFor(caughtUp, CATCH_UP_MS))) r.stalls.push("a phone did not catch up with the rooms");
}

function unsettled(r: Run): string {
  const open = r.sent.filter((s) => !r.observer.answered.has(s.mid)).map((s) => `${s.i}:${s.mid}`);
  return `after ${SETTLE_MS} ms: inputs without an answer [${open.join(", ")}], ${r.observer.openPrompts.size} open prompts`;
}

async function finalState(r: Run) {
  const url = r.world.base.relay.wsUrl;
  const token = r.world.deviceToken;
  const rooms = new Map<string, StoredMsg[]>();
  const keys = r.world.base.device;
  for (const room of r.rooms) rooms.set(room, openLog(keys, room, await readRoom(url, room, token)));
  // The bridge may have written after the phones caught up with the observer: they get there too.
  const reached = () =>
    r.phones.every((p) => r.rooms.every((room) => p.conn(room).last >= (rooms.get(room)?.length ?? 0)));
  if (!(await waitFor(reached, CATCH_UP_MS))) r.stalls.push("a phone did not reach the rooms' final heads");
  const views: PhoneView[] = r.phones.flatMap((p) =>
    [...p.conns]
      .filter(([room]) => room !== r.machineRoom)
      .map(([room, c]) => ({ phone: p.name, room, msgs: c.msgs })),
  );
  return {
    rooms,
    machineLog: openLog(keys, r.machineRoom, await readRoom(url, r.machineRoom, token)),
    inputs: r.sent,
    probes: r.probes,
    ledger: r.world.ledgerLines(),
    views,
  };
}

/** The whole room from seq 1, with a fresh socket straight to the relay. */
async function readRoom(wsUrl: string, room: string, token: string): Promise<StoredMsg[]> {
  const items: StoredMsg[] = [];
  const reader = await WireClient.open(wsUrl, room, token, { onMsg: (m) => items.push(m) });
  await reader.hello({ cid: `reader-${room.slice(0, 10)}`, since: 0 });
  await reader.untilCaughtUp();
  await reader.close();
  return items;
}
