import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mid, type TestPeer, TestRoom } from "../../../tests/support/test-room.ts";
import type { StoredMsg } from "../../protocol/index.ts";

/** A client as docs/protocol.md §5.11 describes it: apply only seq === last+1. */
class Client {
  peer: TestPeer | null = null;
  applied: StoredMsg[] = [];
  last = 0;
  gaps = 0;
  readonly cid: string;
  readonly role: "bridge" | "controller";
  readonly room: TestRoom;
  constructor(cid: string, role: "bridge" | "controller", room: TestRoom) {
    this.cid = cid;
    this.role = role;
    this.room = room;
  }
  connect(): void {
    this.peer = this.room.connect(this.role, `tok-${this.cid}`);
    this.room.hello(this.peer, this.cid, { since: this.last });
    this.drain();
  }
  drain(): void {
    if (!this.peer) return;
    for (const f of this.peer.take()) {
      if (f.t === "gone") {
        this.applied = [];
        this.last = f.resumeFrom - 1;
      }
      if (f.t !== "msgs") continue;
      for (const item of f.items) {
        if (item.seq <= this.last) continue;
        if (item.seq !== this.last + 1) this.gaps++;
        this.applied.push(item);
        this.last = item.seq;
      }
    }
  }
}

const Cmd = fc.oneof(
  fc.record({
    op: fc.constant("send" as const),
    who: fc.nat(2),
    n: fc.integer({ min: 1, max: 120 }),
    dup: fc.boolean(),
  }),
  fc.record({ op: fc.constant("ack" as const), who: fc.nat(2), over: fc.nat(3000) }),
  fc.record({ op: fc.constant("drop" as const), who: fc.nat(2) }),
  fc.record({ op: fc.constant("connect" as const), who: fc.nat(2) }),
  fc.record({ op: fc.constant("tick" as const), ms: fc.nat(2000) }),
);

describe("room core against a model (fast-check)", () => {
  it("acknowledged sends are stored exactly once, in order; receivers converge gap-free within the window", () => {
    fc.assert(
      fc.property(fc.array(Cmd, { maxLength: 60 }), (cmds) => {
        const room = new TestRoom();
        const clients = [
          new Client("bridge-cid-x", "bridge", room),
          new Client("phone-cid-aa", "controller", room),
          new Client("phone-cid-bb", "controller", room),
        ];
        const model: string[] = [];
        const sentMids: string[] = [];
        for (const c of cmds) run(room, clients, c, model, sentMids);
        for (const c of clients) {
          if (!c.peer) c.connect();
          for (let i = 0; i < 20 && c.last < room.store.meta().head; i++) {
            room.frame(c.peer!, { t: "ack", upTo: c.last });
            c.drain();
          }
        }
        expect(room.store.read(1, 1e9, 1e9).map((r) => r.mid)).toEqual(model);
        for (const c of clients) {
          expect(c.gaps).toBe(0);
          expect(c.applied.map((m) => m.mid)).toEqual(model);
        }
      }),
      { numRuns: 150 },
    );
  });
});

function run(room: TestRoom, clients: Client[], c: CmdOf<typeof Cmd>, model: string[], sent: string[]): void {
  if (c.op === "tick") {
    room.clock += c.ms;
    return;
  }
  const client = clients[c.who]!;
  if (c.op === "connect") {
    if (client.peer) room.drop(client.peer);
    client.connect();
  } else if (c.op === "drop" && client.peer) {
    room.drop(client.peer);
    client.peer = null;
  } else if (c.op === "ack" && client.peer) {
    room.frame(client.peer, { t: "ack", upTo: client.last + (c.over % 2 === 0 ? 0 : c.over) });
  } else if (c.op === "send" && client.peer) {
    const kind = client.role === "bridge" ? "agent.message" : "user.message";
    const msgs = Array.from({ length: c.n }, () => ({ mid: mid(), kind, body: { n: c.n } }));
    if (c.dup && sent.length > 0) msgs[0] = { mid: sent[sent.length - 1]!, kind, body: { n: -1 } };
    room.frame(client.peer, { t: "send", msgs });
    const acks = client.peer.of("acked").flatMap((a) => a.acks);
    for (const m of msgs) {
      const ack = acks.find((a) => a.mid === m.mid);
      if (ack && !ack.dup && !model.includes(m.mid)) model.push(m.mid);
      if (!sent.includes(m.mid)) sent.push(m.mid);
    }
    client.peer.frames = client.peer.frames.filter((f) => f.t !== "acked");
  }
  for (const c2 of clients) {
    c2.drain();
    if (c2.peer) expect(c2.peer.state.sentUpTo - c2.peer.state.baseline).toBeLessThanOrEqual(2000);
  }
}

type CmdOf<A> = A extends fc.Arbitrary<infer T> ? T : never;
