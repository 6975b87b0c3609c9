import { useComputed } from "@preact/signals";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { StoredMsg } from "../../../../shared/protocol/frames.ts";
import type { TolerantMachineWorkspace } from "../../../../shared/protocol/workspace.ts";
import { readBody } from "../../state/bodies.ts";
import { foldMachine } from "../../state/machine-fold.ts";
import type { RoomModel } from "../../state/room-model.ts";
import { type Asked, WorkspaceAsker, workspacePort } from "../../state/workspace-asker.ts";
import { Centered, ConnectionBar, Notice, TopBar } from "../common.tsx";
import { shortPath } from "../format.ts";
import { useRoom } from "../hooks.ts";
import { PagedText } from "./paged-text.tsx";

type Status = Extract<TolerantMachineWorkspace, { what: "status" }>;
type Opened = { path: string; what: "diff" | "file" };

/**
 * /s/<room>/changes: the session folder's git status, a file's diff and a file's text, read-only
 * (docs/protocol.md §9.3.1). Asked through the machine room, so only a phone paired with the
 * machine sees it; refreshed after each turn and on demand. Its own chunk, loaded when opened.
 */
export function ChangesPage(p: { room: string }) {
  const h = useRoom(p.room, "session.info");
  const machineId = h.model?.cred.kind === "device" ? h.model.cred.machineId : null;
  if (h.missing) return <Centered>This device has no key for that session.</Centered>;
  if (!h.model) return <Centered>Opening…</Centered>;
  if (!machineId)
    return (
      <Centered>
        <p>Only a phone paired with the session's machine can see its changes.</p>
        <a href={`/s/${p.room}`}>Back to the session</a>
      </Centered>
    );
  return <WithMachine session={h.model} machineId={machineId} />;
}

function WithMachine(p: { session: RoomModel; machineId: string }) {
  const m = useRoom(`m-${p.machineId}`, "machine.info");
  if (m.missing) return <Centered>This phone is not paired with the session's machine.</Centered>;
  if (!m.model) return <Centered>Opening…</Centered>;
  return <Changes session={p.session} machine={m.model} />;
}

