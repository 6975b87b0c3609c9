import type { PermissionMode } from "@anthropic-ai/claude-agent-sdk";
import { z } from "zod";
import type { StoredMsg } from "../../shared/protocol/index.ts";
import type { SessionRunner } from "./session-runner.ts";

const INTERRUPT_MS = 5000;

const PermissionResponse = z.object({
  requestId: z.string(),
  decision: z.enum(["allow", "deny"]),
  remember: z.boolean().optional(),
  message: z.string().optional(),
  updatedInput: z.record(z.string(), z.unknown()).optional(),
});

const Command = z.object({
  name: z.enum(["clear", "end", "set_permission_mode", "set_model"]),
  value: z.string().optional(),
});

const Modes = z.enum(["default", "acceptEdits", "bypassPermissions", "plan", "dontAsk", "auto"]);

/** Controller messages other than user.message: permission answers, interrupts and commands. */
export function handleControl(s: SessionRunner, msg: StoredMsg): void {
  const log = s.deps.log;
  if (msg.kind === "permission.response") {
    const r = PermissionResponse.safeParse(msg.body);
    if (!r.success) return log.warn("ignoring malformed permission.response", { room: s.room, mid: msg.mid });
    const { requestId, decision, remember, message, updatedInput } = r.data;
    const answered = s.permissions.answer(requestId, {
      decision,
      by: msg.cid,
      ...(remember ? { remember } : {}),
      ...(message ? { message } : {}),
      ...(updatedInput ? { updatedInput } : {}),
    });
    if (!answered)
      log.info("ignoring a response to an unknown or already resolved permission request", {
        room: s.room,
        requestId,
      });
    return;
  }
  if (msg.kind === "session.interrupt") return void interrupt(s);
  if (msg.kind === "session.command") {
    const c = Command.safeParse(msg.body);
    if (!c.success) return log.warn("ignoring malformed session.command", { room: s.room, mid: msg.mid });
    return void command(s, msg.mid, c.data.name, c.data.value);
  }
}

/** Interrupt: pending prompts end the turn as cancelled; the CLI is asked to stop, or closed if it does not. */
export async function interrupt(s: SessionRunner): Promise<void> {
  const run = s.run;
  if (!run || !s.turn) return;
  s.permissions.cancelAll("interrupted from the phone");
  if (!(await run.interrupt(INTERRUPT_MS))) {
    s.deps.log.warn("interrupt was not answered in time; closing the Claude process", { room: s.room });
    await run.close();
  }
}

async function command(
  s: SessionRunner,
  mid: string,
  name: z.infer<typeof Command>["name"],
  value: string | undefined,
): Promise<void> {
  switch (name) {
    case "clear":
      if (s.deps.registry.addInput(s.room, mid, "/clear", "command")) await s.pump();
      return;
    case "end":
      return end(s);
    case "set_permission_mode": {
      const mode = Modes.safeParse(value);
      if (!mode.success) return s.deps.log.warn("ignoring unknown permission mode", { room: s.room, value });
      s.record = { ...s.record, permissionMode: mode.data };
      s.save();
      await s.run?.setPermissionMode(mode.data as PermissionMode);
      return s.publishInfo();
    }
    case "set_model":
      s.record = { ...s.record, model: value ?? null };
      s.save();
      await s.run?.setModel(value);
      return s.publishInfo();
  }
}

/** Ends the session: its process goes, pending inputs are answered with a notice, the room stays readable. */
export async function end(s: SessionRunner): Promise<void> {
  if (s.record.state === "ended") return;
  s.setState("ended");
  for (const input of s.deps.registry.inputs(s.room, "pending")) {
    s.deps.registry.setInput(input.mid, "done");
    if (input.kind !== "command") {
      s.link.send("session.notice", {
        level: "warn",
        code: "session_ended",
        text: "The session ended before this message ran.",
        inputMid: input.mid,
      });
    }
  }
  s.permissions.cancelAll("the session ended");
  await s.run?.close();
}
