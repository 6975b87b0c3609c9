import { useComputed } from "@preact/signals";
import { useEffect, useState } from "preact/hooks";
import { keepShareKey } from "../../e2e/share-keys.ts";
import { addShare } from "../../lib/credentials.ts";
import { watchFocus } from "../../net/focus-watch.ts";
import { scrubHash } from "../../router.ts";
import { foldCatalog } from "../../state/catalog-fold.ts";
import { isForgotten, lostAccess } from "../../state/forget.ts";
import type { RoomModel } from "../../state/room-model.ts";
import { dropRoom } from "../../state/rooms.ts";
import { foldStored, type SessionView } from "../../state/session-fold.ts";
import { overlay } from "../../state/session-overlay.ts";
import { terminalHint, terminalMode } from "../../state/terminal-mode.ts";
import { AppNotices } from "../app-notices.tsx";
import { Centered, ConnectionBar, ForgottenNote, Notice, TopBar } from "../common.tsx";
import { shortPath } from "../format.ts";
import { useRoom } from "../hooks.ts";
import { InboxLink } from "../inbox-link.tsx";
import { stateLabel } from "../session-list.tsx";
import { Composer } from "./composer.tsx";
import { ContextMeter } from "./context-meter.tsx";
import { LimitsBar } from "./limits-bar.tsx";
import { PermissionSheet } from "./permission-sheet.tsx";
import { waitingText } from "./prompt-answer.ts";
import { SessionMenu } from "./session-menu.tsx";
import { TaskStrip } from "./task-strip.tsx";
import { TodoList } from "./todo-list.tsx";
import { Transcript } from "./transcript.tsx";

/**
 * /s/<room>[#t=<share token>&k=<secret>&i=<share id>]: one session. A share token is kept on the
 * device with the key its grants are wrapped under (docs/protocol.md §12.5), then hidden. A link
 * without that key is refused: it could never show anything.
 */
export function SessionPage(p: {
  room: string;
  shareToken: string | null;
  k: string | null;
  i: string | null;
}) {
  const [ready, setReady] = useState<boolean | "no_key">(p.shareToken === null);
  useEffect(() => {
    const token = p.shareToken;
    if (!token) return setReady(true);
    void (async () => {
      const keyed = await keepShareKey(p.room, p.k, p.i);
      scrubHash();
      if (!keyed) {
        console.warn("tether: a share link without an end-to-end key was refused");
        return setReady("no_key");
      }
      await addShare(p.room, token);
      dropRoom(p.room);
      setReady(true);
    })();
  }, [p.room, p.shareToken, p.k, p.i]);
  if (ready === "no_key")
    return (
      <Centered>
        <h1>No key in this link</h1>
        <Notice level="error">
          This share link carries no end-to-end encryption key, so the session cannot be read with it. Ask for
          a new link.
        </Notice>
      </Centered>
    );
  if (!ready) return <Centered>Opening…</Centered>;
  return <SessionRoom room={p.room} />;
}

function SessionRoom(p: { room: string }) {
  const h = useRoom(p.room, "session.info");
  if (h.missing) {
    const lost = lostAccess(p.room);
    return (
      <Centered>
        <h1>No access</h1>
        {lost ? (
          <Notice level="error">
            {lost === "share"
              ? "This link was revoked or has expired. "
              : "This phone's pairing with the session's machine was revoked. "}
            <ForgottenNote done={true} />
          </Notice>
        ) : (
          <p>This device has no key for that session. Open its share link, or pair with its machine.</p>
        )}
      </Centered>
    );
  }
  if (!h.model) return <Centered>Opening…</Centered>;
  return <SessionBody model={h.model} />;
}

function SessionBody(p: { model: RoomModel }) {
  const { model } = p;
  // While this page is in front, nobody needs a notification for this session.
  useEffect(() => watchFocus(model.socket), [model]);
  const stored = useComputed(() => foldStored(model.msgs.value));
  const view = useComputed(() => overlay(stored.value, model.local.value)).value;
  const catalog = useComputed(() => foldCatalog(model.msgs.value)).value;
  const role = model.role.value;
  const conn = model.conn.value;
  const fatal = conn.kind === "fatal";
  const control = role === "controller" && !fatal;
  const state = view.status?.state;
  const back = model.cred.machineId ? `/m/${model.cred.machineId}` : undefined;
  const sheet = control && view.pending.length > 0;
  // The state first: a long folder is cut off at the end of the line, the state must not be.
  const subtitle = [state ? stateLabel(state) : null, view.info ? shortPath(view.info.cwd, 3) : null];
  const terminal = terminalMode(view.info?.origin, state);
  return (
    <div class="session">
      {/* While a prompt is open, the rest of the page is out of reach of focus and screen readers. */}
      <div class="session-main" inert={sheet}>
        <TopBar
          title={view.info?.title ?? "Session"}
          subtitle={subtitle.filter(Boolean).join(" · ")}
          {...(terminal ? { badge: "Terminal" } : {})}
          {...(back ? { back } : {})}
        >
          {model.cred.machineId ? <InboxLink room={model.room} /> : null}
          <SessionMenu
            model={model}
            info={view.info}
            running={view.running}
            ended={state === "ended"}
            catalog={catalog}
          />
        </TopBar>
        <ConnectionBar model={model} lastBridgeAt={view.lastBridgeAt} />
        <AppNotices />
        <ContextMeter model={model} context={catalog.context} control={control && state !== "ended"} />
        {fatal ? <FatalNotice model={model} /> : null}
        <TodoList todos={view.todos} />
        <TaskStrip model={model} tasks={view.tasks} control={control} />
        <Transcript model={model} view={view} />
        <Waiting view={view} control={control} />
        <LimitsBar model={model} view={view} control={control} />
        {role === "viewer" ? (
          <p class="viewer-note" role="note">
            View only — this link cannot send messages.
          </p>
        ) : (
          <Composer
            model={model}
            running={view.running}
            disabled={!control || (state === "ended" && terminal !== "ended")}
            hint={terminalHint(terminal)}
            commands={catalog.commands}
          />
        )}
      </div>
      {sheet && view.pending[0] ? (
        <PermissionSheet
          model={model}
          req={view.pending[0]}
          queued={view.pending.length}
          refusal={view.refusals.get(view.pending[0].requestId)}
        />
      ) : null}
    </div>
  );
}

/** Prompts this device cannot or need not answer, shown as a line above the composer. */
function Waiting(p: { view: SessionView; control: boolean }) {
  const { pending, answered } = p.view;
  if (!p.control && pending[0])
    return (
      <p class="waiting" role="status">
        {waitingText(pending[0])}
      </p>
    );
  if (answered.length > 0)
    return (
      <p class="waiting" role="status">
        Sending your answer — waiting for the bridge to pass it to Claude…
      </p>
    );
  return null;
}

function FatalNotice(p: { model: RoomModel }) {
  const c = p.model.conn.value;
  if (c.kind !== "fatal") return null;
  const share = p.model.cred.kind === "share";
  if (c.code === 4001)
    return (
      <Notice level="error">
        {share ? (
          "This link was revoked or has expired. "
        ) : (
          <>
            This phone's pairing was revoked, and the share links it made with it. Pair again with{" "}
            <code>tether pair</code>.{" "}
          </>
        )}
        <ForgottenNote done={isForgotten(p.model)} />
      </Notice>
    );
  return <Notice level="error">This session cannot be opened with this device's key ({c.code}).</Notice>;
}
