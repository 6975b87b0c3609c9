import { describe } from "../../shared/core/util/describe.ts";
import {
  type PermissionMode,
  PermissionResponse,
  SessionCommand,
  SessionInterrupt,
  SetModelCommand,
  SetPermissionModeCommand,
  type StoredMsg,
} from "../../shared/protocol/index.ts";
import type { ClaudeRun } from "../claude/claude-run.ts";
import type { Logger } from "../log.ts";
import { refusedModeText } from "./catalog-body.ts";
import type { Answer, Permissions } from "./permissions.ts";
import type { Registry } from "./registry.ts";
import type { SessionCatalog } from "./session-catalog.ts";
import type { SessionRoom } from "./session-room.ts";
import { stopTask, type TaskTarget } from "./task-control.ts";

export type Command =
  | { t: "clear" }
  | { t: "end" }
  | { t: "set_permission_mode"; mode: PermissionMode }
  | { t: "set_model"; model: string | undefined }
  | { t: "revoke_grant"; rule: string }
  | { t: "stop_task"; id: string }
  | { t: "set_auto_continue"; on: boolean }
  | { t: "continue" };

/** A controller message other than user.message, as what the session should do about it. */
export type Control =
  | { t: "answer"; requestId: string; answer: Answer }
  | { t: "interrupt" }
  | Command
  /** Told to the phone as a bad_command (or bad_model) notice naming the message. */
  | { t: "bad_command"; code: "bad_command" | "bad_model" | "bad_permission_mode"; text: string }
  /** Logged only: an interrupt that does not parse names nothing a phone could be told about. */
  | { t: "malformed"; kind: string }
  /** A permission.response that does not parse: told, naming its requestId when readable, else its mid. */
  | { t: "bad_response"; ref: { requestId: string } | { mid: string } }
  | { t: "none" };

/** What handling a controller message needs of its session (SessionRunner). */
export type ControlTarget = {
  readonly room: string;
  readonly tasks: TaskTarget["tasks"];
  readonly permissions: Pick<Permissions, "respond">;
  readonly deps: { log: Logger; registry: Pick<Registry, "addInput" | "revokeGrant"> };
  readonly out: Pick<SessionRoom, "notice" | "update" | "refusedResponse" | "publishInfo">;
  /** The CLI's last model list, for set_model while no process runs. */
  readonly catalog: Pick<SessionCatalog, "offers">;
  interrupt(): void;
  kick(): void;
  /** The input held for a usage limit or the account is tried again now. */
  continueHeld(): void;
  setAutoContinue(on: boolean): void;
  end(): Promise<void>;
  liveRun(): Pick<ClaudeRun, "setPermissionMode" | "setModel" | "models" | "stopTask"> | null;
};

/** Controller messages other than user.message: permission answers, interrupts and commands. */
export function handleControl(s: ControlTarget, msg: StoredMsg): void {
  const log = s.deps.log;
  const c = parseControl(msg);
  switch (c.t) {
    case "answer":
      if (s.permissions.respond(c.requestId, c.answer) === "unknown") {
        log.info("ignoring a response to an unknown or already resolved permission request", {
          room: s.room,
          // Untrusted and unbounded by its schema: a clipped prefix names it well enough.
          requestId: c.requestId.slice(0, 64),
        });
      }
      return;
    case "bad_response":
      return s.out.refusedResponse(
        "bad_response",
        "The bridge could not read this permission answer.",
        c.ref,
      );
    case "malformed":
      return log.warn(`ignoring malformed ${c.kind}`, { room: s.room, mid: msg.mid });
    case "interrupt":
      return s.interrupt();
    case "bad_command":
      return s.out.notice("warn", c.code, c.text, msg.mid);
    case "none":
      return;
    default:
      command(s, msg.mid, c).catch((err: Error) => {
        log.error("session command failed", { room: s.room, command: c.t, error: err.message });
        s.out.notice("error", "command_failed", `${c.t} failed: ${err.message}`, msg.mid);
      });
  }
}

