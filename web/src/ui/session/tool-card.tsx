import { describe, nestedDeeper } from "../../../../shared/core/util/describe.ts";
import { Limits } from "../../../../shared/protocol/index.ts";
import type { ToolCall } from "../../state/session-fold.ts";
import { answeredCard } from "./answered-card.tsx";
import { DiffView, filePathOf, isDiffTool } from "./diff-view.tsx";

/** Output longer than this starts collapsed. */
const LONG_CHARS = 600;
const LONG_LINES = 12;

/** A tool call as a compact card: what it does, a diff for edits, its result (collapsed when long). */
export function ToolCard(p: { tool: ToolCall }) {
  const t = p.tool;
  const answered = answeredCard(t);
  if (answered) return answered;
  const state = t.result
    ? t.result.isError
      ? "error"
      : "done"
    : t.decision?.decision === "deny"
      ? "denied"
      : t.interrupted
        ? "interrupted"
        : "running";
  return (
    <article class={`tool ${state}`} aria-label={`${t.name}: ${summary(t.name, t.input)}`}>
      <header class="tool-head">
        <span class="tool-name">{t.name}</span>
        <span class="tool-sum">{summary(t.name, t.input)}</span>
        {t.decision ? (
          <span class={`badge ${t.decision.decision}`}>
            {t.decision.decision === "allow"
              ? t.decision.edited
                ? "allowed with edits"
                : "allowed"
              : t.decision.by === "cancelled"
                ? "cancelled"
                : "denied"}
          </span>
        ) : null}
      </header>
      <ToolInput name={t.name} input={t.input} />
      {t.decision?.edited ? (
        <div class="ran-with-edits">
          <span class="small muted">What ran (edited when it was allowed)</span>
          <ToolInput name={t.name} input={t.decision.input} />
        </div>
      ) : null}
      {t.result ? (
        <Output text={t.result.content} isError={t.result.isError} truncated={t.result.truncated === true} />
      ) : null}
      {state === "interrupted" ? (
        <p class="muted small">interrupted before its result: it may or may not have run</p>
      ) : null}
      {!t.result && state === "running" ? (
        <p class="muted small">{t.asking ? "waiting for permission…" : "running…"}</p>
      ) : null}
    </article>
  );
}

export function ToolInput(p: { name: string; input: unknown }) {
  if (isDiffTool(p.name, p.input)) return <DiffView name={p.name} input={p.input} />;
  const command = stringField(p.input, "command");
  if (p.name === "Bash" && command !== null) return <pre class="cmd">$ {command}</pre>;
  if (p.input === null || p.input === undefined) return null;
  // A body stored before the relay's depth limit could overflow the stack: described, not printed.
  const json = nestedDeeper(p.input, Limits.bodyDepth) ? describe(p.input) : JSON.stringify(p.input, null, 2);
  if (json === "{}") return null;
  return (
    <details class="tool-input">
      <summary>Input</summary>
      <pre>{json}</pre>
    </details>
  );
}

function Output(p: { text: string; isError: boolean; truncated: boolean }) {
  const lines = p.text.split("\n").length;
  const long = p.text.length > LONG_CHARS || lines > LONG_LINES;
  const label = `${p.isError ? "Error" : "Output"}${p.truncated ? " (truncated)" : ""}`;
  if (p.text.length === 0) return <p class="muted small">{label}: (empty)</p>;
  if (!long)
    return (
      <div class={`output ${p.isError ? "err" : ""}`}>
        <span class="small muted">{label}</span>
        <pre>{p.text}</pre>
      </div>
    );
  return (
    <details class={`output ${p.isError ? "err" : ""}`}>
      <summary>
        {label}: {lines} lines
      </summary>
      <pre>{p.text}</pre>
    </details>
  );
}

/** One line that says what the call is about. */
export function summary(name: string, input: unknown): string {
  const path = filePathOf(input);
  if (path) return path;
  for (const key of ["command", "pattern", "url", "query", "description", "path"]) {
    const v = stringField(input, key);
    if (v !== null) return v.length > 120 ? `${v.slice(0, 117)}…` : v;
  }
  return name;
}

function stringField(input: unknown, key: string): string | null {
  if (typeof input !== "object" || input === null) return null;
  const v = (input as Record<string, unknown>)[key];
  return typeof v === "string" ? v : null;
}
