import { planOf, type Question, questionsOf } from "../../shared/core/prompts/prompt-input.ts";
import { type PromptKind, promptKind, type TolerantPermissionRequest } from "../../shared/protocol/index.ts";

/** A prompt waiting for an answer, as the terminal client asks it. */
export type OpenPrompt = {
  requestId: string;
  kind: PromptKind;
  toolName: string;
  input: unknown;
  sessionGrant: string | undefined;
  /** A question's questions (null: shown and answered as a plain tool prompt). */
  questions: Question[] | null;
  plan: string | null;
};

export function openPrompt(req: TolerantPermissionRequest): OpenPrompt {
  const kind = promptKind(req);
  const questions = kind === "question" ? questionsOf(req.input) : null;
  return {
    requestId: req.requestId,
    kind: kind === "question" && !questions ? "tool" : kind,
    toolName: req.toolName,
    input: req.input,
    sessionGrant: req.sessionGrant,
    questions,
    plan: kind === "plan" ? planOf(req.input) : null,
  };
}

/**
 * The prompts of a room still waiting, oldest first: a request opens one, its `permission.resolved`
 * closes it (whoever answered: this terminal, a phone, the terminal Claude runs in, a timeout).
 */
export class PromptBook {
  #open = new Map<string, OpenPrompt>();
  /** Answered from here, not resolved yet: a next line is not taken as a second answer. */
  #answered = new Set<string>();

  asked(req: TolerantPermissionRequest): OpenPrompt {
    const p = openPrompt(req);
    this.#open.set(p.requestId, p);
    return p;
  }

  resolved(requestId: string): boolean {
    this.#answered.delete(requestId);
    return this.#open.delete(requestId);
  }

  answered(requestId: string): void {
    if (this.#open.has(requestId)) this.#answered.add(requestId);
  }

  /** The prompt a typed line answers: the oldest still open that this terminal has not answered. */
  first(): OpenPrompt | null {
    for (const p of this.#open.values()) if (!this.#answered.has(p.requestId)) return p;
    return null;
  }

  get size(): number {
    return this.#open.size;
  }
}
