import {
  newPeerState,
  newRoomMemo,
  onAlarm,
  onFrame,
  onLeave,
  type PeerAuth,
  type PeerSocket,
  type PeerState,
  type RoomEnv,
  SqlRoomStore,
} from "../../shared/core/room/index.ts";
import { RelayFrame } from "../../shared/protocol/index.ts";
import { nodeSql } from "./node-sql.ts";

/** A socket as a test sees it: every frame the room sent it, and how it was closed. */
export class TestPeer implements PeerSocket {
  state: PeerState;
  frames: RelayFrame[] = [];
  closed: { code: number; reason: string } | null = null;
  pinged: number | null = null;
  saves = 0;
  constructor(auth: PeerAuth, now: number) {
    this.state = newPeerState(auth, now);
  }
  send(text: string): void {
    if (this.closed) throw new Error("send on a closed socket");
    // Parsed, not cast: a frame the schemas refuse fails the test that provoked it.
    this.frames.push(RelayFrame.parse(JSON.parse(text)));
  }
  close(code: number, reason: string): void {
    this.closed ??= { code, reason };
  }
  save(): void {
    this.saves++;
  }
  pingAt(): number | null {
    return this.pinged;
  }
  of<T extends RelayFrame["t"]>(t: T): Extract<RelayFrame, { t: T }>[] {
    return this.frames.filter((f): f is Extract<RelayFrame, { t: T }> => f.t === t);
  }
  /** Every stored message delivered, in arrival order. */
  seqs(): number[] {
    return this.of("msgs").flatMap((f) => f.items.map((i) => i.seq));
  }
  take(): RelayFrame[] {
    const out = this.frames;
    this.frames = [];
    return out;
  }
}

/** The room core on real SQLite with a controllable clock: what the Durable Object runs. */
export class TestRoom {
  sql = nodeSql();
  store = new SqlRoomStore(this.sql);
  peers = new Set<TestPeer>();
  clock = 1_763_700_000_000;
  alarms: number[] = [];
  /** Timers the core set (`later`), run by `tick`. */
  timers: { at: number; fn: () => void }[] = [];
  env: RoomEnv;
  constructor(room = "s-AAAAAAAAAAAAAAAAAAAAAA", caps = { maxMessages: 100_000, maxBytes: 200_000_000 }) {
    this.env = {
      store: this.store,
      config: { room, ...caps },
      peers: () => [...this.peers].filter((p) => p.closed === null),
      now: () => this.clock,
      requestAlarm: (at) => this.alarms.push(at),
      memo: newRoomMemo(),
      later: (ms, fn) => {
        this.timers.push({ at: this.clock + ms, fn });
      },
    };
  }
  connect(role: PeerAuth["role"], tokenId = `tok-${role}`, expiresAt: number | null = null): TestPeer {
    const peer = new TestPeer({ role, tokenId, expiresAt }, this.clock);
    this.peers.add(peer);
    return peer;
  }
  frame(peer: TestPeer, frame: unknown): void {
    onFrame(this.env, peer, typeof frame === "string" ? frame : JSON.stringify(frame));
  }
  hello(peer: TestPeer, cid: string, extra: Record<string, unknown> = {}): void {
    const epoch = peer.state.role === "bridge" ? { epoch: 1 } : {};
    this.frame(peer, { t: "hello", v: 2, cid, ...epoch, ...extra });
  }
  drop(peer: TestPeer): void {
    peer.close(1006, "dropped");
    onLeave(this.env);
  }
  /** Advances the clock by `ms` and runs the timers that came due, in order. */
  tick(ms: number): void {
    this.clock += ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= this.clock).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) return;
      this.timers.splice(this.timers.indexOf(due), 1);
      due.fn();
    }
  }
  alarm(): number | null {
    return onAlarm(this.env);
  }
  count(): number {
    return Number(this.sql.exec("SELECT count(*) AS n FROM log")[0]?.n);
  }
}

let counter = 0;
/** A well-formed mid (16–64 chars of base64url), unique per test run. */
export function mid(tag = "m"): string {
  counter++;
  return `${tag}_${counter.toString(36)}_${Math.random().toString(36).slice(2, 12)}`.padEnd(16, "x");
}
