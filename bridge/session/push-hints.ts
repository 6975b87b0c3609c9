import type { BodyOf, PushHint, PushShow } from "../../shared/protocol/index.ts";
import { stripControlChars } from "../../shared/protocol/index.ts";

/**
 * What the relay pushes for a session's messages (docs/protocol.md §11.1): the bridge knows what a
 * message means, so it writes the notification; the relay only decides whom to send it to. One
 * notification per session (`tag` = the room), replaced as the session moves on.
 */

const TITLE_MAX = 120;
const BODY_MAX = 200;

/** A prompt waits: a tool to allow, a question to answer, a plan to review. */
export function promptHint(title: string, room: string, req: BodyOf<"permission.request">): PushHint {
  const base = show(title, room, promptText(req));
  // Allow and Deny fit on a notification only for a plain tool call; a question or plan needs the app.
  const notify = {
    class: "prompt" as const,
    show: req.kind === "question" || req.kind === "plan" ? base : { ...base, requestId: req.requestId },
  };
  return { notify };
}

/** The prompt was answered (here or elsewhere): its notification closes on every device. */
export function resolvedHint(title: string, room: string, requestId: string, decision: string): PushHint {
  const text = decision === "allow" ? "Allowed." : "Denied.";
  return { notify: { class: "resolved", show: { ...show(title, room, text), requestId, closes: true } } };
}

/** A turn runs: if the bridge vanishes before it ends, the relay says so. */
export function turnStartedHint(title: string, room: string): PushHint {
  return { will: { show: show(title, room, "The bridge went offline while Claude was working.") } };
}

/** A turn ended: `turn` (or `error`), with its duration for devices that hear only of long ones. */
export function turnEndedHint(
  title: string,
  room: string,
  r: { ok: boolean; durationMs: number; error?: string | null },
): PushHint {
  const took = duration(r.durationMs);
  const text = r.ok
    ? `Claude finished (${took}).`
    : `The turn failed after ${took}: ${r.error ?? "unknown error"}`;
  return {
    notify: {
      class: r.ok ? "turn" : "error",
      turnMs: Math.max(0, Math.round(r.durationMs)),
      show: show(title, room, text),
    },
    will: null,
  };
}

/** The session itself failed (its Claude process cannot run). */
export function sessionErrorHint(title: string, room: string, detail: string): PushHint {
  return { notify: { class: "error", show: show(title, room, `Session error: ${detail}`) } };
}

function show(title: string, room: string, text: string): PushShow {
  return { title: clip(title || "Claude session", TITLE_MAX), body: clip(text, BODY_MAX), tag: room };
}

function promptText(req: BodyOf<"permission.request">): string {
  if (req.kind === "question") return `Claude asks: ${firstQuestion(req.input) ?? "a question"}`;
  if (req.kind === "plan") return "Claude has a plan for you to review.";
  return `Allow ${req.toolName}${summary(req.input)}?`;
}

function firstQuestion(input: unknown): string | null {
  const questions = (input as { questions?: unknown } | null)?.questions;
  if (!Array.isArray(questions)) return null;
  const q = questions[0] as { question?: unknown } | undefined;
  return typeof q?.question === "string" ? q.question : null;
}

/** The one field that says what a tool call does: a command, a path, a URL, a pattern. */
function summary(input: unknown): string {
  if (typeof input !== "object" || input === null) return "";
  for (const key of ["command", "file_path", "path", "url", "pattern", "description"]) {
    const v = (input as Record<string, unknown>)[key];
    const text = typeof v === "string" ? stripControlChars(v).trim() : "";
    if (text !== "") return `: ${text}`;
  }
  return "";
}

function clip(text: string, max: number): string {
  const flat = stripControlChars(text).replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
