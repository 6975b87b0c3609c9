import { describe, expect, it } from "vitest";
import { z } from "zod";
import { maySend, maySignal } from "../core/room/roles.ts";
import type { AnyKind, Examples } from "./fixtures/families.ts";
import { keysExamples } from "./fixtures/keys-examples.ts";
import { machineExamples } from "./fixtures/machine-examples.ts";
import { sessionExamples } from "./fixtures/session-examples.ts";
import { Role } from "./ids.ts";
import { type BodyOf, type Kind, kinds, openToBridge, specOf } from "./kinds.ts";
import { PermissionMode } from "./session.ts";

const names = Object.keys(kinds).filter((k): k is AnyKind => specOf(k) !== null);

/** The session layer as docs/protocol.md §9 lists it. */
const STORED = [
  "machine.info",
  "machine.sessions",
  "machine.create_session",
  "machine.session_created",
  "machine.end_session",
  "machine.list_resumable",
  "machine.resumable",
  "machine.notice",
  "session.info",
  "session.status",
  "user.message",
  "attachment.chunk",
  "turn.started",
  "agent.message",
  "tool.result",
  "permission.request",
  "permission.response",
  "permission.resolved",
  "turn.result",
  "session.interrupt",
  "session.command",
  "session.transition",
  "session.notice",
  "session.todos",
  "session.tasks",
  "session.commands",
  "session.context",
  "session.compacted",
  "session.usage",
  "machine.account",
  "machine.check_account",
  "machine.health",
  "machine.workspace_request",
  "keys.enroll",
  "keys.grant",
  "keys.share",
  "keys.reconcile",
];
const SIGNALS = ["agent.delta", "typing", "machine.workspace"];

describe("the kinds table", () => {
  it("declares every kind and signal of the session layer, each with its schemas and senders", () => {
    expect(names.filter((k) => kinds[k].direction === "stored").sort()).toEqual([...STORED].sort());
    expect(names.filter((k) => kinds[k].direction === "signal").sort()).toEqual([...SIGNALS].sort());
    for (const k of names) {
      expect(kinds[k].body, k).toBeInstanceOf(z.ZodType);
      expect(kinds[k].read, k).toBeInstanceOf(z.ZodType);
      expect(kinds[k].from.length, k).toBeGreaterThan(0);
      expect(kinds[k].from, k).not.toContain("viewer");
      expect(specOf(k)).toBe(kinds[k]);
    }
    expect(specOf("constructor")).toBeNull();
    expect(specOf("__proto__")).toBeNull();
  });

  it("leaves only the bridge's own families open to it", () => {
    for (const k of names)
      if (openToBridge.storedPrefixes.some((p) => k.startsWith(p)))
        expect(kinds[k].from, k).toEqual(["bridge"]);
  });

  it("offers the phone exactly the permission modes the bridge accepts", () => {
    expect(PermissionMode.options).toEqual(["default", "acceptEdits", "plan"]);
  });
});

/** The relay's rule before it was derived from the table, kept as the oracle the derivation must match. */
const before = {
  bridge: new Set([
    "session.info",
    "session.status",
    "session.transition",
    "session.notice",
    "session.todos",
    "session.tasks",
    "session.commands",
    "session.context",
    "session.compacted",
    "permission.request",
    "permission.resolved",
    "machine.info",
    "machine.sessions",
    "machine.session_created",
    "machine.resumable",
    "machine.notice",
    "session.usage",
    "machine.account",
    // Added with end-to-end encryption (§12).
    "keys.grant",
    // Added with the kind (§9.12).
    "machine.health",
  ]),
  controller: new Set([
    "user.message",
    "permission.response",
    "session.interrupt",
    "session.command",
    "machine.create_session",
    "machine.end_session",
    "machine.list_resumable",
    "machine.check_account",
    "machine.workspace_request",
    // Added with the kind (§9.5.1).
    "attachment.chunk",
    // Added with end-to-end encryption (§12).
    "keys.enroll",
    "keys.share",
    "keys.reconcile",
  ]),
};
function oldMaySend(role: Role, kind: string): boolean {
  if (role === "bridge")
    return before.bridge.has(kind) || ["agent.", "tool.", "turn."].some((p) => kind.startsWith(p));
  return role === "controller" && before.controller.has(kind);
}
function oldMaySignal(role: Role, kind: string): boolean {
  return role === "bridge" || (role === "controller" && kind === "typing");
}

describe("role rules derived from the table", () => {
  // Kinds outside the table too: the open families, near misses and names of Object.prototype.
  const probes = [
    ...names,
    ...["agent.chaos", "agent.delta_log", "tool.other", "turn.later", "user.other", "session.other"],
    ...["machine.other", "permission.other", "typing.x", "constructor", "__proto__", "toString", "x.y"],
  ];

  it("agree with the relay's rule as it was, on every kind × role", () => {
    for (const role of Role.options)
      for (const kind of probes) {
        expect(maySend(role, kind), `${role} send ${kind}`).toBe(oldMaySend(role, kind));
        expect(maySignal(role, kind), `${role} signal ${kind}`).toBe(oldMaySignal(role, kind));
      }
  });

  it("let each table kind's senders send it, as stored message or signal as declared", () => {
    for (const role of Role.options)
      for (const k of names) {
        const declared = kinds[k].from.some((r) => r === role);
        const open = role === "bridge";
        if (kinds[k].direction === "stored") {
          const family = openToBridge.storedPrefixes.some((p) => k.startsWith(p));
          expect(maySend(role, k), `${role} ${k}`).toBe(declared || (open && family));
        } else {
          expect(maySignal(role, k), `${role} ${k}`).toBe(declared || open);
          if (!declared)
            expect(maySend(role, k), `${role} ${k} as stored`).toBe(open && k.startsWith("agent."));
        }
      }
  });
});

