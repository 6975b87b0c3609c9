import { installPush } from "./push.ts";
import { installShell } from "./shell.ts";

/**
 * The service worker's entry, built into web/dist/sw.js as one classic script (scripts/build-web.mjs
 * via web/scripts/build-sw.mjs). Each concern is a sibling module that installs its own listeners.
 */
declare const self: ServiceWorkerGlobalScope;

// Registered at "/" it is the app's worker. Registered again at a peer relay's scope (/peer/…,
// net/push-client.ts) it only takes that relay's pushes: a push subscription is bound to one
// relay's key, one per registration. Such a worker caches nothing and serves no page.
const scope = self.registration?.scope;
if (!scope || new URL(scope).pathname === "/") installShell(self, __TETHER_SHELL__);
installPush(self);
