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
    {
      id: "msg_3",
      blocks: [{ type: "tool_use", id: "toolu_4", name: "Bash", input: { command: "ls" } }],
      parentToolUseId: "toolu_3",
    },
  ],
  "tool.result": [
    { toolUseId: "toolu_1", isError: false, content: "File created" },
    { toolUseId: "toolu_4", isError: false, content: "a.txt", parentToolUseId: "toolu_3" },
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
    {
      requestId: "pr_q",
      toolName: "AskUserQuestion",
      input: { questions: [{ question: "Which?", header: "Pick", options: [], multiSelect: false }] },
      toolUseId: "toolu_3",
      kind: "question",
    },
    {
      requestId: "pr_p",
      toolName: "ExitPlanMode",
      input: { plan: "# Plan" },
      toolUseId: "toolu_4",
      kind: "plan",
    },
  ],
  "permission.resolved": [
    { requestId: "pr_a", decision: "allow", by: "phAbcdefgh" },
    { requestId: "pr_a", decision: "deny", by: "timeout", reason: "no answer in time" },
    { requestId: "pr_a", decision: "deny", by: "cancelled", reason: "the bridge restarted" },
    { requestId: "pr_p", decision: "allow", by: "phAbcdefgh", mode: "acceptEdits" },
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
  "session.todos": [
    {
      todos: [
        { content: "Read the code", status: "completed", activeForm: "Reading the code" },
        { content: "Run the tests", status: "in_progress", activeForm: "Running the tests" },
        { content: "Ship it", status: "pending" },
      ],
      at,
    },
    { todos: [], at },
  ],
  "session.tasks": [
    {
      tasks: [
        {
          id: "a7444853af1ed1996",
          kind: "agent",
          description: "Explore the tests",
          status: "running",
          toolUseId: "toolu_3",
          startedAt: at,
        },
        {
          id: "btyr5wj57",
          kind: "bash",
          description: "Run the dev server",
          status: "stopped",
          toolUseId: "toolu_5",
          parentId: "a7444853af1ed1996",
          background: true,
          startedAt: at,
          endedAt: at + 5000,
          summary: "Background command stopped",
        },
      ],
      at,
    },
  ],
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
    {
      level: "warn",
      code: "bad_permission_mode",
      text: "Bypass permissions is not offered…",
      inputMid: "m_1",
    },
    { level: "info", code: "unlisted_command", text: "/login is not a command…", inputMid: "m_1" },
  ],
  "session.commands": [
    {
      commands: [
        { name: "greet", description: "Greets someone (project)", argumentHint: "<name>", source: "custom" },
        { name: "clear", description: "Start a new session", source: "builtin", aliases: ["reset", "new"] },
      ],
      models: [
        { value: "default", displayName: "Default (recommended)", description: "Opus 5.5" },
        { value: "haiku", displayName: "Haiku" },
      ],
      at,
    },
  ],
  "session.context": [
    { usedTokens: 700_000, maxTokens: 1_000_000, percent: 70, model: "claude-opus-5-5", at },
    { usedTokens: 14_422, maxTokens: 200_000, percent: 7, autoCompactTokens: 167_000, at },
  ],
  "session.compacted": [
    { trigger: "manual", preTokens: 700_012, postTokens: 2_615, at },
    { trigger: "auto", preTokens: 967_000, at },
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
  "machine.workspace": [
    {
      requestMid: "m_abcdefghijklmnop",
      what: "status",
      branch: "main",
      upstream: "origin/main",
      ahead: 1,
      behind: 0,
      files: [
        { path: "src/app.ts", state: "modified" },
        { path: "src/new.ts", state: "renamed", oldPath: "src/old.ts" },
        { path: "notes.txt", state: "untracked" },
      ],
      truncated: false,
    },
    {
      requestMid: "m_abcdefghijklmnop",
      what: "diff",
      path: "src/app.ts",
      text: "diff --git a/src/app.ts b/src/app.ts\n@@ -1 +1 @@\n-a\n+b\n",
      offset: 0,
      size: 48,
      truncated: false,
    },
    {
      requestMid: "m_abcdefghijklmnop",
      what: "file",
      path: "big.log",
      text: "line 1\n",
      offset: 0,
      size: 200_000,
      truncated: true,
      nextOffset: 65_530,
    },
    { requestMid: "m_abcdefghijklmnop", what: "refused", code: "outside_roots", text: "Not under a root." },
  ],
  "keys.grant": [
    {
      room,
      keys: [
        {
          to: "d:tk_Q2xhdWRlaXNo",
          k: 1,
          n: "oKGio6Slpqeoqaqr",
          w: "WrWrWrWrWrWrWrWrWrWrWrWrWrWrWrWrWrWrWrWrWrWrWrWrWrWrWrWrWrWrWrWr",
        },
        {
          to: "s:tk_aGVyZXRvb29v",
          k: 2,
          n: "sLGys7S1tre4ubq7",
          w: "XkXkXkXkXkXkXkXkXkXkXkXkXkXkXkXkXkXkXkXkXkXkXkXkXkXkXkXkXkXkXkXk",
        },
      ],
    },
  ],
};

