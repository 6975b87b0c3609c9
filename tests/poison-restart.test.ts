import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_TRIES } from "../bridge/link/guard.ts";
import { until } from "./support/bridge-world.ts";
import { mintToken, type RelayProcess, startRelay } from "./support/relay-process.ts";
import { WireClient } from "./support/wire-client.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const NODE = join(ROOT, "node_modules", ".bin", "node");
const MACHINE = `pm${randomBytes(6).toString("base64url")}`;

let relay: RelayProcess;
let bridgeToken = "";
let deviceToken = "";
const dir = mkdtempSync(join(tmpdir(), "tether-poison-"));

beforeAll(async () => {
  relay = await startRelay();
  bridgeToken = (await mintToken(relay, "bridge", MACHINE)).token;
  deviceToken = (await mintToken(relay, "device", MACHINE)).token;
}, 90_000);
afterAll(async () => {
  await relay?.dispose();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

type Event = { t: string; mid?: string; reason?: string; state?: string };

/** One start of the transport process; resolves its events and exit code once it exits. */
class Child {
  readonly events: Event[] = [];
  readonly exited: Promise<number | null>;
  readonly proc: ChildProcess;
  #buf = "";
  constructor(room: string) {
    const env = {
      ...process.env,
      TETHER_POISON_CHILD: JSON.stringify({
        url: relay.url,
        token: bridgeToken,
        cid: "poison-bridge-1",
        room,
        dbPath: join(dir, "state.db"),
      }),
    };
    const args = ["--disable-warning=ExperimentalWarning", join(ROOT, "tests", "support", "poison-child.ts")];
    this.proc = spawn(NODE, args, { env, stdio: ["ignore", "pipe", "inherit"] });
    this.proc.stdout?.on("data", (d: Buffer) => this.#read(d.toString()));
    this.exited = new Promise((resolve) => this.proc.once("exit", (code) => resolve(code)));
  }
  #read(text: string): void {
    this.#buf += text;
    const lines = this.#buf.split("\n");
    this.#buf = lines.pop() ?? "";
    for (const l of lines) if (l.trim()) this.events.push(JSON.parse(l) as Event);
  }
}

describe("a message whose handler kills the process", () => {
  it(`is handled at most ${MAX_TRIES} times across restarts, then skipped with a report; the next message is handled`, async () => {
    const room = `s-${randomBytes(16).toString("base64url")}`;
    // The first start opens the room; a phone can join only then.
    const first = new Child(room);
    await until(
      () => (first.events.some((e) => e.state === "caught_up") ? true : null),
      60_000,
      "the first start to catch up",
    );
    const phone = await WireClient.open(relay.wsUrl, room, deviceToken);
    await phone.hello({ cid: "poison-phone-1", since: null, tail: 0 });
    const [die, after] = [randomBytes(16).toString("base64url"), randomBytes(16).toString("base64url")];
    const sent = await phone.send([
      { mid: die, kind: "user.message", body: { text: "die" } },
      { mid: after, kind: "user.message", body: { text: "after" } },
    ]);
    expect(sent).toMatchObject({ status: "acked", refused: [] });
    await phone.close();

    const codes = [await first.exited];
    for (let i = 1; i < MAX_TRIES; i++) codes.push(await new Child(room).exited);
    // Each start was handed the poison message again, and died in its handler.
    expect(codes).toEqual(Array(MAX_TRIES).fill(7));

    const last = new Child(room);
    await until(
      () => (last.events.some((e) => e.t === "apply" && e.mid === after) ? true : null),
      60_000,
      "the next message",
    );
    expect(last.events.filter((e) => e.t !== "state")).toEqual([
      { t: "skipped", mid: die, reason: "crashed" },
      { t: "apply", mid: after },
    ]);
    last.proc.kill("SIGKILL");
    await last.exited;
  }, 180_000);
});
