import {
  PermissionResponse,
  SessionCommand,
  SessionInterrupt,
  type StoredMsg,
} from "../../shared/protocol/index.ts";
import type { SessionRunner } from "./session-runner.ts";
import { derivedMid } from "./turn-mids.ts";

const INTERRUPT_MS = 5000;

/** Controller messages other than user.message: permission answers, interrupts and commands. */
export function handleControl(s: SessionRunner, msg: StoredMsg): void {
  const log = s.deps.log;
  if (msg.kind === "permission.response") {
    const r = PermissionResponse.safeParse(msg.body);
    if (!r.success) return log.warn("ignoring malformed permission.response", { room: s.room, mid: msg.mid });
    const { requestId, decision, remember, message, updatedInput } = r.data;
    const answer = {
      decision,
      by: msg.cid,
      ...(remember ? { remember } : {}),
      ...(message ? { message } : {}),
    };
    if (!s.permissions.answer(requestId, { ...answer, ...(updatedInput ? { updatedInput } : {}) })) {
      log.info("ignoring a response to an unknown or already resolved permission request", {
        room: s.room,
        requestId,
      });
    }
    return;
  }
  if (msg.kind === "session.interrupt") {
    if (!SessionInterrupt.safeParse(msg.body).success)
      return log.warn("ignoring malformed session.interrupt", { room: s.room, mid: msg.mid });
    return void interrupt(s);
  }
  if (msg.kind === "session.command") {
    // Unknown names and modes the bridge refuses (bypassPermissions needs a launch flag) fail here.
    const c = SessionCommand.safeParse(msg.body);
    if (!c.success)
      return s.notice("warn", "bad_command", `Unknown or malformed command: ${JSON.stringify(msg.body)}`);
    command(s, msg.mid, c.data).catch((err: Error) => {
      log.error("session command failed", { room: s.room, command: c.data.name, error: err.message });
      s.notice("error", "command_failed", `${c.data.name} failed: ${err.message}`);
    });
  }
}

/**
 * Interrupt the current turn: pending prompts end it as cancelled, the CLI is asked to stop, and if
 * it does not answer in time that same process is closed (never a later turn's).
 */
export async function interrupt(s: SessionRunner): Promise<void> {
  const turn = s.turn;
  if (!turn) return;
  const run = s.turnRun;
  if (!run) {
    s.interruptPending = true; // the process is still starting; pump interrupts right after it starts
    return;
  }
  s.interruptPending = false;
  s.permissions.cancelAll("interrupted from the phone");
  if (await run.interrupt(INTERRUPT_MS)) return;
  if (s.turn !== turn || s.turnRun !== run) return;
  s.deps.log.warn("interrupt was not answered in time; closing the Claude process", { room: s.room });
  await run.close();
}

async function command(s: SessionRunner, mid: string, c: SessionCommand) {
  switch (c.name) {
    case "clear":
      if (s.deps.registry.addInput(s.room, mid, "/clear", "command")) s.kick();
      return;
    case "end":
      return end(s);
    case "set_permission_mode":
      if (s.run && !s.run.closing) await s.run.setPermissionMode(c.value);
      s.record = { ...s.record, permissionMode: c.value };
      s.save();
      return s.publishInfo();
    case "set_model":
      if (s.run && !s.run.closing) await s.run.setModel(c.value);
      s.record = { ...s.record, model: c.value ?? null };
      s.save();
      return s.publishInfo();
  }
}

/** Ends the session: its process goes, unrun inputs are answered with a notice, the room stays readable. */
export async function end(s: SessionRunner): Promise<void> {
  if (s.record.state === "ended") return;
  s.setState("ended");
  const starting = s.turn && !s.turnRun ? s.turn : null;
  if (starting) {
    s.finishTurn(starting, {
      ok: false,
      subtype: "session_ended",
      durationMs: 0,
      error: "the session ended",
    });
    s.turn = null;
  }
  for (const input of s.deps.registry.inputs(s.room, "pending")) {
    if (input.kind !== "command") {
      const text = "The session ended before this message ran.";
      s.notice("warn", "session_ended", text, input.mid, derivedMid("nt", input.mid));
    }
    s.deps.registry.setInput(input.mid, "done");
  }
  s.permissions.cancelAll("the session ended");
  await s.run?.close();
}
