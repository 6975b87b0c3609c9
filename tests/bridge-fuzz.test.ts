import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CAPS } from "../bridge/config.ts";
import { applyGuarded } from "../bridge/link/guard.ts";
import type { LinkState, RoomHandlers, RoomLink } from "../bridge/link/room-link.ts";
import { StateDb } from "../bridge/link/state-db.ts";
import type { Logger } from "../bridge/log.ts";
import { MachineRoom } from "../bridge/machine/machine-room.ts";
import { Registry, type SessionRecord } from "../bridge/session/registry.ts";
import { SessionRunner } from "../bridge/session/session-runner.ts";
import { Sessions } from "../bridge/session/sessions.ts";
import { nestedDeeper } from "../shared/core/util/describe.ts";
import {
  kinds,
  Limits,
  ModelName,
  PermissionMode,
  type Role,
  SessionState,
  type StoredMsg,
  specOf,
} from "../shared/protocol/index.ts";
import { until } from "./support/bridge-world.ts";
import { anyValue, machineBodies, sessionBodies, unknownKind } from "./support/hostile.ts";

/**
 * Fuzzing the bridge's inbound session layer in process: the real handlers (SessionRunner,
 * MachineRoom, Sessions), the real registry and state db (SQLite, in /dev/shm where there is one,
 * so fsyncs are cheap), and the real guard the socket link hands every stored message to. The room
 * link records what the bridge sends and checks every body against its kind's schema.
 *
 * No Claude process is started: session runners get an admission that never completes (inputs
 * stay pending, as behind a busy live-process cap), and a create_session with a cwd inside the
 * root carries no prompt (a prompt is recorded by the same registry call as a user.message, which
 * is fuzzed here in full).
 */

const base = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
const dir = mkdtempSync(join(base, "tether-fuzz-"));
const root = join(dir, "root");
let registry: Registry;
let state: StateDb;

beforeAll(() => {
  mkdirSync(root, { recursive: true });
  mkdirSync(join(dir, "claude"), { recursive: true });
  // list_resumable reads Claude's transcripts: an empty config dir of our own, not the machine's.
  process.env.CLAUDE_CONFIG_DIR = join(dir, "claude");
  registry = new Registry(join(dir, "sessions.db"));
  state = new StateDb(join(dir, "state.db"));
});
afterAll(() => {
  registry?.close();
  state?.close();
  rmSync(dir, { recursive: true, force: true });
});

type Sent = { kind: string; body: unknown; mid: string };

/** A room link that records what the bridge sends; a body that breaks its kind's schema is a violation. */
class RecordingLink implements RoomLink {
  readonly room: string;
  readonly sent: Sent[] = [];
  readonly violations: string[] = [];
  constructor(room: string) {
    this.room = room;
  }
  send(kind: string, body: unknown, mid?: string): string {
    const id = mid ?? randomBytes(12).toString("base64url");
    const spec = specOf(kind);
    if (!spec?.body.safeParse(body).success) this.violations.push(`${kind} breaks its schema`);
    this.sent.push({ kind, body, mid: id });
    return id;
  }
  signal(): void {}
  outboxDepth(): number {
    return 0;
  }
  state(): LinkState {
    return "caught_up";
  }
  close(): void {}
  /** Notices and answers naming `mid`. */
  answers(mid: string): Sent[] {
    return this.sent.filter((s) => {
      const b = s.body as Record<string, unknown>;
      return b.inputMid === mid || b.requestMid === mid;
    });
  }
}

/** Records log lines; a line that carries a hostile body whole is a violation. */
function recordingLog(): Logger & { lines: string[]; longest(): number } {
  const lines: string[] = [];
  const line = (msg: string, extra?: Record<string, unknown>) =>
    lines.push(`${msg} ${JSON.stringify(extra ?? {})}`);
  return {
    lines,
    info: line,
    warn: line,
    error: line,
    longest: () => Math.max(0, ...lines.map((l) => l.length)),
  };
}

let seq = 0;
function stored(kind: string, body: unknown, role: Role = "controller"): StoredMsg {
  return {
    seq: ++seq,
    mid: `m_${randomBytes(12).toString("base64url")}`,
    cid: "phone",
    role,
    kind,
    body,
    ts: Date.now(),
  };
}

