import { randomBytes } from "node:crypto";
import type { BrowserContext, CDPSession, Page } from "playwright-core";
import type { OutMsg } from "../shared/protocol/index.ts";
import { launchBrowser, phoneContext } from "../tests/support/browser.ts";
import { chromiumForTests } from "../tests/support/chromium-path.ts";
import { TcpProxy } from "../tests/support/tcp-proxy.ts";
import { WireClient } from "../tests/support/wire-client.ts";
import type { BenchRelay } from "./support/bench-relay.ts";
import { cid, newRoom, TETHER_PACE } from "./support/contenders.ts";
import { type Figure, figure } from "./support/figure.ts";
import { median, round, sleep } from "./support/stats.ts";

const RUNS = 3;
const MISSED = 200;
/** How long the phone stays away after the last missed message is stored (its redial backoff grows meanwhile). */
const AWAY_MS = 3_000;
const WAIT_MS = 60_000;
const MACHINE = "benchmark01";

type Run = { radioMs: number; proxyOnlyMs: number };

/**
 * The phone comes back online: the web app in Chromium shows a session room through a TCP proxy;
 * the proxy cuts every connection while 200 messages arrive in the room, then lets them through
 * again. The clock runs from the restore to the last missed message on screen.
 */
export async function measureWebBackOnline(relay: BenchRelay): Promise<Figure[]> {
  const browser = await launchBrowser();
  const runs: Run[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      runs.push({
        radioMs: await runOnce(browser, relay, true),
        proxyOnlyMs: await runOnce(browser, relay, false),
      });
    }
  } finally {
    await browser.close();
  }
  const none = "no counterpart: ws and Socket.IO are transports, not a phone app";
  return [
    figure(
      {
        id: "web-back-online",
        name: "web app back online: network returns → the last of 200 missed messages on screen",
        unit: "ms",
        better: "lower",
        method:
          `Chromium ${browser.version()} (${chromiumForTests().source}, headless, playwright-core), a phone ` +
          `context paired with the relay's machine, showing a session room (/s/<room>), the page and its ` +
          `WebSocket through a loopback TCP proxy (tests/support/tcp-proxy.ts) to the embedded relay, no ` +
          `throttling. The proxy cuts every connection and refuses new ones, and Chromium's network goes ` +
          `offline (CDP Network.emulateNetworkConditions, so the page gets the \`offline\` and \`online\` ` +
          `events a phone's radio gives); the bridge's side (a wire client with the bridge token) sends ` +
          `${MISSED} agent.message bodies, acked by the relay; ${AWAY_MS} ms later both come back. The clock ` +
          `runs from just before the restore to the page's DOM holding the last message's text (a ` +
          `MutationObserver in the page, same machine clock). ${RUNS} runs; value = median. detail.proxyOnlyMs: ` +
          `the same with the proxy alone (no online event: the app's own redial timer decides).`,
      },
      [
        {
          contender: "tether",
          value: round(median(runs.map((r) => r.radioMs)), 0),
          detail: {
            runsMs: runs.map((r) => round(r.radioMs, 0)),
            proxyOnlyMs: runs.map((r) => round(r.proxyOnlyMs, 0)),
            proxyOnlyMedianMs: round(median(runs.map((r) => r.proxyOnlyMs)), 0),
          },
        },
        { contender: "ws", value: null, cannot: none },
        { contender: "socketio", value: null, cannot: none },
      ],
    ),
  ];
}

