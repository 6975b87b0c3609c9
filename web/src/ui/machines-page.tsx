import { useState } from "preact/hooks";
import { renameDevice } from "../lib/credentials.ts";
import { type Device, devices } from "../lib/devices.ts";
import { online } from "../net/wake.ts";
import { onLinkClick } from "../router.ts";
import { forgetMachine } from "../state/forget.ts";
import { inbox, machineModel, machineName, machineView, watchMachines } from "../state/inbox.ts";
import { AppNotices } from "./app-notices.tsx";
import { TopBar } from "./common.tsx";
import { describeConn } from "./conn-status.ts";
import { ForgottenMachines } from "./forgotten-machines.tsx";
import { InboxLink } from "./inbox-link.tsx";
import { PairLinkForm } from "./pair-link-form.tsx";
import { useNow } from "./use-now.ts";

/**
 * Every machine this phone is paired with, by name, with whether its bridge is online (or since
 * when it is not), how many prompts wait on it, and renaming or forgetting it on this phone.
 */
export function MachinesPage() {
  watchMachines();
  const all = devices.value;
  return (
    <>
      <TopBar title="Machines">
        <InboxLink />
      </TopBar>
      <AppNotices />
      <main class="page">
        <ForgottenMachines />
        {all.length === 0 ? (
          <p>
            No machine is paired with this phone. Run <code>tether pair</code> on a workstation and open the
            link.
          </p>
        ) : null}
        <ul class="list" aria-label="Paired machines">
          {all.map((d) => (
            <MachineRow key={d.machineId} device={d} />
          ))}
        </ul>
        <PairLinkForm />
      </main>
    </>
  );
}

function MachineRow(p: { device: Device }) {
  const { machineId } = p.device;
  const model = machineModel(machineId);
  const view = model ? machineView(model).value : null;
  const now = useNow(30_000);
  const name = machineName(machineId, view);
  const waiting = inbox.value.filter((i) => i.machineId === machineId).length;
  const presence = model
    ? describeConn({
        conn: model.conn.value,
        online: online.value,
        now,
        peers: model.peers.value,
        bridgeSeenAt: model.bridgeSeenAt.value,
        lastBridgeAt: view?.lastBridgeAt ?? null,
      }).bridge
    : { tone: "muted", text: "Opening…" };
  const href = `/m/${machineId}`;
  const sub = [
    view?.info?.hostname,
    p.device.name && view?.info ? `“${view.info.name}”` : null,
    p.device.relay ? `via ${new URL(p.device.relay).host}` : null,
  ];
  return (
    <li class="machine-row" data-machine={machineId} aria-label={name}>
      <a class="row" href={href} onClick={(e) => onLinkClick(e, href)}>
        <span class="row-top">
          <strong class="title">{name}</strong>
          {waiting > 0 ? <span class="count">{waiting}</span> : null}
        </span>
        <span class="sub">{sub.filter(Boolean).join(" · ") || machineId}</span>
        <span class={`pill ${presence.tone}`} data-testid="machine-presence">
          <span class="dot" aria-hidden="true" />
          {presence.text}
        </span>
      </a>
      <MachineActions device={p.device} name={name} />
    </li>
  );
}

/** Rename (a name on this phone only) and forget (this phone drops the machine and all it kept of it). */
function MachineActions(p: { device: Device; name: string }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(p.name);
  const { machineId } = p.device;
  const forget = () => {
    const ok = confirm(
      `Forget “${p.name}” on this phone? Its sessions, drafts and keys are removed from this phone. The pairing stays on the relay until you run "tether revoke" on the machine.`,
    );
    if (ok) void forgetMachine(machineId, false);
  };
  if (editing)
    return (
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void renameDevice(machineId, text).then(() => setEditing(false));
        }}
      >
        <input
          aria-label={`New name for ${p.name}`}
          value={text}
          maxLength={80}
          onInput={(e) => setText(e.currentTarget.value)}
        />
        <button type="submit" class="btn small primary">
          Save
        </button>
      </form>
    );
  return (
    <div class="actions">
      <button
        type="button"
        class="btn small"
        aria-label={`Rename ${p.name}`}
        onClick={() => {
          setText(p.name);
          setEditing(true);
        }}
      >
        Rename
      </button>
      <button type="button" class="btn small danger" aria-label={`Forget ${p.name}`} onClick={forget}>
        Forget
      </button>
    </div>
  );
}
