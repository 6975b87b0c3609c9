import type { StoredMsg } from "../../shared/protocol/index.ts";
import { kinds } from "../../shared/protocol/index.ts";
import { Rng } from "../chaos/random.ts";
import type { PhoneKeys } from "../support/phone-keys.ts";
import { RoomConn } from "./room-conn.ts";

export type PhoneDeps = {
  wsUrl: () => string;
  token: string;
  /** The answer the plan gives a tool command (by the tag in it); null: not a planned call. */
  decisionFor: (command: string) => "allow" | "deny" | null;
  onViolation: (what: string) => void;
  /** The paired device's end-to-end keys (every phone of the run is the one device). */
  keys?: PhoneKeys;
};

/**
 * A phone acting as a controller: a socket per room through the phones' proxy, answering every
 * permission prompt it sees after a short, seeded think (so prompts stay open long enough for a
 * kill to land in the wait), once per prompt across reloads, as the web app's outbox does.
 */
export class SessionPhone {
  readonly name: string;
  readonly conns = new Map<string, RoomConn>();
  /** Prompts this phone answered (each once). */
  readonly answered = new Set<string>();
  answers = 0;
  readonly #d: PhoneDeps;
  readonly #rng: Rng;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(name: string, seed: number, d: PhoneDeps) {
    this.name = name;
    this.#d = d;
    this.#rng = new Rng(seed);
  }

  join(room: string): RoomConn {
    const conn = new RoomConn({
      wsUrl: this.#d.wsUrl,
      token: this.#d.token,
      room,
      cid: `${this.name}-${room.slice(0, 10)}`,
      onMsg: (m) => this.#seen(conn, m),
      onViolation: this.#d.onViolation,
      ...(this.#d.keys ? { keys: this.#d.keys } : {}),
    });
    this.conns.set(room, conn);
    conn.start();
    return conn;
  }

  conn(room: string): RoomConn {
    const c = this.conns.get(room);
    if (!c) throw new Error(`${this.name} is not in ${room}`);
    return c;
  }

  reload(): void {
    for (const c of this.conns.values()) c.reload();
  }

  offline(): void {
    for (const c of this.conns.values()) c.offline();
  }

  online(): void {
    for (const c of this.conns.values()) c.online_();
  }

  async stop(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    await Promise.all([...this.conns.values()].map((c) => c.stop()));
  }

  #seen(conn: RoomConn, m: StoredMsg): void {
    if (m.kind !== "permission.request") return;
    const req = kinds["permission.request"].body.safeParse(m.body);
    if (!req.success) return this.#d.onViolation(`${this.name}: a permission.request breaks its schema`);
    const { requestId, input } = req.data;
    const command =
      typeof (input as { command?: unknown })?.command === "string"
        ? (input as { command: string }).command
        : "";
    const t = setTimeout(
      () => {
        this.#timers.delete(t);
        if (this.answered.has(requestId) || resolved(conn, requestId)) return;
        this.answered.add(requestId);
        this.answers++;
        conn.send("permission.response", { requestId, decision: this.#d.decisionFor(command) ?? "deny" });
      },
      this.#rng.int(200, 3_000),
    );
    this.#timers.add(t);
  }
}

function resolved(conn: RoomConn, requestId: string): boolean {
  return conn.msgs.some(
    (m) =>
      m.kind === "permission.resolved" && (m.body as { requestId?: unknown } | null)?.requestId === requestId,
  );
}

/**
 * The run's own eyes: sockets straight to the relay (no proxy), never sending. Keeps what the
 * fault lane's triggers and the convergence waits ask about.
 */
export class Observer {
  readonly conns = new Map<string, RoomConn>();
  readonly openTurns = new Set<string>();
  readonly answered = new Set<string>();
  readonly openPrompts = new Set<string>();
  /** toolUseId → room, allowed and without a tool.result or a turn.result yet: the tool is running. */
  readonly running = new Map<string, string>();
  readonly #toolOf = new Map<string, string>();
  readonly #d: Omit<PhoneDeps, "decisionFor">;

  constructor(d: Omit<PhoneDeps, "decisionFor">) {
    this.#d = d;
  }

  join(room: string, onMsg: (m: StoredMsg) => void = () => undefined): RoomConn {
    const conn = new RoomConn({
      wsUrl: this.#d.wsUrl,
      token: this.#d.token,
      room,
      cid: `observer-${room.slice(0, 10)}`,
      onMsg: (m) => {
        this.#seen(room, m);
        onMsg(m);
      },
      onViolation: this.#d.onViolation,
      ...(this.#d.keys ? { keys: this.#d.keys } : {}),
    });
    this.conns.set(room, conn);
    conn.start();
    return conn;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.conns.values()].map((c) => c.stop()));
  }

  #seen(room: string, m: StoredMsg): void {
    const b = m.body as Record<string, unknown> | null;
    const s = (k: string) => (typeof b?.[k] === "string" ? (b[k] as string) : "");
    switch (m.kind) {
      case "turn.started":
        return void this.openTurns.add(s("inputMid"));
      case "turn.result":
        this.openTurns.delete(s("inputMid"));
        for (const [tool, r] of this.running) if (r === room) this.running.delete(tool);
        return void this.answered.add(s("inputMid"));
      case "session.notice":
        if (s("inputMid")) this.answered.add(s("inputMid"));
        return;
      case "permission.request":
        this.openPrompts.add(s("requestId"));
        return void this.#toolOf.set(s("requestId"), s("toolUseId"));
      case "permission.resolved":
        this.openPrompts.delete(s("requestId"));
        if (s("decision") === "allow") this.running.set(this.#toolOf.get(s("requestId")) ?? "", room);
        return;
      case "tool.result":
        return void this.running.delete(s("toolUseId"));
    }
  }
}
