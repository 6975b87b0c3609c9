import { stripControlChars, stripControlCharsByLine } from "../../shared/core/util/text.ts";
import { type Kind, kinds, type ReadOf, type StoredMsg } from "../../shared/protocol/index.ts";
import { type OpenPrompt, PromptBook } from "./prompts.ts";

/** Where the transcript goes: stdout in `tether attach`, a buffer in tests. */
export type Out = (text: string) => void;

const MAX_TOOL_LINES = 6;
const QUIET_STATES = new Set(["starting", "running", "idle", "awaiting_permission", "sleeping"]);

/**
 * A session room as text in a terminal (docs/protocol.md §9): every stored message printed once,
 * in seq order, streamed text as it comes, prompts with the keys that answer them. Bodies come from
 * the room, so each is parsed with its kind's tolerant schema and its text stripped of control
 * characters; a body that does not parse is named and skipped.
 */
export class Transcript {
  readonly prompts = new PromptBook();
  #out: Out;
  /** Printed so far of each streamed block (`messageId:index`), and blocks seen per message id. */
  #streamed = new Map<string, number>();
  #blocks = new Map<string, number>();
  /** A streamed line is open (no newline yet). */
  #open = false;
  #lastState: string | null = null;
  #seen = new Set<number>();

  constructor(out: Out) {
    this.#out = out;
  }

  /** One stored message; a seq printed before (a replay after a reconnect) is passed over. */
  message(m: StoredMsg): void {
    if (this.#seen.has(m.seq)) return;
    this.#seen.add(m.seq);
    const kind = m.kind as Kind;
    const spec = kinds[kind];
    if (!spec) return;
    const parsed = spec.read.safeParse(m.body);
    if (!parsed.success)
      return this.line(`! a ${clip(m.kind, 40)} message (seq ${m.seq}) does not parse; skipped`);
    this.#show(kind, parsed.data, m);
  }

  unverifiable(m: StoredMsg, reason: string): void {
    this.line(
      `! message ${m.seq} (${clip(m.kind, 40)}) does not open end to end (${clip(reason, 80)}); not shown`,
    );
  }

  /** Streamed text (agent.delta): printed as it comes, so the final message prints only the rest. */
  delta(body: unknown): void {
    const d = kinds["agent.delta"].read.safeParse(body);
    if (!d.success) return;
    const key = `${d.data.messageId}:${d.data.index}`;
    const printed = this.#streamed.get(key) ?? 0;
    if (d.data.offset !== printed || d.data.text === "") return;
    if (printed === 0) this.#startLine("claude › ");
    this.#out(stripControlCharsByLine(d.data.text));
    this.#streamed.set(key, printed + d.data.text.length);
  }

  line(text: string): void {
    this.#endStream();
    this.#out(`${text}\n`);
  }

  #show<K extends Kind>(kind: K, body: ReadOf<K>, m: StoredMsg): void {
    const b = body as ReadOf<Kind>;
    switch (kind) {
      case "session.info":
        return this.#info(b as ReadOf<"session.info">);
      case "session.status":
        return this.#status(b as ReadOf<"session.status">);
      case "user.message":
        return this.#user(b as ReadOf<"user.message">, m.role === "controller");
      case "turn.started": {
        const t = b as ReadOf<"turn.started">;
        return t.text ? this.line(`you › ${text(t.text)}`) : undefined;
      }
      case "agent.message":
        return this.#agent(b as ReadOf<"agent.message">);
      case "tool.result":
        return this.#toolResult(b as ReadOf<"tool.result">);
      case "permission.request":
        return this.#ask(this.prompts.asked(b as ReadOf<"permission.request">));
      case "permission.resolved":
        return this.#resolved(b as ReadOf<"permission.resolved">);
      case "turn.result":
        return this.#result(b as ReadOf<"turn.result">);
      case "session.notice": {
        const n = b as ReadOf<"session.notice">;
        return this.line(`${n.level === "info" ? "·" : "!"} ${text(n.text)}`);
      }
      case "session.transition":
        return this.line("· the conversation was cleared (/clear); a new Claude session goes on here");
      default:
        return;
    }
  }

  #info(i: ReadOf<"session.info">): void {
    if (this.#lastState !== null) return;
    this.line(
      `== ${clip(i.title, 120)} — ${clip(i.cwd, 200)}${i.origin === "terminal" ? " (terminal)" : ""}`,
    );
  }

  #status(s: ReadOf<"session.status">): void {
    if (s.state === this.#lastState) return;
    this.#lastState = s.state;
    // Routine states say nothing: a prompt, a reply or a result shows them already.
    if (QUIET_STATES.has(s.state)) return;
    this.line(`· ${clip(s.state, 40)}${s.detail ? `: ${clip(s.detail, 200)}` : ""}`);
  }

