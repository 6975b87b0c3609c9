import type { Page } from "playwright-core";
import { launchBrowser, phoneContext } from "../tests/support/browser.ts";
import type { BenchRelay } from "./support/bench-relay.ts";
import { type Figure, figure } from "./support/figure.ts";
import { type LinkShape, SlowLinkProxy } from "./support/slow-link-proxy.ts";
import { median, round, sleep } from "./support/stats.ts";
import { CPU_SLOWDOWN, FIRST_RENDER, PROBE, type Probed } from "./web-first-load.ts";

const VISITS = 3;
const WAIT_MS = 120_000;
/**
 * Slow 3G as a link, not as DevTools' per-request delay: DevTools' emulation applies to the page's
 * requests only, not to those its service worker makes, so a worker that goes to the network would
 * look free. Through this proxy every byte of the page and of its worker pays: 400 kbit/s and
 * 1,000 ms each way (DevTools' Slow 3G: 400 kbit/s, 2,000 ms per request).
 */
const SLOW_3G_LINK: LinkShape = { latencyMs: 1000, bitsPerSecond: 400_000 };

/** Opening the app again on a slow phone: its service worker has the app shell. */
export async function measureWebRepeatVisit(relay: BenchRelay): Promise<Figure[]> {
  const proxy = new SlowLinkProxy(SLOW_3G_LINK);
  await proxy.start(relay.relay.port);
  const browser = await launchBrowser();
  try {
    const context = await phoneContext(browser);
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    const cdp = await context.newCDPSession(page);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: CPU_SLOWDOWN });
    await page.addInitScript({ content: PROBE });
    const origin = `http://127.0.0.1:${proxy.port}`;
    const first = await visit(page, origin);
    // The worker installs its copy of the app and takes the page over (clients.claim).
    await until(page, "navigator.serviceWorker.controller !== null");
    const repeats: number[] = [];
    for (let i = 0; i < VISITS; i++) repeats.push(await visit(page, origin));
    const none = "no counterpart: ws and Socket.IO are transports, not a phone app";
    return [
      figure(
        {
          id: "web-repeat-visit-slow-3g",
          name: "web app opened again on a slow-3G phone (service worker installed)",
          unit: "ms",
          better: "lower",
          method:
            `Chromium (headless, playwright-core), one phone context, CPU throttled ${CPU_SLOWDOWN}× (CDP). ` +
            `Every request of the page and of its service worker goes through a proxy on loopback shaped ` +
            `as a ${SLOW_3G_LINK.bitsPerSecond / 1000} kbit/s link with ${SLOW_3G_LINK.latencyMs} ms each ` +
            `way (bench/support/slow-link-proxy.ts). A first visit installs the service worker; then the ` +
            `app is opened again ${VISITS} times (page.goto of /), each timed from navigation start to the ` +
            `paint of \`${FIRST_RENDER}\`. Value = median of the repeat visits; detail has the first visit ` +
            `through the same link.`,
        },
        [
          {
            contender: "tether",
            value: round(median(repeats), 0),
            detail: { repeatVisitsMs: repeats.map((ms) => round(ms, 0)), firstVisitMs: round(first, 0) },
          },
          { contender: "ws", value: null, cannot: none },
          { contender: "socketio", value: null, cannot: none },
        ],
      ),
    ];
  } finally {
    await browser.close();
    await proxy.stop();
  }
}

async function visit(
  page: Awaited<ReturnType<Awaited<ReturnType<typeof phoneContext>>["newPage"]>>,
  origin: string,
) {
  await page.goto(`${origin}/`, { waitUntil: "load", timeout: WAIT_MS });
  // Functions, not strings: the app's CSP (script-src 'self') forbids evaluating strings.
  await page.waitForFunction(() => (globalThis as Probed).__tetherFirstRender !== undefined);
  return page.evaluate(() => (globalThis as Probed).__tetherFirstRender ?? Number.NaN);
}

/** Polls an expression in the page (CDP evaluation, which the app's CSP does not govern). */
async function until(page: Page, expression: string): Promise<void> {
  const deadline = performance.now() + WAIT_MS;
  while ((await page.evaluate(expression)) !== true) {
    if (performance.now() > deadline) throw new Error(`web repeat visit: gave up on ${expression}`);
    await sleep(50);
  }
}