/** A body each sender may send, and one it may not: each kind must have both (typed per kind). */
const examples: Examples = { ...machineExamples, ...sessionExamples, ...keysExamples };

describe("bodies", () => {
  it("a valid body of each kind parses, strictly and tolerantly; an invalid one does not", () => {
    for (const k of names) {
      const { valid, invalid } = examples[k];
      expect(kinds[k].body.safeParse(valid).success, `${k} valid`).toBe(true);
      expect(kinds[k].read.safeParse(valid).success, `${k} valid, read`).toBe(true);
      expect(kinds[k].body.safeParse(invalid).success, `${k} invalid`).toBe(false);
    }
  });

  it("receivers ignore unknown fields", () => {
    for (const k of names) {
      const { valid } = examples[k];
      const more = { ...valid, addedByANewerVersion: 1 };
      expect(kinds[k].body.parse(more), k).not.toHaveProperty("addedByANewerVersion");
      expect(kinds[k].read.safeParse(more).success, k).toBe(true);
    }
  });

  it("the phone still reads what older and newer bridges send", () => {
    const read = <K extends AnyKind>(k: K, body: unknown) => kinds[k].read.safeParse(body);
    expect(read("session.status", { state: "compacting", detail: null, at: 1 }).success).toBe(true);
    expect(read("session.info", { title: "t", cwd: "/r", model: null, claudeSessionId: null }).success).toBe(
      true,
    );
    // An origin this app does not know: the session is shown as one the bridge runs.
    const newer = kinds["session.info"].read.safeParse({ title: "t", cwd: "/r", origin: "ide" });
    expect([newer.success, newer.data?.origin]).toEqual([true, undefined]);
    expect(
      kinds["session.info"].body.safeParse({ ...sessionExamples["session.info"].valid, origin: "ide" })
        .success,
    ).toBe(false);
    expect(
      read("turn.result", { inputMid: null, ok: false, subtype: "error_new", durationMs: 0 }).success,
    ).toBe(true);
    expect(read("session.notice", { level: "debug", code: "new_code", text: "x" }).data).toMatchObject({
      level: "info",
      code: "new_code",
    });
    expect(read("machine.info", { machineId: "mc1", name: "m", roots: [] }).success).toBe(true);
    const listed = {
      room: "s-0123456789abcdefghij",
      title: "t",
      cwd: "/r",
      state: "new",
      createdAt: 1,
      updatedAt: 1,
    };
    expect(read("machine.sessions", { sessions: [listed] }).success).toBe(true);
    expect(
      read("machine.resumable", { requestMid: "m", sessions: [{ claudeSessionId: "c", cwd: "/" }] }).success,
    ).toBe(true);
    expect(read("permission.request", { requestId: "p", toolName: "Bash", input: {} }).success).toBe(true);
    expect(
      read("session.transition", {
        reason: "compact",
        fromClaudeSessionId: "a",
        toClaudeSessionId: "b",
        at: 1,
      }).success,
    ).toBe(true);
    const todos = { todos: [{ content: "a", status: "blocked" }, { status: "pending" }], at: 1 };
    expect(read("session.todos", todos).data).toEqual({
      todos: [{ content: "a", status: "blocked" }],
      at: 1,
    });
    const tasks = {
      tasks: [{ id: "w", kind: "workflow", description: "d", status: "paused", startedAt: 1 }, 7],
      at: 1,
    };
    expect(read("session.tasks", tasks).data).toMatchObject({ tasks: [{ id: "w", status: "paused" }] });
    const refused = { requestMid: "m", what: "refused", code: "new_code", text: "no" };
    expect(read("machine.workspace", refused).success).toBe(true);
    const mixed = { id: "m", blocks: [{ type: "image" }, { type: "text", text: "kept" }] };
    expect(read("agent.message", mixed).data).toEqual({ id: "m", blocks: [{ type: "text", text: "kept" }] });
  });
});

describe("types (checked by npm run typecheck)", () => {
  it("a send typed by kind takes that kind's body and nothing the contract forbids", () => {
    const sent: string[] = [];
    const send = <K extends Kind>(kind: K, _body: BodyOf<K>) => sent.push(kind);
    send("session.command", { name: "set_permission_mode", value: "plan" });
    // @ts-expect-error bypassPermissions is not a mode the bridge accepts
    send("session.command", { name: "set_permission_mode", value: "bypassPermissions" });
    // @ts-expect-error a signal is not a stored kind
    send("agent.delta", { messageId: "m", index: 0, offset: 0, text: "x" });
    // @ts-expect-error notice codes are the declared ones
    send("session.notice", { level: "info", code: "made_up", text: "x" });
    // @ts-expect-error a turn.result needs its subtype
    send("turn.result", { inputMid: "m", ok: true, durationMs: 1 });
    expect(sent).toHaveLength(5);
  });
});
