import { npmChromium } from "./npm-chromium.ts";

/**
 * vitest globalSetup: unpack the npm Chromium once, before test files start side by side. Each
 * would otherwise spend the same seconds unpacking it on a first run (safely, but in parallel).
 */
export default function setup(): void {
  if (!process.env.TETHER_CHROMIUM) npmChromium();
}
