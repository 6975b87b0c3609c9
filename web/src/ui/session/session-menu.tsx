import { useEffect, useState } from "preact/hooks";
import {
  PermissionMode,
  type SessionCommand,
  type TolerantSessionInfo,
} from "../../../../shared/protocol/index.ts";
import { grantShare } from "../../e2e/share-keys.ts";
import { createShare } from "../../lib/api.ts";
import { onLinkClick } from "../../router.ts";
import type { CatalogView } from "../../state/catalog-fold.ts";
import { forgetCredentialOf } from "../../state/forget.ts";
import type { RoomModel } from "../../state/room-model.ts";
import { permissionModeLabels } from "../format.ts";
import { SessionHistory } from "../health-sheet.tsx";
import { MuteToggle } from "../push-settings.tsx";
import { AutoContinueToggle } from "./auto-continue.tsx";
import { CompactButton, ModelPicker, Refusal } from "./catalog-controls.tsx";
import { DeskCommands } from "./desk-commands.tsx";
import { GrantList } from "./grant-list.tsx";

/** Session controls: interrupt, /clear, permission mode, end, share links, and the changes view. */
export function SessionMenu(p: {
  model: RoomModel;
  info: TolerantSessionInfo | null;
  running: boolean;
  ended: boolean;
  /** The CLI's commands and models, context fill, and refused changes (catalog-fold.ts). */
  catalog?: CatalogView;
}) {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") setOpen(false);
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [open]);
  const control = p.model.role.value === "controller";
  const canShare = p.model.cred.kind === "device";
  if (!control && !canShare) return null;
  // The changes view asks through the machine room: only this machine's paired phones may.
  const changes = canShare && p.model.cred.machineId ? `/s/${p.model.room}/changes` : null;
  const command = (c: SessionCommand) => void p.model.send("session.command", c);
  const setMode = (value: string) => {
    const mode = PermissionMode.safeParse(value);
    if (mode.success) command({ name: "set_permission_mode", value: mode.data });
  };
  return (
    <div class="menu">
      <button
        type="button"
        class="icon-btn"
        aria-label="Session controls"
        aria-expanded={open}
        aria-controls="session-menu"
        onClick={() => setOpen(!open)}
      >
        <span aria-hidden="true">⋯</span>
      </button>
      {open ? (
        <div id="session-menu" class="menu-panel">
          <SessionHistory room={p.model.room} machineId={p.model.cred.machineId} />
          {changes ? (
            <a class="btn" href={changes} onClick={(e) => onLinkClick(e, changes)}>
              Changes
            </a>
          ) : null}
          {control && !p.ended ? (
            <>
              <button
                type="button"
                class="btn"
                disabled={!p.running}
                onClick={() => void p.model.send("session.interrupt", {})}
              >
                Interrupt
              </button>
              <button
                type="button"
                class="btn"
                onClick={() =>
                  confirm("Clear the context? Claude starts a new session in this room.") &&
                  command({ name: "clear" })
                }
              >
                Clear context (/clear)
              </button>
              <CompactButton model={p.model} />
              <label>
                Permissions
                <select
                  value={p.info?.permissionMode ?? "default"}
                  onChange={(e) => setMode(e.currentTarget.value)}
                >
                  {PermissionMode.options.map((mode) => (
                    <option key={mode} value={mode}>
                      {permissionModeLabels[mode]}
                    </option>
                  ))}
                </select>
              </label>
              <Refusal text={p.catalog?.modeRefusal ?? null} />
              {p.catalog ? <ModelPicker model={p.model} info={p.info} catalog={p.catalog} /> : null}
              <GrantList model={p.model} grants={p.info?.grants ?? []} />
              <AutoContinueToggle model={p.model} on={p.info?.autoContinue !== false} />
              <button
                type="button"
                class="btn danger"
                onClick={() =>
                  confirm("End this session? Its Claude process stops; the transcript stays.") &&
                  command({ name: "end" })
                }
              >
                End session
              </button>
            </>
          ) : null}
          {canShare ? <DeskCommands room={p.model.room} info={p.info} /> : null}
          {canShare ? <ShareButtons model={p.model} title={p.info?.title ?? "Claude session"} /> : null}
          {canShare ? <MuteToggle room={p.model.room} machineId={p.model.cred.machineId} /> : null}
        </div>
      ) : null}
    </div>
  );
}

/** Creates a share link and hands it to the system share sheet, or copies it. */
function ShareButtons(p: { model: RoomModel; title: string }) {
  const [result, setResult] = useState<
    { url: string; how: string; lasts: string } | { error: string } | null
  >(null);
  const share = async (role: "viewer" | "controller") => {
    setResult(null);
    const r = await createShare(p.model.cred.token, p.model.room, role, p.model.cred.relay);
    if (!r.ok) {
      // The relay no longer knows this phone's key: everything of it goes (docs/protocol.md §2.2).
      if (r.status === 401) void forgetCredentialOf(p.model);
      return setResult({ error: `Could not create the link: ${r.message}` });
    }
    const machineId = p.model.cred.machineId;
    const granted = machineId
      ? await grantShare(machineId, { id: r.data.id, url: r.data.url, room: p.model.room })
      : { ok: false as const, message: "only a paired phone can share" };
    if (!granted.ok) return setResult({ error: `Could not create the link: ${granted.message}` });
    const url = granted.url;
    const lasts = shareLifetime(r.data.expiresAt, p.model.cred.kind === "device");
    const text = role === "viewer" ? "Watch my Claude session" : "Help steer my Claude session";
    if (typeof navigator.share === "function") {
      try {
        await navigator.share({ title: p.title, text, url });
        return setResult({ url, how: "Shared.", lasts });
      } catch (err) {
        // Dismissing the share sheet is an AbortError; the link is still shown below to copy.
        console.info("tether: share sheet closed", err);
      }
    }
    const copied = await navigator.clipboard?.writeText(url).then(
      () => true,
      () => false,
    );
    setResult({ url, how: copied ? "Link copied." : "Copy the link:", lasts });
  };
  return (
    <div class="share">
      <button type="button" class="btn" onClick={() => void share("viewer")}>
        Share view-only link
      </button>
      <button type="button" class="btn" onClick={() => void share("controller")}>
        Share control link
      </button>
      {result && "error" in result ? (
        <p class="error" role="alert">
          {result.error}
        </p>
      ) : null}
      {result && "url" in result ? (
        <>
          <label>
            {result.how}
            <input readOnly value={result.url} onFocus={(e) => e.currentTarget.select()} />
          </label>
          <p class="sub" data-testid="share-lifetime">
            {result.lasts}
          </p>
        </>
      ) : null}
    </div>
  );
}

/** When a new link stops working; a link made by a paired phone also ends when that pairing is revoked. */
function shareLifetime(expiresAt: number, byDevice: boolean): string {
  const until = `Works until ${new Date(expiresAt).toLocaleString()}`;
  return byDevice ? `${until}, or until this phone's pairing is revoked: its links go with it.` : `${until}.`;
}
