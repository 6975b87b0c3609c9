import { useLayoutEffect, useRef } from "preact/hooks";
import type { AttachmentRef, TolerantSessionTask } from "../../../../shared/protocol/index.ts";
import { isSubagent, taskOf } from "../../state/agents-fold.ts";
import type { RoomModel } from "../../state/room-model.ts";
import type { Item, SessionView, UserStatus } from "../../state/session-fold.ts";
import { unopenedText } from "../../state/unopened.ts";
import { Notice } from "../common.tsx";
import { cost, duration, PROMPT_KEY } from "../format.ts";
import { FilePreview } from "./attach-tray.tsx";
import { Markdown } from "./markdown.tsx";
import { SubagentCard } from "./subagent-card.tsx";
import { ToolCard } from "./tool-card.tsx";
import { turnLabel } from "./turn-label.ts";

/** Within this distance of the bottom the view follows new content. */
const STICKY_PX = 120;

/** The conversation, following new content while the reader is at the bottom; older pages on demand. */
export function Transcript(p: { model: RoomModel; view: SessionView }) {
  const box = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const before = useRef<{ first: string | undefined; height: number }>({ first: undefined, height: 0 });
  const items = p.view.items;
  const first = items[0]?.key;

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const prev = before.current;
    // Older messages were put above: keep what the reader was looking at in place.
    if (prev.first !== undefined && first !== prev.first && !atBottom.current) {
      el.scrollTop += el.scrollHeight - prev.height;
    } else if (atBottom.current) el.scrollTop = el.scrollHeight;
    before.current = { first, height: el.scrollHeight };
  });

  const onScroll = () => {
    const el = box.current;
    if (el) atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICKY_PX;
  };
  const older = p.model.hasOlder();
  const loading = p.model.loadingOlder.value;
  return (
    <div
      class="transcript"
      ref={box}
      onScroll={onScroll}
      role="log"
      aria-label="Conversation"
      aria-relevant="additions"
    >
      {older ? (
        <button
          type="button"
          class="btn small older"
          disabled={loading}
          onClick={() => void p.model.loadOlder()}
        >
          {loading ? "Loading…" : "Load earlier messages"}
        </button>
      ) : null}
      {items.length === 0 ? <p class="muted center">No messages yet. Say what Claude should do.</p> : null}
      {items.map((it) => (
        <ItemView key={it.key} item={it} tasks={p.view.tasks} />
      ))}
    </div>
  );
}

/** A message's files on every device: previews and names; while this tab uploads them, how far. */
function SentFiles(p: {
  files: readonly AttachmentRef[];
  upload: { done: number; total: number } | undefined;
}) {
  const names = p.files.map((f) => f.name).join(", ");
  return (
    <div class="sent-files">
      <ul class="attach-list" aria-label={`Attached: ${names}`}>
        {p.files.map((f) => (
          <li key={f.id} class="attach-item">
            <FilePreview name={f.name} thumb={f.thumb} bytes={f.bytes} />
          </li>
        ))}
      </ul>
      {p.upload && p.upload.done < p.upload.total ? (
        <label class="upload">
          <span>
            Uploading: {p.upload.done} of {p.upload.total} parts
          </span>
          <progress max={p.upload.total} value={p.upload.done} />
        </label>
      ) : null}
    </div>
  );
}

function ItemView(p: { item: Item; tasks: readonly TolerantSessionTask[] }) {
  const it = p.item;
  switch (it.t) {
    case "user":
      return (
        <div class={`msg user ${it.status}`} data-status={it.status}>
          {it.text || !it.files ? (
            <div class="bubble">{it.initial && !it.text ? initialPrompt(it.mid) : it.text}</div>
          ) : null}
          {it.files ? <SentFiles files={it.files} upload={it.upload} /> : null}
          <div class="meta">{statusText(it.status)}</div>
          {it.note ? <div class="meta warn">{it.note}</div> : null}
        </div>
      );
    case "text":
      return (
        <div class={`msg agent${it.streaming ? " streaming" : ""}`} aria-busy={it.streaming === true}>
          <Markdown text={it.text} />
          {it.truncated ? <p class="muted small">(truncated)</p> : null}
        </div>
      );
    case "thinking":
      return (
        <details class="thinking">
          <summary>Thinking</summary>
          <p>{it.text}</p>
        </details>
      );
    case "tool":
      if (isSubagent(it.tool.name)) {
        const render = (child: Item) => <ItemView key={child.key} item={child} tasks={p.tasks} />;
        return <SubagentCard tool={it.tool} task={taskOf(p.tasks, it.tool.id)} render={render} />;
      }
      return <ToolCard tool={it.tool} />;
    case "turn":
      return <TurnLine item={it} />;
    case "notice":
      return <Notice level={it.notice.level}>{it.notice.text}</Notice>;
    case "transition":
      return (
        <p class="divider">
          Context cleared — new Claude session <code>{it.to.slice(0, 8)}</code>
        </p>
      );
    case "unverified":
      return (
        <p
          class={`unverified${it.reason === "waiting" ? " waiting" : ""}`}
          data-testid="unverified"
          data-reason={it.reason}
          data-mid={it.mid}
        >
          {unopenedText(it.reason)}
        </p>
      );
    case "compacted":
      return (
        <p class="divider">
          Context compacted{it.trigger === "auto" ? " automatically" : ""}:{" "}
          {it.preTokens.toLocaleString("en")} →{" "}
          {it.postTokens === undefined ? "?" : it.postTokens.toLocaleString("en")} tokens
        </p>
      );
  }
}

function TurnLine(p: { item: Extract<Item, { t: "turn" }> }) {
  const r = p.item.result;
  const parts = [duration(r.durationMs)];
  if (r.costUsd !== undefined) parts.push(cost(r.costUsd));
  const label = turnLabel(r);
  return (
    <div class={`turn ${r.ok ? "ok" : "bad"}`} data-testid="turn-result">
      <span aria-hidden="true">{r.ok ? "✓" : "✗"}</span> {label} · {parts.join(" · ")}
      {r.error && !r.ok ? <div class="small">{r.error}</div> : null}
    </div>
  );
}

/** A first prompt whose turn.started named no text (older bridges): this device's copy, if it created the session. */
function initialPrompt(mid: string): string {
  return localStorage.getItem(PROMPT_KEY + mid) ?? "(first prompt, given when the session was created)";
}

function statusText(s: UserStatus): string {
  switch (s) {
    case "sending":
      return "sending…";
    case "sent":
      return "sent";
    case "delivered":
    case "done":
      return "delivered to Claude";
    case "not_run":
      return "not run";
    case "failed":
      return "not sent";
  }
}
