import { render } from "preact";
import { App } from "./app.tsx";
import { credentialsLoaded } from "./lib/devices.ts";
import { DB_NAME, kvGet } from "./lib/idb.ts";
import { watchInstallOffer } from "./lib/install-offer.ts";
import { startAppShell } from "./net/app-shell.ts";
import { installWake } from "./net/wake.ts";
import { installRouter } from "./router.ts";
import "./styles.css";

installRouter();
installWake();
watchInstallOffer();
const root = document.getElementById("app");
if (!root) throw new Error("index.html has no #app element");
render(<App />, root);

void (async () => {
  // A browser that stores no pairing (a first visit) has nothing to parse: its first screen shows
  // at once. Anything stored is read through the protocol's schemas, in the chunk that has them.
  const stored = location.pathname === "/" ? await storesDevices().catch(() => true) : true;
  if (!stored) credentialsLoaded.value = true;
  // After the first screen: the worker's script and its precache would compete with it.
  startAppShell();
  const { startSync } = await import("./start-sync.ts");
  await startSync();
})().catch((err: unknown) => {
  console.error("tether: start-up failed", err);
  root.textContent = `Tether could not start: ${String(err)}`;
});

/** Whether IndexedDB may hold pairings; without the database (a first visit) it is not created here. */
async function storesDevices(): Promise<boolean> {
  const known = await indexedDB.databases?.().catch(() => null);
  if (known && !known.some((d) => d.name === DB_NAME)) return false;
  return (await kvGet("devices")) !== undefined;
}
