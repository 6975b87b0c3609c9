import type { PermissionResult } from "@anthropic-ai/claude-agent-sdk";
import { z } from "zod";
import { EDITABLE_TOOLS } from "../../shared/protocol/permission.ts";
import { TETHER_HOOK_EVENTS, type TetherHookEvent } from "./hook-settings.ts";

/**
 * What a Claude Code command hook gets on stdin (docs/hooks.md), as far as Tether reads it; other
 * fields are dropped. Both `tether hook` and the bridge's control API parse with it.
 */
const text = z.string().max(4096);

export const HookEventName = z.enum(
  Object.keys(TETHER_HOOK_EVENTS) as [TetherHookEvent, ...TetherHookEvent[]],
);

export const HookInput = z.object({
  hook_event_name: HookEventName,
  session_id: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/),
  transcript_path: z.string().min(1).max(4096),
  cwd: z.string().min(1).max(4096),
  permission_mode: text.optional(),
  source: text.optional(),
  prompt: z
    .string()
    .max(1 << 20)
    .optional(),
  tool_name: z.string().max(256).optional(),
  tool_input: z.unknown().optional(),
  tool_use_id: z.string().max(256).optional(),
  permission_suggestions: z.array(z.unknown()).max(64).optional(),
  message: text.optional(),
  notification_type: text.optional(),
  reason: text.optional(),
  /** Stop: the turn went on after a Stop hook blocked it (docs/hooks.md). */
  stop_hook_active: z.boolean().optional(),
  /**
   * Not from the CLI: `tether hook` adds the pid of the Claude Code process that ran the hook (its
   * `CLAUDE_PID`), so the bridge can tell its own processes' hooks apart and see a terminal's
   * process die without a SessionEnd.
   */
  claude_pid: z
    .number()
    .int()
    .positive()
    .max(2 ** 31 - 1)
    .optional(),
});
export type HookInput = z.infer<typeof HookInput>;

/**
 * The bridge's answer to one hook event: `decision` only ever for a PermissionRequest; `block` only
 * for a Stop, the phone's messages Claude is to go on with (docs/protocol.md §9.6.2).
 */
export const HookDecision = z.discriminatedUnion("behavior", [
  z.object({
    behavior: z.literal("allow"),
    /** Only for EDITABLE_TOOLS: the person's answers (AskUserQuestion) or edited plan. */
    updatedInput: z.record(z.string(), z.unknown()).optional(),
    /** An approved plan's mode (`setMode`), as Claude Code's PermissionUpdate. */
    updatedPermissions: z.array(z.unknown()).optional(),
  }),
  z.object({ behavior: z.literal("deny"), message: z.string().max(4096) }),
]);
export type HookDecision = z.infer<typeof HookDecision>;

/**
 * The CLI's answer. An allow carries the person's input only for the tools whose input is their
 * answer (a question's answers, an edited plan: EDITABLE_TOOLS), and an approved plan's mode.
 */
export function hookDecision(r: PermissionResult, toolName: string): HookDecision {
  if (r.behavior === "allow") {
    if (!EDITABLE_TOOLS.includes(toolName)) return { behavior: "allow" };
    return {
      behavior: "allow",
      ...(r.updatedInput ? { updatedInput: r.updatedInput } : {}),
      ...(r.updatedPermissions ? { updatedPermissions: r.updatedPermissions } : {}),
    };
  }
  return { behavior: "deny", message: r.message };
}

export const HookAnswer = z.object({
  decision: HookDecision.nullable(),
  block: z
    .string()
    .max(4 << 20)
    .optional(),
});
export type HookAnswer = z.infer<typeof HookAnswer>;

/**
 * Set in the environment of the Claude Code processes the bridge itself runs (the SDK runner, the
 * account probe): their hooks are not a terminal's, so `tether hook` ignores them at once.
 */
export const BRIDGE_RUN_ENV = "TETHER_BRIDGE_RUN";

/** How long `tether hook` waits for the bridge (docs/hooks.md): the phone needs time to answer. */
export function hookWaitMs(event: TetherHookEvent): number {
  return event === "PermissionRequest" ? 300_000 : 2_000;
}

/**
 * The hook's stdout for an answer: Claude Code's PermissionRequest output, a Stop hook's
 * `{"decision":"block","reason"}` (Claude goes on with the reason as its next instruction), or nothing.
 */
export function hookOutput(event: TetherHookEvent, answer: HookAnswer): string {
  if (event === "Stop" && answer.block) return JSON.stringify({ decision: "block", reason: answer.block });
  if (event !== "PermissionRequest" || answer.decision === null) return "";
  return JSON.stringify({
    hookSpecificOutput: { hookEventName: "PermissionRequest", decision: answer.decision },
  });
}
