import { render } from "preact";
import { App } from "./app.tsx";
import { loadCredentials } from "./lib/credentials.ts";
import { watchInstallOffer } from "./lib/install-offer.ts";
import { startAppShell } from "./net/app-shell.ts";
import { installWake } from "./net/wake.ts";
import { installRouter } from "./router.ts";
import { forgetRevokedCredentials } from "./state/forget.ts";
import { flushOutboxes } from "./state/rooms.ts";
import "./styles.css";

installRouter();
installWake();
watchInstallOffer();
startAppShell();
forgetRevokedCredentials();
const root = document.getElementById("app");
if (!root) throw new Error("index.html has no #app element");
render(<App />, root);

void (async () => {
  await loadCredentials();
  // Messages queued by an earlier page (closed before they went out) are sent now.
  await flushOutboxes();
})().catch((err: unknown) => {
  console.error("tether: start-up failed", err);
  root.textContent = `Tether could not start: ${String(err)}`;
});
