import { useState } from "preact/hooks";
import { answersOf, type Choice, type Question } from "../../../../shared/core/prompts/prompt-input.ts";
import type { TolerantPermissionRequest } from "../../../../shared/protocol/index.ts";
import type { RoomModel } from "../../state/room-model.ts";
import { usePromptAnswer } from "./prompt-answer.ts";
import { PromptSheet } from "./prompt-sheet.tsx";

/** What Claude Code tells Claude when the person declines to answer. */
const DECLINED = "The user chose not to answer these questions.";

/**
 * Claude asks (AskUserQuestion): each question with its header and its options as large choices,
 * one or several as the question says, and "Other…" for the person's own words. The answers go
 * back as the tool's `updatedInput.answers` (docs/protocol.md §9.6.1); a question never offers
 * "Allow for this session".
 */
export function QuestionSheet(p: {
  model: RoomModel;
  req: TolerantPermissionRequest;
  questions: Question[];
  queued: number;
  refusal?: string | undefined;
  onClose?: (() => void) | undefined;
}) {
  const [choices, setChoices] = useState<ReadonlyMap<string, Choice>>(new Map());
  const { busy, error, send, dialog } = usePromptAnswer(p.model, p.req.requestId);
  const answers = answersOf(p.questions, choices);
  const set = (q: string, c: Choice) => setChoices(new Map(choices).set(q, c));
  const submit = () => {
    if (!answers) return;
    const input = typeof p.req.input === "object" && p.req.input !== null ? p.req.input : {};
    void send({ decision: "allow", updatedInput: { ...input, answers } });
  };
  const one = p.questions.length === 1;
  return (
    <PromptSheet
      dialog={dialog}
      id="question"
      class="question-sheet"
      title={one ? "Claude has a question" : "Claude has questions"}
      queued={p.queued}
      onClose={p.onClose}
    >
      <div class="sheet-body">
        {p.questions.map((q, i) => (
          <QuestionField
            key={q.question}
            index={i}
            q={q}
            choice={choices.get(q.question)}
            disabled={busy}
            onChange={(c) => set(q.question, c)}
          />
        ))}
      </div>
      {error || p.refusal ? (
        <p class="error" role="alert">
          {error ?? `The bridge refused the answer: ${p.refusal}`}
        </p>
      ) : null}
      <div class="sheet-actions">
        <button
          type="button"
          class="btn"
          disabled={busy}
          onClick={() => void send({ decision: "deny", message: DECLINED })}
        >
          Don't answer
        </button>
        <button type="button" class="btn primary" disabled={busy || !answers} onClick={submit}>
          {one ? "Send answer" : "Send answers"}
        </button>
      </div>
    </PromptSheet>
  );
}

/** One question: radio-like choices, or checkbox-like ones for multi-select, then "Other…". */
function QuestionField(p: {
  index: number;
  q: Question;
  choice: Choice | undefined;
  disabled: boolean;
  onChange(c: Choice): void;
}) {
  const { q, index } = p;
  const multi = q.multiSelect === true;
  const labels = p.choice?.labels ?? [];
  const other = p.choice?.other ?? null;
  const type = multi ? "checkbox" : "radio";
  const name = `question-${index}`;
  const pick = (label: string) =>
    p.onChange(
      multi
        ? { labels: labels.includes(label) ? labels.filter((l) => l !== label) : [...labels, label], other }
        : { labels: [label], other: null },
    );
  const toggleOther = () =>
    p.onChange(multi ? { labels, other: other === null ? "" : null } : { labels: [], other: other ?? "" });
  return (
    <fieldset class="question" disabled={p.disabled}>
      <legend>
        {q.header ? <span class="q-header">{q.header}</span> : null}
        <span class="q-text">{q.question}</span>
        {multi ? <span class="muted small"> Choose any.</span> : null}
      </legend>
      {q.options.map((o) => (
        <label key={o.label} class="choice">
          <input type={type} name={name} checked={labels.includes(o.label)} onChange={() => pick(o.label)} />
          <span class="choice-text">
            <span class="choice-label">{o.label}</span>
            {o.description ? <span class="muted small">{o.description}</span> : null}
          </span>
        </label>
      ))}
      <label class="choice">
        <input type={type} name={name} checked={other !== null} onChange={toggleOther} />
        <span class="choice-text">
          <span class="choice-label">Other…</span>
        </span>
      </label>
      {other !== null ? (
        <input
          class="other-text"
          aria-label={`Your own answer: ${q.question}`}
          placeholder="Your answer"
          value={other}
          onInput={(e) => p.onChange({ labels: multi ? labels : [], other: e.currentTarget.value })}
        />
      ) : null}
    </fieldset>
  );
}
