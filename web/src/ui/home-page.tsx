import { devices } from "../lib/devices.ts";
import { onLinkClick } from "../router.ts";
import { forgotten } from "../state/forgotten.ts";
import { AppNotices } from "./app-notices.tsx";
import { Centered, Notice, TopBar } from "./common.tsx";
import { MachinePage } from "./pages.ts";

/** One paired machine: its page. None: how to pair. Several: pick one. */
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
  return (
    <>
      <TopBar title="Machines" />
      <AppNotices />
      <main class="page">
        <ForgottenMachines />
        <ul class="list" aria-label="Paired machines">
          {all.map((d) => (
            <li key={d.machineId}>
              <a class="row" href={`/m/${d.machineId}`} onClick={(e) => onLinkClick(e, `/m/${d.machineId}`)}>
                <strong>{d.machineId}</strong>
                <span class="sub">paired {new Date(d.pairedAt).toLocaleDateString()}</span>
              </a>
            </li>
          ))}
        </ul>
      </main>
    </>
  );
}

/** Machines whose pairing the relay refused while this page was open: said once their data is gone. */
function ForgottenMachines() {
  const gone = [...forgotten.value].filter((key) => !key.includes(":"));
  if (gone.length === 0) return null;
  return (
    <Notice level="error">
      The pairing with {gone.join(", ")} was revoked. Its sessions, drafts and prompts were removed from this
      phone.
    </Notice>
  );
}
