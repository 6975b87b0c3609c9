import { describe, expect, it } from "vitest";
import { type BodyOf, type Kind, kinds, type SignalKind, specOf } from "./kinds.ts";

/**
 * Bodies as the bridge and the phone build them today (shapes copied from bridge/session/*,
 * bridge/machine/* and web/src/ui/*), typed by kind so the compiler checks them as well. Each must
 * parse strictly and tolerantly and come out unchanged: the schemas name every field sent.
 */
type Golden = { [K in Kind | SignalKind]: BodyOf<K>[] };

const room = "s-Q2xhdWRlIGlzIGhlcmUgdG9v";
const at = 1_767_000_000_000;

const bridge: Omit<Golden, ControllerKind> = {
  "machine.info": [
    {
      machineId: "mcAbc123xyz",
      name: "desk",
      roots: ["/home/me/src"],
      bridgeVersion: "0.1.0",
      hostname: "desk",
      platform: "linux",
      at,
    },
  ],
  "machine.sessions": [
    {
      sessions: [
        {
          room,
          title: "fix tests",
          cwd: "/home/me/src/app",
          state: "idle",
          chain: [],
          createdAt: at,
          updatedAt: at,
        },
        {
          room,
          title: "after /clear",
          cwd: "/home/me/src/app",
          state: "awaiting_permission",
          claudeSessionId: "c2",
          transitionedFrom: "c1",
          chain: [{ claudeSessionId: "c1", transitionedTo: "c2" }],
          createdAt: at,
          updatedAt: at,
        },
      ],
    },
  ],
  "machine.session_created": [{ requestMid: "m_abcdefghijklmnop", room }],
  "machine.resumable": [
    {
      requestMid: "m_abcdefghijklmnop",
      sessions: [
        {
          claudeSessionId: "c1",
          cwd: "/home/me/src/app",
          title: "Fix the tests",
          updatedAt: at,
          resumable: true,
        },
        {
          claudeSessionId: "c0",
          cwd: "/gone",
          title: "c0",
          updatedAt: at,
          resumable: false,
          reason: "its working directory no longer exists",
        },
      ],
    },
  ],
  "machine.notice": [
    { requestMid: "m_1", level: "error", code: "bad_request", text: "create_session: Invalid input" },
    { requestMid: "m_1", level: "error", code: "cwd_not_allowed", text: "/etc is not under a root" },
    { requestMid: "m_1", level: "warn", code: "unknown_session", text: "No such session on this machine." },
    { requestMid: "m_1", level: "error", code: "internal", text: "The bridge could not do that: boom" },
  ],
  "session.info": [
    {
      title: "fix tests",
      cwd: "/home/me/src/app",
      machineId: "mcAbc123xyz",
      permissionMode: "default",
      createdAt: at,
    },
    {
      title: "fix tests",
      cwd: "/home/me/src/app",
      machineId: "mcAbc123xyz",
      permissionMode: "acceptEdits",
      createdAt: at,
      model: "claude-scripted-2",
      claudeSessionId: "c2",
      transitionedFrom: "c1",
    },
  ],
  "session.status": [
    { state: "running", at },
    { state: "error", at, detail: "Claude Code process exited with code 1" },
  ],
  "turn.started": [{ inputMid: "m_1" }, { inputMid: "m_create", text: "first prompt" }],
  "agent.message": [
    { id: "msg_1", blocks: [{ type: "text", text: "Hello", truncated: false }] },
    { id: "msg_1", blocks: [{ type: "thinking", text: "hmm", truncated: true }] },
    {
      id: "msg_1",
      blocks: [{ type: "tool_use", id: "toolu_1", name: "Write", input: { file_path: "/a", content: "x" } }],
    },
    {
      id: "msg_2",
      blocks: [
        {
          type: "tool_use",
          id: "toolu_2",
          name: "Write",
          input: { content: "x… [truncated]" },
          truncated: true,
        },
      ],
    },
  ],
  "tool.result": [
    { toolUseId: "toolu_1", isError: false, content: "File created" },
    { toolUseId: "toolu_2", isError: true, content: "long output", truncated: true },
  ],
  "permission.request": [
    {
      requestId: "pr_abcdefghijklmnop",
      toolName: "Write",
      input: { file_path: "/a", content: "x" },
      toolUseId: "toolu_1",
      title: "Claude wants to write a.txt",
      suggestions: [{ type: "setMode", mode: "acceptEdits", destination: "session" }],
    },
    {
      requestId: "pr_b",
      toolName: "Write",
      input: { content: "x… [truncated]" },
      toolUseId: "toolu_2",
      truncated: true,
    },
  ],
  "permission.resolved": [
    { requestId: "pr_a", decision: "allow", by: "phAbcdefgh" },
    { requestId: "pr_a", decision: "deny", by: "timeout", reason: "no answer in time" },
    { requestId: "pr_a", decision: "deny", by: "cancelled", reason: "the bridge restarted" },
  ],
  "turn.result": [
    {
      inputMid: "m_1",
      ok: true,
      subtype: "success",
      durationMs: 1234,
      costUsd: 0.01,
      usage: { input_tokens: 10, output_tokens: 20 },
    },
    {
      inputMid: "m_1",
      ok: false,
      subtype: "error_during_execution",
      durationMs: 50,
      costUsd: 0,
      error: "aborted",
    },
    {
      inputMid: "m_1",
      ok: false,
      subtype: "error_bridge_restarted",
      durationMs: 0,
      error: "the bridge restarted during this turn",
    },
    {
      inputMid: "m_1",
      ok: false,
      subtype: "interrupted",
      durationMs: 0,
      error: "the Claude process was stopped",
    },
    { inputMid: "m_1", ok: false, subtype: "session_ended", durationMs: 0, error: "the session ended" },
  ],
  "session.transition": [{ reason: "clear", fromClaudeSessionId: "c1", toClaudeSessionId: "c2", at }],
  "session.notice": [
    {
      level: "warn",
      code: "resume_failed_started_fresh",
      text: "The previous Claude session (c1)…",
      inputMid: "m_1",
    },
    {
      level: "warn",
      code: "session_ended",
      text: "This session has ended; start a new one.",
      inputMid: "m_1",
    },
    {
      level: "warn",
      code: "empty_message",
      text: "An empty message was not sent to Claude.",
      inputMid: "m_1",
    },
    { level: "warn", code: "bad_command", text: "Unknown or malformed command: {}" },
    { level: "error", code: "command_failed", text: "set_model failed: boom" },
  ],
  "agent.delta": [{ messageId: "msg_1", index: 0, offset: 5, text: " world" }],
  "session.usage": [
    {
      limits: [
        { kind: "five_hour", status: "rejected", resetsAt: at, utilization: 1 },
        { kind: "seven_day", status: "allowed", resetsAt: at, utilization: 0.4 },
      ],
      at,
    },
  ],
  "machine.account": [
    { ok: true, at },
    {
      ok: false,
      problem: { code: "not_signed_in", text: "Not logged in · Please run /login", fix: "Run claude." },
      at,
    },
  ],
};