async function runOnce(
  browser: Awaited<ReturnType<typeof launchBrowser>>,
  relay: BenchRelay,
  radio: boolean,
): Promise<number> {
  const proxy = new TcpProxy();
  await proxy.start(Number(new URL(relay.url).port));
  const room = newRoom();
  const bridge = await WireClient.open(relay.wsUrl, room, relay.bridgeToken, { pace: TETHER_PACE });
  let context: BrowserContext | null = null;
  try {
    await bridge.hello({ cid: cid("bench-bridge"), epoch: 1, since: null, tail: 0 });
    await sendAll(bridge, [agentMessage("before the cut")]);
    context = await phoneContext(browser);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await openSession(page, proxy.url, relay.deviceToken, room);
    await untilText(page, "before the cut");
    const last = `missed ${MISSED} ${randomBytes(4).toString("hex")}`;
    await watchFor(page, last);
    proxy.cut();
    if (radio) await network(cdp, false);
    const missed = Array.from({ length: MISSED }, (_, i) =>
      agentMessage(i === MISSED - 1 ? last : `missed ${i + 1}`),
    );
    await sendAll(bridge, missed);
    await sleep(AWAY_MS);
    const restoredAt = Date.now();
    proxy.restore();
    if (radio) await network(cdp, true);
    const seenAt = await until<number>(page, "globalThis.__tetherSeenAt");
    return seenAt - restoredAt;
  } finally {
    await context?.close();
    await bridge.close();
    await proxy.stop();
  }
}

/**
 * Pairs the page's IndexedDB with the machine (the records the pairing page writes) and opens the
 * room. Page code is passed as strings: the bench's TypeScript has no DOM types, and CDP's
 * evaluation is not subject to the page's CSP.
 */
async function openSession(page: Page, origin: string, token: string, room: string): Promise<void> {
  await page.goto(`${origin}/`);
  // The app creates its database (with its stores) at start-up; the records go into that one.
  await until(
    page,
    `indexedDB.databases().then((ds) => ds.some((d) => d.name === "tether" && d.version >= 1) ? true : null)`,
  );
  const device = { machineId: MACHINE, token, credId: "bench1", label: "bench", pairedAt: Date.now() };
  await page.evaluate(`new Promise((resolve, reject) => {
    const req = indexedDB.open("tether");
    req.onerror = () => reject(req.error);
    req.onupgradeneeded = () => reject(new Error("the app has not created its database"));
    req.onsuccess = () => {
      try {
        const db = req.result;
        const tx = db.transaction("kv", "readwrite");
        tx.objectStore("kv").put([${JSON.stringify(device)}], "devices");
        tx.objectStore("kv").put(${JSON.stringify({ [room]: MACHINE })}, "roomMachine");
        tx.oncomplete = () => { db.close(); resolve(true); };
        tx.onerror = () => reject(tx.error);
      } catch (err) {
        reject(err);
      }
    };
  })`);
  await page.goto(`${origin}/s/${room}`);
}

/** Notes in the page when `text` is first in the DOM (Date.now(), the machine's clock). */
async function watchFor(page: Page, text: string): Promise<void> {
  await page.evaluate(`(() => {
    globalThis.__tetherSeenAt = null;
    const t = ${JSON.stringify(text)};
    const obs = new MutationObserver(() => {
      if (globalThis.__tetherSeenAt === null && document.body.textContent.includes(t)) {
        globalThis.__tetherSeenAt = Date.now();
        obs.disconnect();
      }
    });
    obs.observe(document.body, { childList: true, subtree: true, characterData: true });
  })()`);
}

async function untilText(page: Page, text: string): Promise<void> {
  await until(page, `document.body.textContent.includes(${JSON.stringify(text)}) ? true : null`);
}

/** Polls an expression in the page until it is not null (the page's CSP rules out waitForFunction). */
async function until<T>(page: Page, expression: string): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const v = (await page.evaluate(expression)) as T | null;
    if (v !== null) return v;
    if (Date.now() > deadline)
      throw new Error(`web back-online: gave up after ${WAIT_MS} ms on ${expression}`);
    await sleep(10);
  }
}

async function network(cdp: CDPSession, up: boolean): Promise<void> {
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: !up,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
  });
}

async function sendAll(bridge: WireClient, msgs: OutMsg[]): Promise<void> {
  for (let i = 0; i < msgs.length; i += 100) {
    const r = await bridge.send(msgs.slice(i, i + 100));
    if (r.status !== "acked" || r.refused.length > 0) throw new Error(`send failed: ${JSON.stringify(r)}`);
  }
}

function agentMessage(text: string): OutMsg {
  return {
    mid: randomBytes(16).toString("base64url"),
    kind: "agent.message",
    body: { id: randomBytes(8).toString("hex"), blocks: [{ type: "text", text }] },
  };
}