  #user(u: ReadOf<"user.message">, fromController: boolean): void {
    const files = u.attachments?.length ? ` (+${u.attachments.length} attached)` : "";
    this.line(`${fromController ? "you" : "?"} › ${text(u.text)}${files}`);
  }

  #agent(a: ReadOf<"agent.message">): void {
    const sub = a.parentToolUseId ? "  (subagent) " : "";
    for (const block of a.blocks) {
      const index = this.#blocks.get(a.id) ?? 0;
      this.#blocks.set(a.id, index + 1);
      if (block.type === "text") this.#text(`${a.id}:${index}`, block.text, sub);
      else if (block.type === "tool_use")
        this.line(`${sub}⏺ ${clip(block.name, 60)}(${toolSummary(block.input)})`);
    }
  }

  #text(key: string, full: string, sub: string): void {
    const printed = this.#streamed.get(key) ?? 0;
    if (printed > 0 && this.#open) {
      this.#out(stripControlCharsByLine(full.slice(printed)));
      this.#streamed.delete(key);
      return this.#endStream();
    }
    this.line(`${sub}claude › ${text(full)}`);
  }

  #toolResult(r: ReadOf<"tool.result">): void {
    const lines = stripControlCharsByLine(r.content).split("\n");
    const shown = lines.slice(0, MAX_TOOL_LINES).map((l) => `  ⎿ ${clip(l, 200)}`);
    if (lines.length > MAX_TOOL_LINES) shown.push(`  ⎿ … ${lines.length - MAX_TOOL_LINES} more lines`);
    if (r.isError) shown[0] = `  ⎿ error: ${clip(lines[0] ?? "", 200)}`;
    this.line(shown.join("\n"));
  }

  #ask(p: OpenPrompt): void {
    if (p.kind === "question" && p.questions) {
      const qs = p.questions.map((q, i) => {
        const opts = q.options.map(
          (o, j) =>
            `    ${j + 1}. ${clip(o.label, 100)}${o.description ? ` — ${clip(o.description, 160)}` : ""}`,
        );
        const many = q.multiSelect ? " (one or more, e.g. 1,3)" : "";
        return [
          `? ${i + 1}/${p.questions?.length}: ${text(q.question)}${many}`,
          ...opts,
          "    or type your own answer",
        ].join("\n");
      });
      return this.line(qs.join("\n"));
    }
    if (p.kind === "plan") {
      return this.line(
        `? Claude's plan:\n${text(p.plan ?? "(no plan text)")}\n  [y] approve, ask before edits  [e] approve, accept edits  [n <feedback>] keep planning`,
      );
    }
    const always = p.sessionGrant ? `  [a] allow ${clip(p.sessionGrant, 120)}` : "";
    this.line(
      `? Claude wants to use ${clip(p.toolName, 60)}(${toolSummary(p.input)})\n  [y] allow${always}  [n <reason>] deny`,
    );
  }

  #resolved(r: ReadOf<"permission.resolved">): void {
    if (!this.prompts.resolved(r.requestId)) return;
    const who =
      r.by === "terminal"
        ? " in the terminal"
        : r.by === "timeout"
          ? " (timed out)"
          : r.by === "cancelled"
            ? " (cancelled)"
            : "";
    this.line(
      `· ${r.decision === "allow" ? "allowed" : "denied"}${who}${r.granted ? `: ${clip(r.granted, 120)}` : ""}`,
    );
  }

  #result(r: ReadOf<"turn.result">): void {
    const secs = (r.durationMs / 1000).toFixed(1);
    if (r.ok) return this.line(`· done in ${secs} s`);
    this.line(`! turn ended: ${clip(r.subtype, 60)}${r.error ? ` — ${clip(r.error, 200)}` : ""}`);
  }

  #startLine(prefix: string): void {
    this.#endStream();
    this.#out(prefix);
    this.#open = true;
  }

  #endStream(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#out("\n");
  }
}

/** Untrusted text for one terminal line: control characters out, length bounded. */
function clip(s: string, max: number): string {
  const clean = stripControlChars(s);
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** A message's text: lines kept, control characters out. */
function text(s: string): string {
  return stripControlCharsByLine(s);
}

/** A tool input in a few words: its path, command or pattern when it has one. */
export function toolSummary(input: unknown): string {
  if (typeof input !== "object" || input === null) return "";
  const rec = input as Record<string, unknown>;
  for (const key of ["file_path", "command", "pattern", "path", "url", "description"]) {
    const v = rec[key];
    if (typeof v === "string") return clip(v, 120);
  }
  return "";
}
