import { signal } from "@preact/signals";

/**
 * Installing the app: Chromium-based browsers offer a prompt (`beforeinstallprompt`), which the
 * app keeps and shows as an "Install app" button; iOS has no prompt, and there Web Push works
 * only for an app added to the Home Screen, which the app says once.
 */

/** The part of Chromium's BeforeInstallPromptEvent the app uses (not in the DOM typings). */
type InstallPromptEvent = Event & { prompt(): Promise<unknown> };

/** A prompt the browser is ready to show; null when it offered none (or it was used). */
export const installPrompt = signal<InstallPromptEvent | null>(null);

/** From start-up on, as the browser may offer the prompt early. */
export function watchInstallOffer(): void {
  window.addEventListener("beforeinstallprompt", (e) => {
    // The browser's own mini-infobar would cover the page; the app offers the button instead.
    e.preventDefault();
    installPrompt.value = e as InstallPromptEvent;
  });
  window.addEventListener("appinstalled", () => {
    installPrompt.value = null;
  });
}

/** Shows the browser's install dialog; a prompt can be used once. */
export async function promptInstall(): Promise<void> {
  const e = installPrompt.value;
  if (!e) return;
  installPrompt.value = null;
  await e.prompt();
}

/** iPhone or iPad (iPadOS says "Macintosh" but has touch), in a browser tab rather than from the Home Screen. */
export function iosOutsideHomeScreen(o: {
  userAgent: string;
  maxTouchPoints: number;
  standalone: boolean;
}): boolean {
  const ios = /iPhone|iPad|iPod/.test(o.userAgent) || (/Macintosh/.test(o.userAgent) && o.maxTouchPoints > 1);
  return ios && !o.standalone;
}

export function runsStandalone(): boolean {
  const nav = navigator as Navigator & { standalone?: boolean };
  return nav.standalone === true || window.matchMedia("(display-mode: standalone)").matches;
}
