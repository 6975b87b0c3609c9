import { type ChildProcess, fork } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ChildConfig, ChildEvent } from "./child-protocol.ts";
import type { ActorInfo, History } from "./history.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const NODE = join(HERE, "..", "..", "node_modules", ".bin", "node");
const CHILD = join(HERE, "transport-child.ts");

/** Child processes still alive, killed if the runner itself exits first. */
const live = new Set<number>();
process.once("exit", () => {
  for (const pid of live) signal(pid, "SIGKILL");
});

/** One forked transport child; its events are recorded under `actor` (renamed when fenced). */
class ChildHandle {
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<void>;
  actor: string;
  epoch: number | null = null;
  /** Unacknowledged messages the child held at its last report. */
  outbox = 0;
  lastApplied: number | null = null;
  state = "connecting";
  /** Whether a welcome came on any of its sockets. */
  welcomed = false;
  /** Whether its current socket was welcomed and has not closed since. */
  connected = false;
  fatal: { code: number; reason: string } | null = null;
  output = "";

  constructor(actor: string, config: ChildConfig, onEvent: (h: ChildHandle, e: ChildEvent) => void) {
    this.actor = actor;
    this.proc = fork(CHILD, [], {
      execPath: NODE,
      execArgv: ["--disable-warning=ExperimentalWarning"],
      // Its own process group, so that SIGKILL/SIGSTOP reach nothing else.
      detached: true,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      env: { ...process.env, TETHER_CHAOS_CHILD: JSON.stringify(config) },
    });
    if (this.proc.pid === undefined) throw new Error("could not fork a transport child");
    this.pid = this.proc.pid;
    live.add(this.pid);
    const keep = (b: Buffer) => {
      this.output = (this.output + b.toString()).slice(-8_000);
    };
    this.proc.stdout?.on("data", keep);
    this.proc.stderr?.on("data", keep);
    this.proc.on("message", (raw) => onEvent(this, ChildEvent.parse(raw)));
    this.exited = new Promise((resolve) =>
      this.proc.once("exit", () => {
        live.delete(this.pid);
        resolve();
      }),
    );
  }

  send(message: object): void {
    if (this.proc.connected) this.proc.send(message);
  }

  signal(sig: NodeJS.Signals): void {
    signal(this.pid, sig);
  }
}

export type TransportOptions = Omit<ChildConfig, "stateDir"> & { name: string; kind: "bridge" | "phone" };

/**
 * The runner's side of one writer/receiver lineage: a bridge (or a Node phone) process running
 * the real transport with its SQLite outbox, that can be SIGKILLed and started again on the same
 * state (next epoch), or frozen and replaced so that it becomes a fenced zombie.
 */
export class TransportActor {
  readonly name: string;
  stateDir: string;
  #o: TransportOptions;
  #h: History;
  #child: ChildHandle | null = null;
  #incarnation = 0;
  #zombies = 0;

