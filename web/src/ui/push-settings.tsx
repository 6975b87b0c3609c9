import { useEffect, useState } from "preact/hooks";
import type { PushSubscriptionInfo, TurnPushes } from "../../../shared/protocol/push.ts";
import { devices } from "../lib/credentials.ts";
import {
  disablePush,
  enablePush,
  type Outcome,
  type PushTarget,
  pushUnavailable,
  readPush,
  type Settings,
  updatePush,
} from "../net/push-client.ts";

/** Notifications for one machine: on or off, and which finished turns (docs/protocol.md §11.2). */
export function PushSettings(p: { machineId: string }) {
  const device = devices.value.find((d) => d.machineId === p.machineId);
  // A machine on a peer relay pushes through a registration of its own (net/push-client.ts).
  const target = device ? { token: device.token, relay: device.relay ?? null } : null;
  const push = usePush(target);
  const why = pushUnavailable();
  if (!target) return null;
  if (why)
    return (
      <section class="card" aria-label="Notifications">
        <h2>Notifications</h2>
        <p class="muted">{why}</p>
      </section>
    );
  const sub = push.sub;
  return (
    <section class="card" aria-label="Notifications">
      <h2>Notifications</h2>
      <label class="toggle">
        <input
          type="checkbox"
          checked={sub !== null}
          disabled={push.busy || push.sub === undefined}
          onChange={(e) =>
            push.run(() => (e.currentTarget.checked ? enablePush(target, DEFAULTS) : disablePush(target)))
          }
        />
        <span>Notify me on this phone</span>
      </label>
      {sub ? (
        <label>
          <span>Tell me when a turn finishes</span>
          <select
            value={sub.turns}
            disabled={push.busy}
            onChange={(e) =>
              push.run(() => updatePush(target, sub, { turns: e.currentTarget.value as TurnPushes }))
            }
          >
            <option value="all">every turn</option>
            <option value="long">turns over {sub.longTurnSeconds} s</option>
            <option value="never">never</option>
          </select>
        </label>
      ) : null}
      {push.error ? (
        <p class="error" role="alert">
          {push.error}
        </p>
      ) : null}
    </section>
  );
}

/** Mutes one session's notifications (its prompts and ends), for the machine's registration. */
export function MuteToggle(p: { room: string; machineId: string | null }) {
  const device = devices.value.find((d) => d.machineId === p.machineId);
  const target = device ? { token: device.token, relay: device.relay ?? null } : null;
  const push = usePush(target);
  const sub = push.sub;
  if (!target || !sub) return null;
  const muted = sub.muted.includes(p.room);
  const muted2 = muted ? sub.muted.filter((r) => r !== p.room) : [...sub.muted, p.room];
  return (
    <button
      type="button"
      class="btn"
      disabled={push.busy}
      onClick={() => push.run(() => updatePush(target, sub, { muted: muted2 }))}
    >
      {muted ? "Unmute notifications" : "Mute notifications"}
    </button>
  );
}

const DEFAULTS: Settings = { turns: "long", longTurnSeconds: 60, muted: [] };

/** The registration as the relay has it (`undefined` while loading), and one change at a time. */
function usePush(target: PushTarget | null) {
  const [sub, setSub] = useState<PushSubscriptionInfo | null | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const take = (o: Outcome) => {
    if (o.ok) setSub(o.state.subscription);
    setError(o.ok ? null : o.message);
  };
  const token = target?.token ?? null;
  const relay = target?.relay ?? null;
  useEffect(() => {
    if (!token || pushUnavailable()) return;
    void readPush({ token, relay }).then(take);
  }, [token, relay]);
  const run = (fn: () => Promise<Outcome>) => {
    setBusy(true);
    void fn()
      .then(take)
      .finally(() => setBusy(false));
  };
  return { sub, busy, error, run };
}
