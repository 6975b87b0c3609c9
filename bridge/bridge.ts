import { realpathSync } from "node:fs";
import { join } from "node:path";
import type { OpenFailure } from "../shared/core/e2e/webcrypto.ts";
import { VERSION } from "../shared/version.ts";
import type { BridgeOptions, BridgeStatus } from "./bridge-types.ts";
import { apiReachable, envAccount, probeAccount } from "./claude/account-probe.ts";
import { DEFAULT_CAPS } from "./config.ts";
import type { CountersRes } from "./control/control-api.ts";
import { relayApi } from "./control/relay-api.ts";
import { KeyService } from "./e2e/key-service.ts";
import { Keyring } from "./e2e/keyring.ts";
import { keyringSeal } from "./e2e/keyring-seal.ts";
import { RoomKeys } from "./e2e/room-keys.ts";
import { BridgeNumbers } from "./events/bridge-numbers.ts";
import type { HookAnswer, HookInput } from "./hooks/hook-input.ts";
import { TerminalSessions } from "./hooks/terminal-sessions.ts";
import { TerminalStore } from "./hooks/terminal-store.ts";
import { type OpenOptions, RelayClient } from "./link/relay-client.ts";
import type { RoomHandlers, RoomLink } from "./link/room-link.ts";
import { StateDb } from "./link/state-db.ts";
import { AccountWatch } from "./machine/account-watch.ts";
import { MachineRoom } from "./machine/machine-room.ts";
import { resolveUnderRoots } from "./machine/roots.ts";
import { securePrivateDir } from "./private-files.ts";
import { grantsOf } from "./session/allowances.ts";
import { Registry } from "./session/registry.ts";
import { Sessions } from "./session/sessions.ts";

/** The bridge process: one relay client, the machine room, and a room per session. */
export class Bridge {
  #db: StateDb;
  #registry: Registry;
  #client: RelayClient;
  #sessions: Sessions;
  #terminalStore: TerminalStore;
  #terminals: TerminalSessions;
  #machine: MachineRoom | null = null;
  #keys: RoomKeys;
  #keyService: KeyService;
  /** The event log, counters and machine.health (docs/events.md). */
  #numbers: BridgeNumbers;
  readonly account: AccountWatch;

