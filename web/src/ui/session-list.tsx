import { SessionState, type TolerantSessionSummary } from "../../../shared/protocol/index.ts";
import { rememberRoomMachine } from "../lib/credentials.ts";
import { navigate } from "../router.ts";
import type { MachineView } from "../state/machine-fold.ts";
import type { RoomModel } from "../state/room-model.ts";
import { relTime, shortPath } from "./format.ts";
import { useNow } from "./use-now.ts";

/** The machine's sessions: state, title, folder, last activity, the /clear chain; open or end one. */
export function SessionList(p: { model: RoomModel; view: MachineView; machineId: string }) {
  const now = useNow(30_000);
  const sessions = p.view.sessions;
  if (sessions.length === 0)
    return <p class="muted">{p.view.info ? "No sessions yet." : "Loading sessions…"}</p>;
  return (
    <section aria-labelledby="sessions-h">
      <h2 id="sessions-h">Sessions</h2>
      <ul class="list">
        {sessions.map((s) => (
          <SessionRow key={s.room} s={s} now={now} model={p.model} machineId={p.machineId} />
        ))}
      </ul>
    </section>
  );
}

function SessionRow(p: { s: TolerantSessionSummary; now: number; model: RoomModel; machineId: string }) {
  const { s } = p;
  const href = `/s/${s.room}`;
  const open = async (e: MouseEvent) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    await rememberRoomMachine(s.room, p.machineId);
    navigate(href);
  };
  const end = () => {
    if (confirm(`End the session “${s.title}”? Its Claude process stops; the transcript stays.`))
      void p.model.send("machine.end_session", { room: s.room });
  };
  const chain = s.chain ?? [];
  return (
    <li class="session-row">
      <a class="row" href={href} onClick={(e) => void open(e)}>
        <span class="row-top">
          <strong class="title">{s.title}</strong>
          {s.origin === "terminal" ? <span class="badge origin-badge">Terminal</span> : null}
          <span class={`badge state-${s.state}`}>{stateLabel(s.state)}</span>
        </span>
        <span class="sub">
          {shortPath(s.cwd)} · {relTime(s.updatedAt, p.now)}
        </span>
      </a>
      {chain.length > 0 ? (
        <details class="chain">
          <summary>Cleared {chain.length}× — Claude session chain</summary>
          <ol>
            {chain.map((c) => (
              <li key={c.claudeSessionId}>
                <code>{c.claudeSessionId.slice(0, 8)}</code> →{" "}
                <code>{c.transitionedTo?.slice(0, 8) ?? "?"}</code>
              </li>
            ))}
          </ol>
        </details>
      ) : null}
      {s.state !== "ended" ? (
        <button type="button" class="btn small danger" onClick={end} aria-label={`End session ${s.title}`}>
          End
        </button>
      ) : null}
    </li>
  );
}

/** A state this app does not know (a newer bridge's) shows by its name. */
export function stateLabel(state: string): string {
  const known = SessionState.safeParse(state);
  return known.success ? stateLabels[known.data] : state;
}

const stateLabels: Record<SessionState, string> = {
  starting: "starting",
  idle: "idle",
  running: "running",
  awaiting_permission: "needs you",
  sleeping: "sleeping",
  ended: "ended",
  error: "error",
  waiting_limit: "waiting for usage limit",
  waiting_account: "waiting for account",
};
