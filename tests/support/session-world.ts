import {
  type Effect,
  type Held,
  type Input,
  initialMachine,
  type Machine,
  type MachineEvent,
  step,
  type TurnOutcome,
} from "../../bridge/session/session-machine.ts";

export const NO_CONVERSATION = "No conversation found with session ID: gone";

/** `dying`: it said it found no conversation, and exits next. */
type Proc = { closing: boolean; dying: boolean; handed: string[] };
/** A message the relay stored; `subtype` of a turn.result. */
type Stored = { key: string; order: number; subtype: string | null };

/**
 * What surrounds a session machine, for its model test: the registry (inputs by mid, surviving
 * crashes), the relay (stores a mid once), Claude processes (answer what they were handed, in
 * order) and the bridge process itself (killed and started again, even between two effects).
 * It interprets the machine's effects and records what would break the room's promises.
 */
export class World {
  machine: Machine = initialMachine();
  /** The registry's inputs, in insertion order; it survives bridge crashes. */
  readonly inputs = new Map<string, { input: Input; state: "pending" | "started" | "held" | "done" }>();
  /** The registry's hold of an input (kept with it, across crashes). */
  holds = new Map<string, Held>();
  /** How often each input was handed to a process as itself and as "continue". */
  readonly handed = new Map<string, { text: number; again: number }>();
  /** The relay's log: one entry per mid, whoever sent it how often. */
  readonly stored = new Map<string, Stored>();
  readonly violations: string[] = [];
  claudeSession: string | null = null;
  // What belongs to one bridge process, lost when it is killed:
  procs = new Map<number, Proc>();
  prepares: string[] = [];
  interrupts: { proc: number; inputMid: string }[] = [];
  waits = 0;
  sentNow = new Set<string>();
  endedPublished = false;
  /** Kill the bridge after this many more effects. */
  crashAt: number | null = null;
  crashedBetweenEffects = 0;
  heldCount = 0;
  #n = 0;

  newInput(kind: Input["kind"]): void {
    const mid = `m${++this.#n}`;
    this.inputs.set(mid, {
      input: { mid, text: kind === "command" ? "/clear" : `t:${mid}`, kind },
      state: "pending",
    });
    this.kick();
  }

  kick(): void {
    this.dispatch({ t: "inputs", pending: this.#withState("pending") });
  }

  /**
   * The bridge is killed (its processes with it) and started again on the same registry and room;
   * an ended session is opened again only to settle its inputs.
   */
  restart(): void {
    this.machine = initialMachine(this.endedPublished ? "ended" : "open");
    this.procs = new Map();
    this.prepares = [];
    this.interrupts = [];
    this.waits = 0;
    this.sentNow = new Set();
    this.crashAt = null;
    const started = this.#withState("started");
    const held = this.#withState("held")[0];
    this.dispatch({
      t: "recover",
      started,
      pending: this.#withState("pending"),
      held: held ? (this.holds.get(held.mid) ?? null) : null,
      claudeSession: this.claudeSession !== null,
    });
  }

  /** One event and whatever its effects cause, in order, like the runtime's Serial queue. */
  dispatch(first: MachineEvent, expectResultFor: string | null = null): void {
    const queue = [first];
    for (let e = queue.shift(); e; e = queue.shift()) {
      const { state, effects } = step(this.machine, e);
      this.machine = state;
      if (e === first && expectResultFor !== null) this.#creditedTo(effects, expectResultFor);
      for (const effect of effects) {
        if (this.crashAt !== null && this.crashAt-- <= 0) {
          this.crashedBetweenEffects++;
          return this.restart();
        }
        this.#perform(effect, queue);
      }
    }
  }

  #perform(e: Effect, queue: MachineEvent[]): void {
    switch (e.t) {
      case "turn_started":
        return this.#send(`ts:${e.input.mid}`);
      case "turn_result":
        return this.#send(`tr:${e.inputMid}`, e.outcome.subtype);
      case "ended_notice":
        return this.#send(`nt:${e.inputMid}`);
      case "started_fresh": {
        // The bridge derives the notice's mid from the input and the Claude session it lost.
        const lost = this.claudeSession;
        this.claudeSession = null;
        return this.#send(`rf:${e.inputMid}:${lost}`);
      }
      case "mark":
        return this.#mark(e.mid, e.state);
      case "hold":
        return this.#hold(e.held);
      case "status":
        if (this.endedPublished) this.violations.push(`status ${e.state} after ended`);
        if (e.state === "ended") this.endedPublished = true;
        return;
      case "prepare":
        this.prepares.push(e.inputMid);
        return;
      case "spawn":
        if ([...this.procs.values()].length > 0)
          this.violations.push(`spawn ${e.proc} beside another process`);
        this.procs.set(e.proc, { closing: false, dying: false, handed: [] });
        return;
      case "send": {
        const p = this.procs.get(e.proc);
        if (!p || p.closing) this.violations.push(`send to ${p ? "closing" : "missing"} process ${e.proc}`);
        p?.handed.push(this.#countHand(e.text));
        return;
      }
      case "interrupt":
        this.interrupts.push({ proc: e.proc, inputMid: e.inputMid });
        return;
      case "close": {
        const p = this.procs.get(e.proc);
        if (p) p.closing = true;
        return;
      }
      case "cancel_prompts":
        if (this.waits > 0) queue.push({ t: "waits", count: 0 });
        this.waits = 0;
        return;
      case "session_id":
        this.claudeSession = e.sessionId;
        return;
      case "idle_timer":
      case "log":
        return;
    }
  }

  #send(key: string, subtype: string | null = null): void {
    if (this.sentNow.has(key)) this.violations.push(`${key} sent twice by one bridge process`);
    this.sentNow.add(key);
    if (!this.stored.has(key)) this.stored.set(key, { key, order: this.stored.size, subtype });
  }

  #mark(mid: string, state: "started" | "done"): void {
    const row = this.inputs.get(mid);
    if (!row) return void this.violations.push(`mark of unknown input ${mid}`);
    if (row.state === "done") this.violations.push(`${mid} marked ${state} after done`);
    // A held input starts again when it continues.
    if (state === "started" && row.state !== "pending" && row.state !== "held")
      this.violations.push(`${mid} started twice`);
    row.state = state;
    this.holds.delete(mid);
  }

