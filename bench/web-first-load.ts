import type { CDPSession } from "playwright-core";
import { launchBrowser, phoneContext } from "../tests/support/browser.ts";
import { chromiumForTests } from "../tests/support/chromium-path.ts";
import type { BenchRelay } from "./support/bench-relay.ts";
import { type Figure, figure } from "./support/figure.ts";
import { median, round } from "./support/stats.ts";

const RUNS = 3;
/** Chrome DevTools' "Slow 3G" preset: 500 kbit/s × 0.8 each way, 400 ms × 5 latency per request. */
const SLOW_3G = { offline: false, latency: 2000, downloadThroughput: 50_000, uploadThroughput: 50_000 };
/** DevTools' "mid-tier mobile" CPU: four times slower than this machine. */
export const CPU_SLOWDOWN = 4;
/** The first screen a new phone sees: the home page's heading (the pairing instructions). */
export const FIRST_RENDER = "#app h1";

/**
 * Runs in the page before its own scripts: notes when the first-render element enters the DOM
 * and, two animation frames later, when it has been painted (performance.now() counts from navigation start).
 */
export const PROBE = `(() => {
  const done = () => requestAnimationFrame(() => requestAnimationFrame(() => {
    window.__tetherFirstRender = performance.now();
  }));
  new MutationObserver((_, obs) => {
    const el = document.querySelector(${JSON.stringify(FIRST_RENDER)});
    if (el && el.getClientRects().length > 0) { obs.disconnect(); done(); }
  }).observe(document, { childList: true, subtree: true });
})();`;

type Resource = { url: string; status: number; encoding: string; bytes: number; acceptEncoding: string };
type Load = { firstRenderMs: number; fcpMs: number | null; resources: Resource[] };

/** Two figures: first-load bytes on the wire (gzip) and time to first render on a slow-3G phone. */
export async function measureWebFirstLoad(relay: BenchRelay): Promise<Figure[]> {
  const browser = await launchBrowser();
  const loads: Load[] = [];
  try {
    for (let i = 0; i < RUNS; i++) loads.push(await loadOnce(browser, relay.url));
  } finally {
    await browser.close();
  }
  const first = loads[0]!;
  const bytes = first.resources.reduce((n, r) => n + r.bytes, 0);
  const none = "no counterpart: ws and Socket.IO are transports, not a phone app";
  const conditions =
    `Chromium ${browser.version()} (${chromiumForTests().source}, headless, playwright-core), a fresh ` +
    `phone context (390×844, touch, mobile UA, empty cache and storage), DevTools "Slow 3G" via CDP ` +
    `Network.emulateNetworkConditions (50,000 B/s down and up, +2,000 ms per request) and ` +
    `Emulation.setCPUThrottlingRate ${CPU_SLOWDOWN}×; the app is served by the embedded relay from web/dist.`;
  return [
    figure(
      {
        id: "web-first-load-bytes",
        name: "web app first-load bytes on the wire (gzip)",
        unit: "bytes",
        better: "lower",
        method:
          `${conditions} Sum of CDP Network.loadingFinished encodedDataLength (body as sent plus HTTP ` +
          `response headers) of every request of the first load of / until the network is idle, with the ` +
          `request header Accept-Encoding: gzip (the relay answers gzip; Cloudflare would also offer brotli).`,
      },
      [
        { contender: "tether", value: bytes, detail: { resources: first.resources } },
        { contender: "ws", value: null, cannot: none },
        { contender: "socketio", value: null, cannot: none },
      ],
    ),
    figure(
      {
        id: "web-first-render-slow-3g",
        name: "web app time to first render on an emulated slow-3G phone",
        unit: "ms",
        better: "lower",
        method:
          `${conditions} From navigation start to the paint of the first screen a new phone sees (the home ` +
          `page heading \`${FIRST_RENDER}\`, visible, two animation frames after it entered the DOM). ` +
          `${RUNS} runs, each a fresh context; value = median. First contentful paint is reported beside it.`,
      },
      [
        {
          contender: "tether",
          value: round(median(loads.map((l) => l.firstRenderMs)), 0),
          detail: {
            runsMs: loads.map((l) => round(l.firstRenderMs, 0)),
            firstContentfulPaintMs: loads.map((l) => (l.fcpMs === null ? null : round(l.fcpMs, 0))),
          },
        },
        { contender: "ws", value: null, cannot: none },
        { contender: "socketio", value: null, cannot: none },
      ],
    ),
  ];
}

async function loadOnce(browser: Awaited<ReturnType<typeof launchBrowser>>, origin: string): Promise<Load> {
  const context = await phoneContext(browser);
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    const resources = track(cdp);
    await cdp.send("Network.enable");
    await cdp.send("Network.setExtraHTTPHeaders", { headers: { "Accept-Encoding": "gzip" } });
    await cdp.send("Network.emulateNetworkConditions", SLOW_3G);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: CPU_SLOWDOWN });
    await page.addInitScript({ content: PROBE });
    await page.goto(`${origin}/`, { waitUntil: "load", timeout: 120_000 });
    // Functions, not strings: the app's CSP (script-src 'self') forbids evaluating strings.
    await page.waitForFunction(() => (globalThis as Probed).__tetherFirstRender !== undefined, undefined, {
      timeout: 120_000,
    });
    await page.waitForLoadState("networkidle", { timeout: 120_000 });
    const [firstRenderMs, fcpMs] = await page.evaluate(() => [
      (globalThis as Probed).__tetherFirstRender ?? Number.NaN,
      performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? null,
    ]);
    return { firstRenderMs, fcpMs, resources: [...resources.values()].filter((r) => r.status > 0) };
  } finally {
    await context.close();
  }
}

type Headers = Record<string, string>;
export type Probed = { __tetherFirstRender?: number };

/** Every response of the page with its encoding, bytes on the wire and the Accept-Encoding it was asked with. */
function track(cdp: CDPSession): Map<string, Resource> {
  const byId = new Map<string, Resource>();
  const get = (id: string) => {
    const r = byId.get(id) ?? { url: "", status: 0, encoding: "", bytes: 0, acceptEncoding: "" };
    byId.set(id, r);
    return r;
  };
  const header = (h: Headers, name: string) =>
    Object.entries(h).find(([k]) => k.toLowerCase() === name)?.[1] ?? "";
  cdp.on("Network.requestWillBeSentExtraInfo", (e) => {
    get(e.requestId).acceptEncoding = header(e.headers as Headers, "accept-encoding");
  });
  cdp.on("Network.responseReceived", (e) => {
    const r = get(e.requestId);
    r.url = new URL(e.response.url).pathname;
    r.status = e.response.status;
    r.encoding = header(e.response.headers as Headers, "content-encoding") || "identity";
  });
  cdp.on("Network.loadingFinished", (e) => {
    get(e.requestId).bytes = e.encodedDataLength;
  });
  return byId;
}
