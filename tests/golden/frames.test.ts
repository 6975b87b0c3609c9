import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { Ack, Hello, HistoryReq, Limits, RelayFrame, Send, SignalOut } from "../../shared/protocol/index.ts";
import { type TestPeer, TestRoom } from "../support/test-room.ts";

/**
 * Golden frames (docs/protocol.md §4–§5): frozen transcripts of the handshake, resume, gone, ack and
 * error exchanges, replayed through the room core on every run. A change to what the relay sends, or
 * to a schema that no longer accepts a frozen frame unchanged, fails here; a deliberate wire change
 * rewrites the files with TETHER_UPDATE_GOLDEN=1 and shows up in review as a diff of tests/golden/frames.
 */

const DIR = join(dirname(fileURLToPath(import.meta.url)), "frames");
const UPDATE = process.env.TETHER_UPDATE_GOLDEN === "1";

/** `bad`: a frame sent invalid on purpose, which the schemas must refuse as the relay does. */
type Line = { from: string; frame: unknown; bad?: true } | { to: string; frame: unknown };
type Script = (s: Session) => void;

/** One scripted conversation: named sockets, every frame in and out in the order it happened. */
class Session {
  room = new TestRoom("s-GoldenGoldenGoldenGold");
  lines: Line[] = [];
  #peers = new Map<string, TestPeer>();

  open(name: string, role: "bridge" | "controller" | "viewer"): void {
    this.#peers.set(name, this.room.connect(role, `tk_${name}`));
  }
  in(name: string, frame: unknown, bad?: "bad"): void {
    const peer = this.#peer(name);
    this.lines.push(bad ? { from: name, frame, bad: true } : { from: name, frame });
    this.room.frame(peer, frame);
    this.#flush();
  }
  /** Advances the clock; what the room's timers send then (a coalesced presence) is recorded. */
  tick(ms: number): void {
    this.room.tick(ms);
    this.#flush();
  }
  #flush(): void {
    for (const [name, peer] of this.#peers)
      for (const frame of peer.take()) this.lines.push({ to: name, frame });
  }
  #peer(name: string): TestPeer {
    const peer = this.#peers.get(name);
    if (!peer) throw new Error(`no socket ${name}`);
    return peer;
  }
}

const msg = (n: number, kind = "agent.message") => ({
  mid: `golden-mid-${String(n).padStart(5, "0")}`,
  kind,
  body: { n },
});

const scripts: Record<string, Script> = {
  handshake(s) {
    s.open("bridge", "bridge");
    s.in("bridge", { t: "hello", v: 2, cid: "golden-bridge-cid", epoch: 1, since: null, tail: 0 });
    s.open("phone", "controller");
    s.in("phone", { t: "hello", v: 2, cid: "golden-phone-cid", since: null });
  },
  resume(s) {
    s.open("bridge", "bridge");
    s.in("bridge", { t: "hello", v: 2, cid: "golden-bridge-cid", epoch: 1, since: null, tail: 0 });
    s.in("bridge", { t: "send", msgs: [msg(1), msg(2), msg(3)] });
    s.tick(1000);
    s.open("phone", "controller");
    s.in("phone", { t: "hello", v: 2, cid: "golden-phone-cid", since: 1 });
    s.in("phone", { t: "ack", upTo: 3 });
  },
  gone(s) {
    s.open("bridge", "bridge");
    s.in("bridge", { t: "hello", v: 2, cid: "golden-bridge-cid", epoch: 1, since: null, tail: 0 });
    s.in("bridge", { t: "send", msgs: [msg(1), msg(2)] });
    s.open("phone", "controller");
    s.in("phone", { t: "hello", v: 2, cid: "golden-phone-cid", since: 9 });
  },
  ack(s) {
    s.open("bridge", "bridge");
    s.in("bridge", { t: "hello", v: 2, cid: "golden-bridge-cid", epoch: 1, since: null, tail: 0 });
    s.open("phone", "controller");
    s.in("phone", { t: "hello", v: 2, cid: "golden-phone-cid", since: 0 });
    s.in("phone", { t: "send", msgs: [msg(1, "user.message")] });
    s.in("phone", { t: "send", msgs: [msg(1, "user.message"), msg(2, "user.message")] });
    s.in("bridge", { t: "ack", upTo: 2 });
  },
  error(s) {
    s.open("phone", "controller");
    s.in("phone", { t: "send", msgs: [msg(1, "user.message")] });
    s.in("phone", { t: "hello", v: 2, cid: "golden-phone-cid", since: 0 });
    s.in("phone", "not json", "bad");
    s.in("phone", { t: "send", msgs: [msg(2, "machine.info")] });
    s.in("phone", { t: "history", limit: 0 }, "bad");
    s.open("viewer", "viewer");
    s.in("viewer", { t: "hello", v: 2, cid: "golden-viewer-cid", since: 0 });
    s.in("viewer", { t: "send", msgs: [msg(3, "user.message")] });
  },
};

const clientSchemas: Record<string, z.ZodType> = {
  hello: Hello,
  send: Send,
  ack: Ack,
  history: HistoryReq,
  signal: SignalOut,
};

describe("golden frames", () => {
  for (const [name, script] of Object.entries(scripts)) {
    it(`${name}: the relay's frames match tests/golden/frames/${name}.json`, () => {
      const s = new Session();
      script(s);
      // The presence coalesced at the end of the script (docs/protocol.md §5.8).
      s.tick(Limits.presenceEveryMs);
      const file = join(DIR, `${name}.json`);
      if (UPDATE) {
        mkdirSync(DIR, { recursive: true });
        writeFileSync(file, `[\n${s.lines.map((l) => JSON.stringify(l)).join(",\n")}\n]\n`);
      }
      expect(existsSync(file), `${file} is missing: TETHER_UPDATE_GOLDEN=1 writes it`).toBe(true);
      expect(s.lines).toEqual(JSON.parse(readFileSync(file, "utf8")));
    });
  }

  it("the shared schemas accept every frozen frame unchanged, and refuse the ones sent bad on purpose", () => {
    let checked = 0;
    for (const name of Object.keys(scripts)) {
      const lines = JSON.parse(readFileSync(join(DIR, `${name}.json`), "utf8")) as Line[];
      for (const line of lines) {
        checked++;
        if ("to" in line) expect(RelayFrame.parse(line.frame)).toEqual(line.frame);
        else if (line.bad)
          expect(clientSchema(line.frame)?.safeParse(line.frame).success ?? false).toBe(false);
        else expect(clientSchema(line.frame)?.parse(line.frame)).toEqual(line.frame);
      }
    }
    expect(checked).toBeGreaterThan(30);
  });
});

function clientSchema(frame: unknown): z.ZodType | undefined {
  const t = typeof frame === "object" && frame !== null ? (frame as { t?: unknown }).t : undefined;
  return typeof t === "string" ? clientSchemas[t] : undefined;
}