  #hold(held: Held): void {
    const row = this.inputs.get(held.input.mid);
    if (!row) return void this.violations.push(`hold of unknown input ${held.input.mid}`);
    if (row.state === "done") this.violations.push(`${held.input.mid} held after done`);
    if (this.#withState("held").some((i) => i.mid !== held.input.mid))
      this.violations.push(`${held.input.mid} held beside another held input`);
    if (!this.stored.has(`ts:${held.input.mid}`))
      this.violations.push(`${held.input.mid} held before turn.started`);
    row.state = "held";
    this.holds.set(held.input.mid, held);
    this.heldCount++;
  }

  /**
   * "continue" stands for the input the machine's turn holds: Claude must have had that input's
   * own text before. Returns what the process answers for.
   */
  #countHand(text: string): string {
    const t = this.machine.turn;
    if (t.t === "idle") return text;
    const n = this.handed.get(t.input.mid) ?? { text: 0, again: 0 };
    if (text === "continue") n.again++;
    else n.text++;
    if (text === "continue" && n.text === 0)
      this.violations.push(`"continue" for ${t.input.mid} before its text`);
    this.handed.set(t.input.mid, n);
    return text === "continue" ? t.input.text : text;
  }

  /** A result the CLI gave for one input must never end another input's turn. */
  #creditedTo(effects: Effect[], text: string): void {
    for (const e of effects)
      if (e.t === "turn_result" && `t:${e.inputMid}` !== text)
        this.violations.push(`the result for ${text} ended ${e.inputMid}'s turn`);
  }

  #withState(state: "pending" | "started" | "held"): Input[] {
    return [...this.inputs.values()].filter((r) => r.state === state).map((r) => r.input);
  }

  /** A process answers the oldest input it was handed. */
  result(id: number, outcome: TurnOutcome): void {
    const p = this.procs.get(id);
    const text = p?.handed.shift();
    if (!p || text === undefined) return;
    if (outcome.error === NO_CONVERSATION) p.dying = true;
    this.dispatch(
      { t: "result", proc: id, sessionId: `c-${id}`, outcome },
      text.startsWith("t:") ? text : null,
    );
  }

  /** Whether an input is held now (it waits for a reset or the account). */
  get holding(): boolean {
    return this.machine.held !== null;
  }

  exit(id: number, error: string | null): void {
    this.procs.delete(id);
    this.interrupts = this.interrupts.filter((i) => i.proc !== id);
    this.dispatch({ t: "exited", proc: id, error });
  }

  liveIds(): number[] {
    return [...this.procs.keys()];
  }
}