type ControllerKind =
  | "user.message"
  | "attachment.chunk"
  | "permission.response"
  | "session.interrupt"
  | "session.command"
  | "machine.create_session"
  | "machine.end_session"
  | "machine.list_resumable"
  | "machine.check_account"
  | "machine.workspace_request"
  | "keys.enroll"
  | "keys.share"
  | "keys.reconcile"
  | "typing";

/** What the phone sends (web/src/ui/*). */
const phone: Pick<Golden, ControllerKind> = {
  "keys.enroll": [
    {
      code: "pairCODE12345678",
      tokenId: "tk_Q2xhdWRlaXNo",
      key: "BFx9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9x9Q",
      proof: "PrPrPrPrPrPrPrPrPrPrPrPrPrPrPrPrPrPrPrPrPrf",
    },
  ],
  "keys.share": [{ shareId: "tk_aGVyZXRvb29v", room, secret: "SeSeSeSeSeSeSeSeSeSeSeSeSeSeSeSeSeSeSeSeSec" }],
  "keys.reconcile": [{}],
  "user.message": [
    { text: "please fix the tests" },
    {
      text: "what is wrong here?",
      attachments: [
        {
          id: "att_0123456789ab",
          name: "screenshot.jpg",
          mediaType: "image/jpeg",
          bytes: 200_000,
          sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
          chunks: 2,
        },
        {
          id: "att_ba9876543210",
          name: "notes.md",
          mediaType: "text/markdown",
          bytes: 3,
          sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
          chunks: 1,
        },
      ],
    },
  ],
  "attachment.chunk": [{ id: "att_ba9876543210", index: 0, count: 1, data: "YWJj" }],
  "permission.response": [
    { requestId: "pr_a", decision: "allow" },
    { requestId: "pr_a", decision: "allow", remember: true },
    { requestId: "pr_a", decision: "deny", message: "not that file" },
    {
      requestId: "pr_q",
      decision: "allow",
      updatedInput: { questions: [], answers: { "Which?": "red, blue" } },
    },
    { requestId: "pr_p", decision: "allow", mode: "acceptEdits" },
    { requestId: "pr_p", decision: "deny", message: "Split step 2 first" },
  ],
  "session.interrupt": [{}],
  "session.command": [
    { name: "clear" },
    { name: "end" },
    { name: "set_permission_mode", value: "plan" },
    { name: "set_model", value: "claude-scripted-2" },
    { name: "stop_task", value: "a7444853af1ed1996" },
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
  "machine.workspace_request": [
    { cwd: "/home/me/src/app", what: "status" },
    { cwd: "/home/me/src/app", what: "diff", path: "src/app.ts" },
    { cwd: "/home/me/src/app", what: "file", path: "big.log", offset: 65_530 },
  ],
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
