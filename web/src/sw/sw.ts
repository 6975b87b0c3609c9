import { installPush } from "./push.ts";
import { installShell } from "./shell.ts";

/**
 * The service worker's entry, built into web/dist/sw.js as one classic script (scripts/build-web.mjs
 * via web/scripts/build-sw.mjs). Each concern is a sibling module that installs its own listeners.
 */
declare const self: ServiceWorkerGlobalScope;

installShell(self, __TETHER_SHELL__);
installPush(self);