async function command(s: ControlTarget, mid: string, c: Command): Promise<void> {
  switch (c.t) {
    case "clear":
      if (s.deps.registry.addInput(s.room, mid, "/clear", "command")) s.kick();
      return;
    case "end":
      return s.end();
    case "set_permission_mode":
      await s.liveRun()?.setPermissionMode(c.mode);
      return s.out.update({ permissionMode: c.mode });
    case "set_model": {
      const run = s.liveRun();
      // With no process, the list the last one gave (a model chosen before any list is checked at the next start).
      const known =
        c.model === undefined || (run ? await offered(run, c.model) : s.catalog.offers(c.model) !== false);
      if (!known) {
        const text = `${c.model} is not a model this Claude Code offers; the model is unchanged.`;
        return s.out.notice("warn", "bad_model", text, mid);
      }
      await run?.setModel(c.model);
      return s.out.update({ model: c.model ?? null });
    }
    case "set_auto_continue":
      return s.setAutoContinue(c.on);
    case "continue":
      return s.continueHeld();
    case "revoke_grant":
      if (!s.deps.registry.revokeGrant(s.room, c.rule))
        return s.out.notice("warn", "unknown_grant", "This session holds no such grant.", mid);
      return s.out.publishInfo();
    case "stop_task":
      return stopTask(s, mid, c.id);
  }
}

/** Whether the running CLI lists the model (by name or what a name resolves to); yes when it lists none. */
async function offered(run: Pick<ClaudeRun, "models">, model: string): Promise<boolean> {
  const models = await run.models();
  if (models === null || models.length === 0) return true;
  return models.some((m) => m.value === model || m.resolvedModel === model);
}

/** Parses with the shared schemas (docs/protocol.md §9.4); what does not parse is never acted on. */
export function parseControl(msg: StoredMsg): Control {
  if (msg.kind === "permission.response") return answer(msg);
  if (msg.kind === "session.interrupt")
    return SessionInterrupt.safeParse(msg.body).success
      ? { t: "interrupt" }
      : { t: "malformed", kind: msg.kind };
  if (msg.kind !== "session.command") return { t: "none" };
  // Unknown names and modes the bridge refuses (bypassPermissions needs a launch flag) fail here.
  const c = SessionCommand.safeParse(msg.body);
  if (!c.success) {
    // Described, never stringified: the body is untrusted and may be nested deep enough to overflow.
    if (SetModelCommand.safeParse(msg.body).success)
      return { t: "bad_command", code: "bad_model", text: `Not a model name (${modelValue(msg.body)}).` };
    if (SetPermissionModeCommand.safeParse(msg.body).success)
      return { t: "bad_command", code: "bad_permission_mode", text: refusedModeText(commandValue(msg.body)) };
    return {
      t: "bad_command",
      code: "bad_command",
      text: `Unknown or malformed command (${describe(msg.body)}).`,
    };
  }
  switch (c.data.name) {
    case "set_model":
      return { t: "set_model", model: c.data.value };
    case "set_permission_mode":
      return { t: "set_permission_mode", mode: c.data.value };
    case "revoke_grant":
      return { t: "revoke_grant", rule: c.data.value };
    case "stop_task":
      return { t: "stop_task", id: c.data.value };
    case "set_auto_continue":
      return { t: "set_auto_continue", on: c.data.value };
    default:
      return { t: c.data.name };
  }
}

function answer(msg: StoredMsg): Control {
  const r = PermissionResponse.safeParse(msg.body);
  if (!r.success) return { t: "bad_response", ref: readableRequestId(msg) };
  const { requestId, decision, remember, message, updatedInput, mode } = r.data;
  const answer = {
    decision,
    by: msg.cid,
    ...(remember ? { remember } : {}),
    ...(message ? { message } : {}),
    ...(mode ? { mode } : {}),
  };
  return { t: "answer", requestId, answer: { ...answer, ...(updatedInput ? { updatedInput } : {}) } };
}

function modelValue(body: unknown): string {
  return describe(commandValue(body));
}

function commandValue(body: unknown): unknown {
  return (body as { value?: unknown }).value;
}

/** The requestId of a response that did not parse, when it is a plausible id; else the message's mid. */
function readableRequestId(msg: StoredMsg): { requestId: string } | { mid: string } {
  const body = msg.body;
  const id =
    typeof body === "object" && body !== null && !Array.isArray(body) ? Reflect.get(body, "requestId") : null;
  return typeof id === "string" && /^[\w-]{1,128}$/.test(id) ? { requestId: id } : { mid: msg.mid };
}