type ControllerKind =
  | "user.message"
  | "permission.response"
  | "session.interrupt"
  | "session.command"
  | "machine.create_session"
  | "machine.end_session"
  | "machine.list_resumable"
  | "machine.check_account"
  | "typing";

/** What the phone sends (web/src/ui/*). */
const phone: Pick<Golden, ControllerKind> = {
  "user.message": [{ text: "please fix the tests" }],
  "permission.response": [
    { requestId: "pr_a", decision: "allow" },
    { requestId: "pr_a", decision: "allow", remember: true },
    { requestId: "pr_a", decision: "deny", message: "not that file" },
  ],
  "session.interrupt": [{}],
  "session.command": [
    { name: "clear" },
    { name: "end" },
    { name: "set_permission_mode", value: "plan" },
    { name: "set_model", value: "claude-scripted-2" },
    { name: "set_auto_continue", value: false },
    { name: "continue" },
  ],
  "machine.create_session": [
    { cwd: "/home/me/src/app", permissionMode: "acceptEdits", title: "fix", prompt: "run the tests" },
    { cwd: "/home/me/src/app", resumeClaudeSessionId: "c1", title: "Resumed session" },
  ],
  "machine.end_session": [{ room }],
  "machine.list_resumable": [{}],
  "machine.check_account": [{}],
  typing: [{}],
};

describe("golden bodies", () => {
  const all: Golden = { ...bridge, ...phone };
  const names = Object.keys(kinds).filter((k): k is keyof Golden => specOf(k) !== null);
  for (const kind of names)
    it(`${kind}: parse strictly and tolerantly, unchanged`, () => {
      const spec = kinds[kind];
      const bodies: unknown[] = all[kind];
      expect(bodies.length).toBeGreaterThan(0);
      for (const b of bodies) {
        expect(spec.body.parse(b)).toEqual(b);
        expect(spec.read.parse(b)).toEqual(b);
      }
    });
});
