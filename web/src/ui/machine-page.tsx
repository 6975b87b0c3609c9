import { useComputed } from "@preact/signals";
import { useEffect, useState } from "preact/hooks";
import type { CreateSession } from "../../../shared/protocol/index.ts";
import { rememberRoomMachine } from "../lib/credentials.ts";
import { PENDING_KEY, PROMPT_KEY } from "../lib/storage-keys.ts";
import { navigate } from "../router.ts";
import { forgotten } from "../state/forgotten.ts";
import { machineName } from "../state/inbox.ts";
import { foldMachine, type MachineView } from "../state/machine-fold.ts";
import type { RoomModel } from "../state/room-model.ts";
import { unopenedReason } from "../state/unopened.ts";
import { AccountBanner } from "./account-banner.tsx";
import { AppNotices } from "./app-notices.tsx";
import { Centered, ConnectionBar, ForgottenNote, Notice, TopBar } from "./common.tsx";
import { HealthSheet } from "./health-sheet.tsx";
import { useRoom } from "./hooks.ts";
import { InboxLink } from "./inbox-link.tsx";
import { NewSessionForm } from "./new-session-form.tsx";
import { PushSettings } from "./push-settings.tsx";
import { ResumePanel } from "./resume-panel.tsx";
import { SessionList } from "./session-list.tsx";

/** A paired machine: its sessions, and new or resumed ones. */
export function MachinePage(p: { machineId: string }) {
  const room = `m-${p.machineId}`;
  const h = useRoom(room, "machine.info");
  if (h.missing)
    return (
      <Centered>
        <h1>Not paired</h1>
        <p>
          This phone is not paired with that machine. Run <code>tether pair</code> on it and open the link.
        </p>
      </Centered>
    );
  if (!h.model) return <Centered>Opening…</Centered>;
  return <MachineBody model={h.model} machineId={p.machineId} />;
}

function MachineBody(p: { model: RoomModel; machineId: string }) {
  const view = useComputed(() => foldMachine(p.model.msgs.value)).value;
  const [panel, setPanel] = useState<"none" | "new" | "resume">("none");
  const create = usePendingCreate(p.model, view, p.machineId);
  const conn = p.model.conn.value;
  const info = view.info;
  return (
    <>
      <TopBar
        title={machineName(p.machineId, view)}
        subtitle={info ? [info.hostname, info.platform].filter(Boolean).join(" · ") : p.machineId}
        back="/machines"
      >
        <InboxLink />
      </TopBar>
      <ConnectionBar model={p.model} lastBridgeAt={view.lastBridgeAt} />
      <AppNotices />
      <main class="page">
        {conn.kind === "fatal" && conn.code === 4001 ? <Revoked machineId={p.machineId} /> : null}
        <AccountBanner model={p.model} account={view.account} />
        <UnverifiedNote model={p.model} />
        <div class="actions">
          <button
            type="button"
            class="btn primary"
            aria-expanded={panel === "new"}
            onClick={() => setPanel(panel === "new" ? "none" : "new")}
          >
            New session
          </button>
          <button
            type="button"
            class="btn"
            aria-expanded={panel === "resume"}
            onClick={() => setPanel(panel === "resume" ? "none" : "resume")}
          >
            Resume…
          </button>
        </div>
        {create.error ? <Notice level="error">{create.error}</Notice> : null}
        {create.waiting ? (
          <Notice level="info">
            <span aria-live="polite">Starting the session… (waiting for the bridge)</span>
          </Notice>
        ) : null}
        {panel === "new" ? (
          <NewSessionForm roots={info?.roots ?? []} busy={create.waiting} onSubmit={create.start} />
        ) : null}
        {panel === "resume" ? (
          <ResumePanel model={p.model} view={view} busy={create.waiting} onResume={create.start} />
        ) : null}
        <SessionList model={p.model} view={view} machineId={p.machineId} />
        <PushSettings machineId={p.machineId} />
        <HealthSheet health={view.health} />
        {view.general.map((n) => (
          <Notice key={`${n.code}:${n.text}`} level={n.level}>
            {n.text}
          </Notice>
        ))}
      </main>
    </>
  );
}

/**
 * A create_session request in flight. Its mid is kept in sessionStorage, so after a reload the
 * page still follows it to the new session (or shows the bridge's refusal).
 */
function usePendingCreate(model: RoomModel, view: MachineView, machineId: string) {
  const key = PENDING_KEY + machineId;
  const [mid, setMid] = useState<string | null>(sessionStorage.getItem(key));
  const [error, setError] = useState<string | null>(null);
  const room = mid ? view.created.get(mid) : undefined;
  const notice = mid ? view.notices.get(mid) : undefined;
  useEffect(() => {
    if (!mid || (!room && !notice)) return;
    sessionStorage.removeItem(key);
    setMid(null);
    if (notice) setError(`The bridge refused: ${notice.text}`);
    if (room) void rememberRoomMachine(room, machineId).then(() => navigate(`/s/${room}`));
  }, [mid, room, notice, key, machineId]);
  const start = async (req: CreateSession) => {
    setError(null);
    const r = await model.send("machine.create_session", req);
    if (!r.ok) return setError(`Could not queue the request: ${r.message}`);
    sessionStorage.setItem(key, r.mid);
    if (req.prompt) localStorage.setItem(PROMPT_KEY + r.mid, req.prompt);
    setMid(r.mid);
  };
  return { start, waiting: mid !== null && !room && !notice, error };
}

function Revoked(p: { machineId: string }) {
  return (
    <Notice level="error">
      This phone's pairing was revoked, and the share links it made with it. Pair again with{" "}
      <code>tether pair</code>. <ForgottenNote done={forgotten.value.has(p.machineId)} />
    </Notice>
  );
}

/**
 * Machine-room messages this phone could not open (docs/protocol.md §12.3): said, never applied.
 * Right after pairing the machine's key is still on its way (the bridge grants it once it has
 * checked this phone's enroll): that is said as waiting, not as a failure.
 */
function UnverifiedNote(p: { model: RoomModel }) {
  const reasons = useComputed(() =>
    p.model.msgs.value.flatMap((m) => {
      const r = unopenedReason(m.body);
      return r ? [r] : [];
    }),
  ).value;
  const failed = reasons.filter((r) => r !== "waiting" && r !== "unknown_key");
  const keyless = reasons.length > failed.length;
  return (
    <>
      {keyless ? (
        <Notice level="info">
          Waiting for the machine's key: the bridge sends it once it has checked this pairing.
        </Notice>
      ) : null}
      {failed.length > 0 ? (
        <Notice level="warn">
          {failed.length === 1 ? "A message" : `${failed.length} messages`} from this machine could not be
          verified ({[...new Set(failed)].join(", ")}) and {failed.length === 1 ? "was" : "were"} ignored.
        </Notice>
      ) : null}
    </>
  );
}
