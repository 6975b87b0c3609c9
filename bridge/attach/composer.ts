import { answerOf, type Choice, type Question } from "../../shared/core/prompts/prompt-input.ts";
import type { PermissionResponse } from "../../shared/protocol/index.ts";
import type { OpenPrompt } from "./prompts.ts";

/** What a typed line does. */
export type LineAction =
  | { type: "send"; kind: "user.message"; body: { text: string } }
  | { type: "send"; kind: "permission.response"; body: PermissionResponse }
  | { type: "send"; kind: "session.interrupt"; body: Record<string, never> }
  /** One of several questions answered; the next is asked. */
  | { type: "next"; text: string }
  | { type: "say"; text: string }
  | { type: "quit" }
  | { type: "none" };

export const COMPOSER_HELP = `Type a message and press Enter to send it to Claude.
While a prompt waits, a line answers it: y (allow), a (allow for this session, when offered),
n [reason] (deny); for a question, an option's number (1,3 for several) or your own words;
for a plan, y (approve), e (approve and accept edits), n [feedback] (keep planning).
  /interrupt   stop Claude's current turn
  /quit        leave (Ctrl-D too); the session goes on
  /help        this text`;

/**
 * Turns typed lines into messages for the room: the oldest waiting prompt takes the line as its
 * answer; otherwise it is a message to Claude. A question with several parts collects an answer
 * per part before anything is sent.
 */
export class Composer {
  /** Answers given so far to the open question's parts, by prompt. */
  #choices = new Map<string, Map<string, Choice>>();

  line(raw: string, prompt: OpenPrompt | null): LineAction {
    const text = raw.trim();
    if (text === "") return { type: "none" };
    if (text === "/quit" || text === "/exit") return { type: "quit" };
    if (text === "/help") return { type: "say", text: COMPOSER_HELP };
    if (text === "/interrupt") return { type: "send", kind: "session.interrupt", body: {} };
    if (!prompt) return { type: "send", kind: "user.message", body: { text: raw.trimEnd() } };
    if (prompt.kind === "question" && prompt.questions) return this.#question(prompt, prompt.questions, text);
    if (prompt.kind === "plan") return plan(prompt.requestId, text);
    return tool(prompt, text);
  }

  #question(p: OpenPrompt, questions: Question[], text: string): LineAction {
    if (/^n(o)?$/i.test(text))
      return respond({ requestId: p.requestId, decision: "deny", message: "The person declined to answer." });
    const got = this.#choices.get(p.requestId) ?? new Map<string, Choice>();
    const q = questions.find((x) => !got.has(x.question));
    if (!q) return { type: "none" };
    const choice = choiceOf(q, text);
    if (!choice)
      return {
        type: "say",
        text: `Pick 1–${q.options.length}${q.multiSelect ? " (several: 1,3)" : ""} or type your own answer.`,
      };
    got.set(q.question, choice);
    this.#choices.set(p.requestId, got);
    const next = questions.find((x) => !got.has(x.question));
    if (next) return { type: "next", text: `? next: ${next.question}` };
    this.#choices.delete(p.requestId);
    const answers: Record<string, string> = {};
    for (const x of questions) answers[x.question] = answerOf(x, got.get(x.question)) ?? "";
    const input = typeof p.input === "object" && p.input !== null ? p.input : {};
    return respond({ requestId: p.requestId, decision: "allow", updatedInput: { ...input, answers } });
  }
}

/** Numbers pick options (several only for a multi-select question); other words are the person's own. */
function choiceOf(q: Question, text: string): Choice | null {
  if (!/^\d+(\s*,\s*\d+)*$/.test(text)) return { labels: [], other: text };
  const picked = text.split(",").map((n) => Number(n.trim()));
  if (picked.some((n) => n < 1 || n > q.options.length)) return null;
  if (picked.length > 1 && !q.multiSelect) return null;
  return { labels: picked.map((n) => q.options[n - 1]?.label ?? ""), other: null };
}

function plan(requestId: string, text: string): LineAction {
  if (/^y(es)?$/i.test(text)) return respond({ requestId, decision: "allow", mode: "default" });
  if (/^e$/i.test(text)) return respond({ requestId, decision: "allow", mode: "acceptEdits" });
  const no = /^n(o)?(\s+(.*))?$/is.exec(text);
  if (no) return respond({ requestId, decision: "deny", message: no[3]?.trim() || "Keep planning." });
  return {
    type: "say",
    text: "Answer y (approve), e (approve, accept edits) or n <feedback>; /help for more.",
  };
}

function tool(p: OpenPrompt, text: string): LineAction {
  const requestId = p.requestId;
  if (/^y(es)?$/i.test(text)) return respond({ requestId, decision: "allow" });
  if (/^a(lways)?$/i.test(text)) {
    if (!p.sessionGrant) return { type: "say", text: "This prompt offers no session grant: y or n." };
    return respond({ requestId, decision: "allow", remember: true });
  }
  const no = /^n(o)?(\s+(.*))?$/is.exec(text);
  if (no) {
    const reason = no[3]?.trim();
    return respond({ requestId, decision: "deny", ...(reason ? { message: reason } : {}) });
  }
  return { type: "say", text: `Answer y${p.sessionGrant ? ", a" : ""} or n [reason] first; /help for more.` };
}

function respond(body: PermissionResponse): LineAction {
  return { type: "send", kind: "permission.response", body };
}
