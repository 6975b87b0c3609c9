import { devices } from "../lib/devices.ts";
import { AppNotices } from "./app-notices.tsx";
import { Centered } from "./common.tsx";
import { ForgottenMachines } from "./forgotten-machines.tsx";
import { MachinePage, MachinesPage } from "./pages.ts";

/** One paired machine: its page. None: how to pair. Several: the machines, by name, with presence. */
export function HomePage() {
  const all = devices.value;
  const only = all.length === 1 ? all[0] : undefined;
  if (only) return <MachinePage machineId={only.machineId} />;
  if (all.length === 0)
    return (
      <Centered>
        <h1>Tether</h1>
        <AppNotices />
        <ForgottenMachines />
        <p>Follow and steer the Claude Code sessions on your workstation from this phone.</p>
        <p>
          To pair, run <code>tether pair</code> on the workstation and open the link or scan the QR code it
          prints.
        </p>
      </Centered>
    );
  return <MachinesPage />;
}
