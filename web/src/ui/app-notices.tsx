import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { installPrompt, iosOutsideHomeScreen, promptInstall, runsStandalone } from "../lib/install-offer.ts";
import { DISMISSED_KEY } from "../lib/storage-keys.ts";
import { applyUpdate, outdated, shellUnavailable, updateReady } from "../net/app-shell.ts";

/** Whether to tell this phone about the Home Screen (asked once per page load: it does not change). */
const iosHint = iosOutsideHomeScreen({
  userAgent: navigator.userAgent,
  maxTouchPoints: navigator.maxTouchPoints,
  standalone: runsStandalone(),
});

/**
 * What the app says about itself rather than about a room, under the connection bar: a version
 * to reload into, installing it, and where it cannot work offline. The notes close for good.
 */
export function AppNotices() {
  const install = installPrompt.value;
  return (
    <div class="app-notices">
      {outdated.value ? (
        <div class="app-notice error" role="alert">
          <span>This app is out of date: reload to update.</span>
          <button type="button" class="btn small primary" onClick={applyUpdate}>
            Reload
          </button>
        </div>
      ) : updateReady.value ? (
        <div class="app-notice" role="status">
          <span>A new version is ready —</span>
          <button type="button" class="btn small primary" onClick={applyUpdate}>
            Reload
          </button>
        </div>
      ) : null}
      {shellUnavailable.value === "insecure" ? (
        <Note name="insecure">
          Offline use and notifications need HTTPS or 127.0.0.1: on this plain-HTTP LAN address the app works
          only while online. Messages are still end-to-end encrypted.
        </Note>
      ) : null}
      {iosHint ? (
        <Note name="ios-home-screen">
          To get notifications on iPhone, add Tether to your Home Screen (Share → Add to Home Screen).
        </Note>
      ) : null}
      {install ? (
        <Note name="install">
          Use Tether like an app, also offline.{" "}
          <button type="button" class="btn small" onClick={() => void promptInstall()}>
            Install app
          </button>
        </Note>
      ) : null}
    </div>
  );
}

/** A note the user can close; closed, it stays closed on this device. */
function Note(p: { name: string; children: ComponentChildren }) {
  const key = DISMISSED_KEY + p.name;
  const [closed, setClosed] = useState(() => localStorage.getItem(key) !== null);
  if (closed) return null;
  return (
    <div class="app-notice" role="note">
      <span>{p.children}</span>
      <button
        type="button"
        class="icon-btn"
        aria-label="Dismiss"
        onClick={() => {
          localStorage.setItem(key, String(Date.now()));
          setClosed(true);
        }}
      >
        ×
      </button>
    </div>
  );
}