const role = fc.oneof(
  { weight: 8, arbitrary: fc.constant<Role>("controller") },
  { weight: 1, arbitrary: fc.constantFrom<Role>("viewer", "bridge") },
);

const sessionMsg = fc.oneof(
  ...Object.entries(sessionBodies).map(([kind, body]) =>
    fc.record({ kind: fc.constant(kind), body: body as fc.Arbitrary<unknown>, role }),
  ),
  fc.record({ kind: unknownKind, body: anyValue, role }),
);

/** Lets the handlers' awaits (a set_model, a realpath) run to their end. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}

function checkRecord(r: SessionRecord): void {
  expect(SessionState.safeParse(r.state).success, `state ${r.state}`).toBe(true);
  expect(PermissionMode.safeParse(r.permissionMode).success, "permission mode").toBe(true);
  if (r.model !== null) expect(ModelName.safeParse(r.model).success, "stored model").toBe(true);
}

describe("the session room, fuzzed", () => {
  it("never throws, answers each malformed command or message with a notice naming it, and keeps its record valid", async () => {
    const log = recordingLog();
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(sessionMsg, { minLength: 1, maxLength: 16 }), async (msgs) => {
        runs++;
        const room = `s-${randomBytes(12).toString("base64url")}`;
        const now = Date.now();
        const record: SessionRecord = {
          room,
          cwd: root,
          title: "fuzz",
          claudeSessionId: null,
          transitionedFrom: null,
          state: "idle",
          permissionMode: "default",
          model: null,
          createdAt: now,
          updatedAt: now,
        };
        registry.put(record);
        const link = new RecordingLink(room);
        const runner = new SessionRunner(record, link, {
          registry,
          machineId: "fuzz-machine",
          log,
          idleSleepMs: 60_000,
          maxQueued: DEFAULT_CAPS.maxQueued,
          permissionTimeoutMs: null,
          admit: () => new Promise(() => {}),
          changed: () => {},
        });
        const skipped: string[] = [];
        const handlers: RoomHandlers = {
          onMessage: (m) => runner.onMessage(m),
          onSkipped: (m, reason) => {
            skipped.push(`${m.mid}:${reason}`);
            runner.onSkipped(m, reason);
          },
        };
        const sent: StoredMsg[] = [];
        for (const m of msgs) {
          const msg = stored(m.kind, m.body, m.role);
          sent.push(msg);
          applyGuarded({ room, db: state, log, handlers }, msg);
          state.clientStore(room).persist([msg], msg.seq);
        }
        await settle();

        expect(
          skipped.filter((s) => !s.endsWith(":too_deep")),
          "handlers threw",
        ).toEqual([]);
        expect(link.violations).toEqual([]);
        // A notice describes what it refuses; it never echoes a hostile body or value whole.
        for (const n of link.sent.filter((x) => x.kind === "session.notice"))
          expect((n.body as { text: string }).text.length).toBeLessThan(1_000);
        for (const msg of sent) {
          if (msg.role !== "controller") continue;
          const told = link.answers(msg.mid);
          const deep = nestedDeeper(msg.body, Limits.bodyDepth);
          if (deep) expect(told.map((t) => (t.body as { code: string }).code)).toEqual(["message_skipped"]);
          else if (
            msg.kind === "session.command" &&
            !kinds["session.command"].body.safeParse(msg.body).success
          )
            expect(told.map((t) => (t.body as { code: string }).code)).toEqual([
              refusalCode((msg.body as { name?: unknown })?.name),
            ]);
          else if (msg.kind === "user.message") {
            // Either recorded as an input (it runs, or is settled at the end) or answered with a notice.
            const states = ["pending", "started", "done"] as const;
            const input = states.some((st) => registry.inputs(room, st).some((i) => i.mid === msg.mid));
            expect(input || told.some((t) => t.kind === "session.notice"), "user.message unanswered").toBe(
              true,
            );
          }
        }
        const after = registry.get(room);
        expect(after).not.toBeNull();
        checkRecord(after!);
        for (const i of registry.inputs(room, "pending")) expect(typeof i.text).toBe("string");
        await runner.stop();
      }),
      { numRuns: 250, seed: Number(process.env.TETHER_FUZZ_SEED ?? Date.now() % 2 ** 31) },
    );
    expect(runs).toBe(250);
    expect(log.longest(), "a log line carried a body whole").toBeLessThan(4_000);
  }, 60_000);
});

describe("the machine room, fuzzed", () => {
  it("never throws, answers every request with its answer or a notice naming it, and keeps the registry valid", async () => {
    const log = recordingLog();
    const links: RecordingLink[] = [];
    const sessions = new Sessions({
      registry,
      machineId: "fuzz-machine",
      log,
      idleSleepMs: 60_000,
      maxLive: 1,
      caps: DEFAULT_CAPS,
      permissionTimeoutMs: null,
      open: (room) => {
        const l = new RecordingLink(room);
        links.push(l);
        return l;
      },
      changed: () => {},
    });
    const link = new RecordingLink("m-fuzz");
    const machine = new MachineRoom(
      link,
      { machineId: "fuzz-machine", name: "fuzz", roots: [root], bridgeVersion: "0" },
      registry,
      sessions,
      log,
    );
    const bodies = machineBodies(root);
    const machineMsg = fc.oneof(
      ...Object.entries(bodies).map(([kind, body]) =>
        fc.record({ kind: fc.constant(kind), body: body as fc.Arbitrary<unknown>, role }),
      ),
      fc.record({ kind: unknownKind, body: anyValue, role }),
    );
    const skipped: string[] = [];
    const handlers: RoomHandlers = {
      onMessage: (m) => machine.onMessage(m),
      onSkipped: (m, reason) => {
        skipped.push(`${m.mid}:${reason}`);
        machine.onSkipped(m, reason);
      },
    };
    await fc.assert(
      fc.asyncProperty(fc.array(machineMsg, { minLength: 1, maxLength: 6 }), async (msgs) => {
        const sent: StoredMsg[] = [];
        for (const m of msgs) {
          const body = withoutPromptInRoot(m.kind, m.body);
          const msg = stored(m.kind, body, m.role);
          sent.push(msg);
          applyGuarded({ room: link.room, db: state, log, handlers }, msg);
          state.clientStore(link.room).persist([msg], msg.seq);
        }
        for (const msg of sent) {
          if (msg.role !== "controller" || !(msg.kind in bodies)) continue;
          // Every request gets its answer or a notice naming it (the handlers are async: wait for it).
          await until(
            () => (link.answers(msg.mid).length > 0 || endedQuietly(msg) ? true : null),
            10_000,
            () => `an answer to ${msg.kind} ${msg.mid}`,
          );
        }
        await settle();
        expect(
          skipped.filter((s) => !s.endsWith(":too_deep")),
          "handlers threw",
        ).toEqual([]);
        for (const l of [link, ...links]) expect(l.violations).toEqual([]);
        for (const r of registry.all()) checkRecord(r);
      }),
      { numRuns: 100, seed: Number(process.env.TETHER_FUZZ_SEED ?? Date.now() % 2 ** 31) },
    );
    expect(log.longest(), "a log line carried a body whole").toBeLessThan(4_000);
    await sessions.close();
  }, 60_000);
});

/** A valid end_session for a session of this machine is answered by the session room, not here. */
function endedQuietly(msg: StoredMsg): boolean {
  if (msg.kind !== "machine.end_session") return false;
  const room = (msg.body as { room?: unknown })?.room;
  return typeof room === "string" && registry.get(room)?.state === "ended";
}

/** No Claude process in this test: a session created inside the root gets no first prompt. */
function withoutPromptInRoot(kind: string, body: unknown): unknown {
  if (kind !== "machine.create_session" || body === null || typeof body !== "object" || Array.isArray(body))
    return body;
  const b = body as Record<string, unknown>;
  if (typeof b.cwd !== "string" || !b.cwd.startsWith(root) || !("prompt" in b)) return body;
  const { prompt: _dropped, ...rest } = b;
  return rest;
}

/** The notice code for a session.command that does not parse, by its name (bridge/session/session-control.ts). */
function refusalCode(name: unknown): string {
  if (name === "set_model") return "bad_model";
  return name === "set_permission_mode" ? "bad_permission_mode" : "bad_command";
}