  private readonly o: BridgeOptions;
  constructor(o: BridgeOptions) {
    this.o = o;
    securePrivateDir(o.stateDir);
    this.#db = new StateDb(join(o.stateDir, "outbox.db"));
    this.#registry = new Registry(join(o.stateDir, "sessions.db"));
    this.#numbers = new BridgeNumbers({
      stateDir: o.stateDir,
      log: o.log,
      sessions: () => this.status().sessions,
      outbox: () => this.#db.outboxTotals(),
      liveClaudeRssBytes: () => this.liveRssBytes(),
      liveClaudeBudgetBytes: () => this.#sessions.memory().budget,
      publish: (h) => this.#machine?.publishHealth(h),
      pushStats: () => relayApi.pushStats({ relayUrl: o.relayUrl, token: o.token }),
    });
    this.#terminalStore = new TerminalStore(join(o.stateDir, "sessions.db"));
    const keyring = Keyring.inStateDir(o.stateDir);
    keyring.machine();
    this.#keys = new RoomKeys(keyring, o.log);
    this.#keys.onOwed = (rooms) => {
      for (const room of rooms)
        if (room.startsWith("s-") && !this.#terminals.openRoom(room)) this.#sessions.openRoom(room);
    };
    this.#client = new RelayClient({
      url: o.relayUrl,
      token: o.token,
      cid: o.cid,
      db: this.#db,
      log: o.log,
      seal: keyringSeal(keyring),
      onState: (state) => {
        this.#numbers.outage.onState(state);
        o.onChange?.();
      },
    });
    this.#keyService = new KeyService({
      keys: this.#keys,
      relay: { relayUrl: o.relayUrl, token: o.token },
      log: o.log,
      isSessionRoom: (room) => this.#registry.get(room) !== null,
      refuse: (requestMid, why) =>
        this.#machine?.notice(requestMid, "warn", "unverifiable", `The bridge did not act on this: ${why}`),
    });
    this.account = new AccountWatch({
      probe: async () => envAccount() ?? probeAccount(o.roots[0] ?? process.cwd()),
      reachable: () => apiReachable(),
      publish: (a) => this.#machine?.publishAccount(a),
      log: o.log,
    });
    this.#sessions = new Sessions({
      events: this.#numbers.events,
      account: this.account,
      autoContinue: o.autoContinue ?? true,
      isTerminal: (room) => this.#terminalStore.isTerminal(room),
      terminalRoomOf: (id) => this.#terminalStore.byClaudeSession(id)?.room ?? null,
      runsInTerminal: (room) => this.#terminalStore.byRoom(room)?.handedOff === false,
      registry: this.#registry,
      machineId: o.machineId,
      log: o.log,
      idleSleepMs: o.idleSleepMs,
      maxLive: o.maxLive,
      maxLiveMemory: o.maxLiveMemory ?? null,
      caps: o.caps ?? DEFAULT_CAPS,
      permissionTimeoutMs: o.permissionTimeoutMs,
      open: (room, handlers, options) =>
        this.#open(
          room,
          {
            ...handlers,
            onFatal: (code, reason) => this.#onFatal(room, code, reason),
            onUnverifiable: (msg, reason) => {
              if (msg.role !== "controller") return;
              this.#sessions.get(room)?.out.link.send("session.notice", {
                level: "warn",
                code: "unverifiable",
                text: unverifiableText(reason),
                mid: msg.mid,
              });
            },
          },
          options,
        ),
      changed: () => {
        this.#machine?.publishSessions();
        o.onChange?.();
      },
    });
    this.#terminals = new TerminalSessions({
      events: this.#numbers.events,
      registry: this.#registry,
      sessions: this.#sessions,
      store: this.#terminalStore,
      machineId: o.machineId,
      log: o.log,
      open: (room, handlers, options) =>
        this.#open(
          room,
          { ...handlers, onFatal: (code, reason) => this.#onFatal(room, code, reason) },
          options,
        ),
      changed: () => {
        this.#machine?.publishSessions();
        o.onChange?.();
      },
    });
  }

  start(): void {
    this.#numbers.events.record({ type: "bridge.started", pid: process.pid, version: VERSION });
    const epoch = this.#client.start();
    this.o.log.info("bridge starting", { machineId: this.o.machineId, epoch, relay: this.o.relayUrl });
    const link = this.#open(`m-${this.o.machineId}`, {
      onMessage: (msg) => {
        if (msg.kind.startsWith("keys.") && msg.role === "controller") return this.#keyService.onMessage(msg);
        this.#machine?.onMessage(msg);
      },
      onSkipped: (msg, reason) => this.#machine?.onSkipped(msg, reason),
      onUnverifiable: (msg, reason) => {
        if (msg.role === "controller")
          this.#machine?.notice(msg.mid, "warn", "unverifiable", unverifiableText(reason));
      },
      onFatal: (code, reason) => this.#onFatal(`m-${this.o.machineId}`, code, reason),
    });
    const roots = this.o.roots.map((r) => realpathSync(r));
    this.#machine = new MachineRoom(
      link,
      { machineId: this.o.machineId, name: this.o.name, roots, bridgeVersion: VERSION },
      this.#registry,
      this.#sessions,
      this.o.log,
    );
    this.#machine.onCheckAccount = () => void this.account.check();
    this.#machine.publishInfo();
    this.#sessions.resumeAll();
    this.#terminals.resumeAll();
    this.#machine.publishSessions();
    this.#numbers.health.now();
    const owed = this.#keys.owed();
    if (owed.length > 0) this.#keys.onOwed(owed);
    this.#keyService.start();
  }

  /** Compares key recipients with the relay's live tokens now (`tether revoke`); the ids removed. */
  reconcileKeys(): Promise<string[]> {
    return this.#keyService.reconcile();
  }

  /**
   * A hook event from a terminal session (`tether hook`, docs/hooks.md): null when its directory is
   * outside the roots. The session's room is made at its first event and mirrors its transcript; a
   * PermissionRequest is answered with the phone's decision, or none (the terminal's dialog decides).
   */
  async hookEvent(input: HookInput): Promise<HookAnswer | null> {
    const cwd = await resolveUnderRoots(
      input.cwd,
      this.o.roots.map((r) => realpathSync(r)),
    );
    if (cwd === null) return null;
    return this.#terminals.onHook(input, cwd);
  }

  /** A share link made on this machine (`tether share`): it gets its room's keys (§12.5). */
  addShare(shareId: string, room: string, secret: Buffer): void {
    this.#keys.addShare(shareId, room, secret);
  }

  /** Every room opens here: its first key is made and its grants are sent before anything else. */
  #open(room: string, handlers: RoomHandlers, options?: OpenOptions): RoomLink {
    const link = this.#client.openRoom(room, handlers, options);
    this.#keys.opened(room, link);
    return link;
  }

  status(): BridgeStatus {
    const rooms = [...this.#client.rooms()].map(([room, state]) => ({
      room,
      state,
      outboxDepth: this.#client.outboxDepth(room),
    }));
    const sessions = this.#registry.all().map((s) => ({
      room: s.room,
      title: s.title,
      cwd: s.cwd,
      state: s.state,
      live: (this.#sessions.get(s.room)?.run ?? null) !== null,
      claudeSessionId: s.claudeSessionId,
      updatedAt: s.updatedAt,
      grants: grantsOf(this.#registry, s.room),
    }));
    const [memory, cap] = [this.#sessions.memory(), this.#sessions.cap()];
    return {
      relay: { state: this.#client.state(), epoch: this.#client.epoch },
      rooms,
      sessions,
      memory,
      cap,
      pushes: this.#numbers.pushes.last(),
    };
  }

  /** The live Claude processes' total resident bytes at the last measurement (null: not measured). */
  liveRssBytes(): number | null {
    return this.#sessions.liveRssBytes();
  }

  /** The counters since install and since this start, and what is so now (docs/events.md). */
  counters(): Promise<CountersRes> {
    return this.#numbers.freshCounters();
  }

  /** Withdraws one session grant (`tether status --revoke-grant`); false when the session holds none such. */
  revokeGrant(room: string, rule: string): boolean {
    if (!this.#registry.revokeGrant(room, rule)) return false;
    this.#sessions.get(room)?.out.publishInfo();
    return true;
  }

  /** Ends every Claude process, then the relay links; queued messages stay in the outbox on disk. */
  async stop(): Promise<void> {
    this.#numbers.stopping();
    this.account.stop();
    this.#keyService.stop();
    await this.#sessions.close();
    this.#terminals.stop();
    this.#client.close();
    this.#registry.close();
    this.#terminalStore.close();
    this.#keys.keyring.close();
    this.#db.close();
    this.#numbers.close();
  }

  #onFatal(room: string, code: number, reason: string): void {
    if (code === 4003)
      return this.o.fatal(`Another, newer bridge process took over (${room} fenced this one). Exiting.`);
    if (code === 4001)
      return this.o.fatal(
        "The relay refused the bridge token (unknown, expired or revoked). Run `tether init` again.",
      );
    this.o.log.error("the relay refused a room", { room, code, reason });
  }
}

function unverifiableText(reason: OpenFailure): string {
  return `The bridge could not verify this message (${reason}) and did not act on it.`;
}