function Changes(p: { session: RoomModel; machine: RoomModel }) {
  const cwd = useComputed(() => sessionCwd(p.session.msgs.value)).value;
  // A finished turn may have changed files: the status and the open file are asked again.
  const turns = useComputed(() => p.session.msgs.value.filter((m) => m.kind === "turn.result").length).value;
  const lastBridgeAt = useComputed(() => foldMachine(p.machine.msgs.value).lastBridgeAt).value;
  const asker = useMemo(() => new WorkspaceAsker(workspacePort(p.machine)), [p.machine]);
  useEffect(() => () => asker.close(), [asker]);
  const [refreshes, setRefreshes] = useState(0);
  const [opened, setOpened] = useState<Opened | null>(null);
  const status = useStatus(asker, cwd, turns + refreshes);
  const back = `/s/${p.session.room}`;
  return (
    <>
      <TopBar title="Changes" subtitle={cwd ? shortPath(cwd, 3) : ""} back={back}>
        <button type="button" class="btn small" onClick={() => setRefreshes(refreshes + 1)}>
          Refresh
        </button>
      </TopBar>
      <ConnectionBar model={p.machine} lastBridgeAt={lastBridgeAt} />
      <main class="page changes">
        {cwd === null ? <p class="muted">Waiting for the session's details…</p> : null}
        <StatusCard status={status.asked} busy={status.busy} opened={opened} onOpen={setOpened} />
        {cwd && opened ? (
          <section class="card" aria-labelledby="opened-h">
            <h2 id="opened-h" class="opened-path">
              {opened.path}
            </h2>
            <fieldset class="actions toggle">
              <legend class="sr-only">Show</legend>
              {(["diff", "file"] as const).map((what) => (
                <button
                  key={what}
                  type="button"
                  class="btn small"
                  aria-pressed={opened.what === what}
                  onClick={() => setOpened({ ...opened, what })}
                >
                  {what === "diff" ? "Diff" : "File"}
                </button>
              ))}
            </fieldset>
            {/* Another file or mode starts empty; a new version keeps the text until the new one comes. */}
            <PagedText
              key={`${opened.what}:${opened.path}`}
              asker={asker}
              cwd={cwd}
              {...opened}
              version={turns + refreshes}
            />
          </section>
        ) : null}
        {cwd ? <OpenFile onOpen={(path) => setOpened({ path, what: "file" })} /> : null}
      </main>
    </>
  );
}

/** The latest status answer for `cwd`, asked again whenever `version` changes. */
function useStatus(asker: WorkspaceAsker, cwd: string | null, version: number) {
  const [asked, setAsked] = useState<Asked | null>(null);
  const [busy, setBusy] = useState(false);
  const latest = useRef(0);
  // `version` is in the dependencies because it is the reason to ask again.
  useEffect(() => {
    if (cwd === null) return;
    const mine = ++latest.current;
    setBusy(true);
    void asker.ask({ cwd, what: "status" }).then((a) => {
      if (mine !== latest.current) return;
      setAsked(a);
      setBusy(false);
    });
  }, [asker, cwd, version]);
  useEffect(
    () => () => {
      latest.current = -1;
    },
    [],
  );
  return { asked, busy };
}

function StatusCard(p: {
  status: Asked | null;
  busy: boolean;
  opened: Opened | null;
  onOpen(o: Opened): void;
}) {
  const s: Status | null = p.status?.ok && p.status.answer.what === "status" ? p.status.answer : null;
  const refusal = p.status && !s ? refusalText(p.status) : null;
  return (
    <section class="card" aria-labelledby="status-h" aria-busy={p.busy}>
      <h2 id="status-h">Changed files</h2>
      {p.busy ? (
        <p class="muted" aria-live="polite">
          {s ? "Refreshing…" : "Asking the bridge…"}
        </p>
      ) : null}
      {refusal ? <Notice level="warn">{refusal}</Notice> : null}
      {s ? <p class="branch">{branchLine(s)}</p> : null}
      {s && s.files.length === 0 ? <p class="muted">No changes.</p> : null}
      {s && s.files.length > 0 ? (
        <ul class="list changed-files">
          {s.files.map((f) => (
            <li key={f.path}>
              <button
                type="button"
                class={`changed ${p.opened?.path === f.path ? "current" : ""}`}
                aria-label={`${f.path}, ${f.state.replace("_", " ")}`}
                onClick={() => p.onOpen({ path: f.path, what: "diff" })}
              >
                <span class={`state ${f.state}`}>{f.state.replace("_", " ")}</span>
                <span class="path">{f.oldPath ? `${f.oldPath} → ${f.path}` : f.path}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {s?.truncated ? <p class="muted">More files changed than the bridge lists at once.</p> : null}
    </section>
  );
}

/** A path under the session's folder, opened in the file view. */
function OpenFile(p: { onOpen(path: string): void }) {
  const [path, setPath] = useState("");
  return (
    <form
      class="card open-file"
      onSubmit={(e) => {
        e.preventDefault();
        if (path.trim()) p.onOpen(path.trim());
      }}
    >
      <label>
        Open a file (relative to the session's folder)
        <input
          value={path}
          onInput={(e) => setPath(e.currentTarget.value)}
          autocomplete="off"
          spellcheck={false}
        />
      </label>
      <button type="submit" class="btn small">
        Open
      </button>
    </form>
  );
}

function branchLine(s: Status): string {
  const head = s.branch ?? "detached HEAD";
  if (!s.upstream) return `${head} · no upstream`;
  return `${head} · ${s.ahead} ahead, ${s.behind} behind ${s.upstream}`;
}

function refusalText(a: Asked): string {
  if (!a.ok) return a.message;
  return a.answer.what === "refused" ? a.answer.text : "The bridge answered something else.";
}

function sessionCwd(msgs: readonly StoredMsg[]): string | null {
  for (let i = msgs.length - 1; i >= 0; i--) {
    const m = msgs[i];
    if (m?.kind !== "session.info" || m.role !== "bridge") continue;
    const info = readBody("session.info", m.body);
    if (info) return info.cwd;
  }
  return null;
}
