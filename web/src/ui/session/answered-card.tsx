import {
  givenAnswers,
  planOf,
  type Question,
  questionsOf,
} from "../../../../shared/core/prompts/prompt-input.ts";
import { promptKindOf } from "../../../../shared/protocol/index.ts";
import type { ToolCall } from "../../state/session-fold.ts";
import { Markdown } from "./markdown.tsx";
import { PLAN_MODES } from "./plan-sheet.tsx";

/**
 * A question or a plan in the transcript, in words rather than as a tool's JSON: each question with
 * the answer it got, or the plan with its outcome (approved, and in which mode; or sent back, with
 * the feedback Claude got). Null for any other tool, or an input this app cannot read.
 */
export function answeredCard(t: ToolCall) {
  const kind = promptKindOf(t.name);
  const questions = kind === "question" ? questionsOf(t.input) : null;
  if (questions) return <QuestionCard tool={t} questions={questions} />;
  if (kind === "plan") return <PlanCard tool={t} />;
  return null;
}

function QuestionCard(p: { tool: ToolCall; questions: Question[] }) {
  const { tool: t, questions } = p;
  const answers = t.decision?.decision === "allow" ? givenAnswers(t.decision.input) : {};
  const denied = t.decision?.decision === "deny";
  const badge = t.decision ? (denied ? "not answered" : "answered") : null;
  return (
    <article
      class={`tool answered-card ${denied ? "denied" : "done"}`}
      aria-label={`Question: ${questions[0]?.question}`}
    >
      <header class="tool-head">
        <span class="tool-name">{questions.length === 1 ? "Question" : "Questions"}</span>
        <span class="tool-sum">{questions.map((q) => q.header ?? q.question).join(" · ")}</span>
        {badge ? (
          <span class={`badge ${denied ? "deny" : "allow"}`}>
            {t.decision?.by === "cancelled" ? "cancelled" : badge}
          </span>
        ) : null}
      </header>
      <dl class="qa">
        {questions.map((q) => (
          <div key={q.question}>
            <dt>{q.question}</dt>
            <dd>{answers[q.question] ?? (t.decision ? "—" : "…")}</dd>
          </div>
        ))}
      </dl>
      {t.decision ? null : <p class="muted small">{t.asking ? "waiting for your answer…" : "asking…"}</p>}
    </article>
  );
}

function PlanCard(p: { tool: ToolCall }) {
  const t = p.tool;
  const plan = planOf(t.input);
  const d = t.decision;
  const approved = d?.decision === "allow";
  const badge = !d ? null : approved ? "approved" : d.by === "cancelled" ? "cancelled" : "kept planning";
  const title = plan ? firstLine(plan) : "Claude's plan";
  return (
    <article class={`tool answered-card ${d && !approved ? "denied" : "done"}`} aria-label={`Plan: ${title}`}>
      <header class="tool-head">
        <span class="tool-name">Plan</span>
        <span class="tool-sum">{title}</span>
        {badge ? <span class={`badge ${approved ? "allow" : "deny"}`}>{badge}</span> : null}
      </header>
      {plan ? (
        <details class="tool-input">
          <summary>The plan</summary>
          <Markdown text={plan} class="plan-md" />
        </details>
      ) : null}
      <p class="small plan-outcome">{outcome(t)}</p>
    </article>
  );
}

function outcome(t: ToolCall): string {
  const d = t.decision;
  if (!d) return t.asking ? "waiting for your approval…" : "asking…";
  if (d.decision === "allow") {
    const mode = PLAN_MODES.find((m) => m.mode === d.mode)?.label ?? d.mode;
    return mode ? `Approved; Claude continues with "${mode}".` : "Approved.";
  }
  if (d.by === "cancelled") return `Cancelled${d.reason ? `: ${d.reason}` : ""}.`;
  // A deny's message reaches Claude as the tool's error result: the feedback, word for word.
  const feedback = t.result?.isError ? t.result.content : null;
  return feedback ? `Sent back to keep planning: ${feedback}` : "Sent back to keep planning.";
}

/** The plan's first line without markdown heading marks, as its title. */
function firstLine(plan: string): string {
  const line = plan.split("\n").find((l) => l.trim()) ?? "";
  const text = line.replace(/^#+\s*/, "").trim();
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}