  constructor(history: History, options: TransportOptions) {
    this.name = options.name;
    this.#o = options;
    this.#h = history;
    this.stateDir = mkdtempSync(join(tmpdir(), `tether-chaos-${options.name}-`));
    history.actor(this.#info(this.name, false));
  }

  get child(): ChildHandle | null {
    return this.#child;
  }

  /** Forks the child on the current state dir and waits until it reported its start. */
  async start(): Promise<void> {
    if (this.#child) throw new Error(`${this.name} is running`);
    const { name: _n, kind: _k, ...rest } = this.#o;
    const child = new ChildHandle(this.name, { ...rest, stateDir: this.stateDir }, (h, e) =>
      this.#onEvent(h, e),
    );
    this.#child = child;
    await this.#h.until(
      () => child.epoch !== null || child.proc.exitCode !== null,
      30_000,
      `${this.name} to start`,
    );
    if (child.epoch === null) throw new Error(`${this.name} exited at start:\n${child.output}`);
  }

  /**
   * Invokes a send: recorded first, so a kill before the child queues it leaves it indeterminate.
   * False (nothing recorded) while no process runs: a dead bridge takes no new work.
   */
  send(key: string, kind: string, body: object): boolean {
    const child = this.#child;
    if (!child?.proc.connected) return false;
    this.#h.add(child.actor, { op: "send", key, outcome: "info" });
    child.send({ t: "send", key, kind, body });
    return true;
  }

  /** SIGKILL, whatever it is doing; its outbox stays on disk. */
  async kill(): Promise<number> {
    const child = this.#child;
    if (!child) return 0;
    this.#child = null;
    child.signal("SIGKILL");
    await child.exited;
    this.#h.add(child.actor, { op: "crash", outcome: "info" });
    return child.outbox;
  }

  /**
   * Freezes the running child, gives this lineage a copy of its state, and returns the frozen one
   * renamed as a zombie actor. The caller starts the lineage again (the next epoch), then thaws
   * the zombie: whatever it still sends must be refused.
   */
  freezeAsZombie(): ChildHandle | null {
    const child = this.#child;
    if (!child) return null;
    child.signal("SIGSTOP");
    this.#child = null;
    const copy = mkdtempSync(join(tmpdir(), `tether-chaos-${this.name}-`));
    mkdirSync(copy, { recursive: true });
    // The committed state is the db plus its WAL; SQLite rebuilds the shared-memory index.
    for (const f of ["state.db", "state.db-wal"]) {
      const from = join(this.stateDir, f);
      if (existsSync(from)) copyFileSync(from, join(copy, f));
    }
    this.stateDir = copy;
    // The lineage lost its process: what it had not reported yet went with it.
    this.#h.add(this.name, { op: "crash", outcome: "info" });
    const zombie = `${this.name}-zombie${++this.#zombies}`;
    this.#h.actor(this.#info(zombie, true));
    this.#h.add(zombie, { op: "start", incarnation: 0, cursor: null, epoch: child.epoch, outcome: "ok" });
    child.actor = zombie;
    return child;
  }

  /** Sends a new message through a zombie (it must never be stored). */
  zombieSend(zombie: ChildHandle, key: string, kind: string, body: object): void {
    this.#h.add(zombie.actor, { op: "send", key, outcome: "info" });
    zombie.send({ t: "send", key, kind, body });
  }

  async killZombie(zombie: ChildHandle): Promise<void> {
    zombie.signal("SIGCONT");
    zombie.signal("SIGKILL");
    await zombie.exited;
    this.#h.add(zombie.actor, { op: "crash", outcome: "info" });
  }

  /** Closes cleanly; used at the end of a run. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = null;
    child.send({ t: "stop" });
    const timer = setTimeout(() => child.signal("SIGKILL"), 5_000);
    await child.exited;
    clearTimeout(timer);
  }

  #onEvent(h: ChildHandle, e: ChildEvent): void {
    const actor = h.actor;
    const epoch = h.epoch;
    switch (e.t) {
      case "started":
        h.epoch = e.epoch;
        h.outbox = e.outbox;
        h.lastApplied = e.cursor;
        this.#h.add(actor, {
          op: "start",
          incarnation: ++this.#incarnation,
          cursor: e.cursor,
          epoch: e.epoch,
          outcome: "ok",
        });
        return;
      case "queued":
        h.outbox = e.outbox;
        this.#h.add(actor, { op: "queued", key: e.key, mid: e.mid, outcome: "ok" });
        return;
      case "ack":
        h.outbox = e.outbox;
        this.#h.add(actor, {
          op: "ack",
          key: e.key,
          mid: e.mid,
          seq: e.seq,
          dup: e.dup,
          epoch,
          outcome: "ok",
        });
        return;
      case "refused":
        h.outbox = e.outbox;
        this.#h.add(actor, { op: "refuse", key: e.key, mid: e.mid, code: e.code, outcome: "fail" });
        return;
      case "apply":
        h.lastApplied = e.seq;
        this.#h.add(actor, { op: "apply", seq: e.seq, n: 1, digest: e.digest, outcome: "ok" });
        return;
      default:
        return this.#onWire(h, e);
    }
  }

  #onWire(h: ChildHandle, e: ChildEvent): void {
    const actor = h.actor;
    switch (e.t) {
      case "hello":
        return void this.#h.add(actor, { op: "hello", since: e.since, epoch: e.epoch, outcome: "info" });
      case "welcome":
        h.welcomed = true;
        h.connected = true;
        this.#h.add(actor, {
          op: "connect",
          outcome: "ok",
          head: e.head,
          resumeFrom: e.resumeFrom,
          epoch: h.epoch,
          reason: "",
        });
        return;
      case "gone":
        return void this.#h.add(actor, {
          op: "gone",
          reason: e.reason,
          resumeFrom: e.resumeFrom,
          outcome: "ok",
        });
      case "recv":
        return void this.#h.add(actor, {
          op: "recv",
          first: e.first,
          last: e.last,
          count: e.count,
          outcome: "ok",
        });
      case "close":
        h.connected = false;
        if (!e.welcomed) {
          const reason = `closed ${e.code} before welcome`;
          this.#h.add(actor, {
            op: "connect",
            outcome: "fail",
            head: null,
            resumeFrom: null,
            epoch: h.epoch,
            reason,
          });
        }
        return void this.#h.add(actor, { op: "close", code: e.code, reason: e.reason, outcome: "info" });
      case "state":
        h.state = e.state;
        return;
      case "fatal":
        h.fatal = { code: e.code, reason: e.reason };
        return void this.#h.add(actor, { op: "fatal", code: e.code, reason: e.reason, outcome: "fail" });
      case "log":
        h.output = `${h.output}\n[${e.level}] ${e.message}`.slice(-8_000);
        return;
      default:
        return;
    }
  }

  #info(name: string, zombie: boolean): ActorInfo {
    const kind = this.#o.kind;
    return { name, kind, cid: this.#o.cid, durable: true, zombie, receiver: true, reapply: true };
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}
