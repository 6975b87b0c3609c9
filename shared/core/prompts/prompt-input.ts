import { z } from "zod";

/**
 * The inputs of the two prompts a person answers rather than allows (docs/protocol.md §9.6.1):
 * `AskUserQuestion` (questions with options) and `ExitPlanMode` (a plan). They come from Claude
 * through the bridge, so they are parsed; one that does not parse falls back to the plain prompt.
 */

const Option = z.object({ label: z.string().min(1), description: z.string().optional().catch(undefined) });

export const Question = z.object({
  question: z.string().min(1),
  header: z.string().optional().catch(undefined),
  options: z.array(Option).max(16),
  multiSelect: z.boolean().optional().catch(undefined),
});
export type Question = z.infer<typeof Question>;

const QuestionInput = z.object({ questions: z.array(Question).min(1).max(8) });

/** The questions of an AskUserQuestion input; null when it is not one this app can show. */
export function questionsOf(input: unknown): Question[] | null {
  const r = QuestionInput.safeParse(input);
  if (!r.success) return null;
  // Answers are keyed by question text: two equal questions could not both be answered.
  const texts = new Set(r.data.questions.map((q) => q.question));
  return texts.size === r.data.questions.length ? r.data.questions : null;
}

/** One question's choice: the option labels picked and, with "Other…", the person's own words. */
export type Choice = { labels: readonly string[]; other: string | null };

/**
 * What a question was answered with, as Claude Code takes it: the label, the person's own words,
 * or for multi-select every picked label (and the own words last) joined with ", ". Null when it
 * is not answered yet.
 */
export function answerOf(q: Question, c: Choice | undefined): string | null {
  if (!c) return null;
  const labels = q.options.map((o) => o.label).filter((l) => c.labels.includes(l));
  const own = c.other?.trim() ? [c.other.trim()] : [];
  const parts = q.multiSelect ? [...labels, ...own] : own.length > 0 ? own : labels.slice(0, 1);
  return parts.length > 0 ? parts.join(", ") : null;
}

/** `answers` for updatedInput (question text → answer); null until every question has one. */
export function answersOf(
  questions: readonly Question[],
  choices: ReadonlyMap<string, Choice>,
): Record<string, string> | null {
  const answers: Record<string, string> = {};
  for (const q of questions) {
    const a = answerOf(q, choices.get(q.question));
    if (a === null) return null;
    answers[q.question] = a;
  }
  return answers;
}

/** The answers an answered question's input carries (its `answers`), by question text. */
export function givenAnswers(input: unknown): Record<string, string> {
  const r = z.object({ answers: z.record(z.string(), z.string()) }).safeParse(input);
  return r.success ? r.data.answers : {};
}

/** The plan of an ExitPlanMode input; null when Claude Code sent none (then the sheet says so). */
export function planOf(input: unknown): string | null {
  const r = z.object({ plan: z.string() }).safeParse(input);
  return r.success && r.data.plan.trim() ? r.data.plan : null;
}
