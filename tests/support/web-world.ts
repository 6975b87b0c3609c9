import type { Browser } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { BridgeWorld } from "./bridge-world.ts";
import { launchBrowser } from "./browser.ts";
import { freePort } from "./relay-process.ts";
import { TcpProxy } from "./tcp-proxy.ts";
import { openPhonePage, type PhonePage } from "./web-app.ts";

/**
 * What a browser test of the phone app (tests/web/) runs against: the relay and a running bridge
 * (a BridgeWorld), Chromium, optionally a TCP proxy in front of the relay, and fresh phone pages.
 * Each field is there from the test file's beforeAll on; reading it earlier throws.
 */
export type WebWorld = {
  readonly w: BridgeWorld;
  readonly browser: Browser;
  /** Only with `proxy: true`. */
  readonly proxy: TcpProxy;
  /** The other machines asked for with `machines`, in that order. */
  readonly more: BridgeWorld[];
  /** The first of `phones`. */
  readonly phone: PhonePage;
  readonly phones: PhonePage[];
  /** Where the phones open the app: the relay's URL, or with `lan` its plain-HTTP LAN-like origin. */
  readonly origin: string;
};

/** Another machine with its running bridge: on the first world's relay, or on a relay of its own. */
export type MoreMachine = { name: string; relay: "same" | "own" };

/**
 * `lan`: play `tether up --lan` with this host name. Chromium resolves it to loopback, so the page
 * is plain HTTP off loopback, not a secure context (no WebCrypto, no service worker); the relay
 * checks Host as the embedded one does and serves that name as `tether up --lan` has it serve
 * its LAN address (TETHER_EMBEDDED, TETHER_HOSTS).
 */
export type WebWorldOptions = {
  proxy?: boolean;
  phones?: number;
  env?: NodeJS.ProcessEnv;
  lan?: string;
  machines?: MoreMachine[];
};

/**
 * Registers the test file's beforeAll (start the world, its bridge, the other `machines` with
 * theirs, the proxy if asked for, the browser, then `phones` phone pages at once; default 1) and
 * afterAll (stop them all), and returns the world they fill in. Call it at the top level of a
 * test file.
 */
export function useWebWorld(o: WebWorldOptions = {}): WebWorld {
  let w: BridgeWorld | undefined;
  const more: BridgeWorld[] = [];
  let proxy: TcpProxy | undefined;
  let browser: Browser | undefined;
  let phones: PhonePage[] | undefined;

  beforeAll(async () => {
    const relays = await peerRelays(1 + (o.machines?.filter((m) => m.relay === "own").length ?? 0));
    const lanVars = o.lan ? { TETHER_EMBEDDED: "1", TETHER_HOSTS: o.lan } : {};
    const first = relays.shift() ?? {};
    w = await BridgeWorld.start({ ...first, relayVars: { ...first.relayVars, ...lanVars } });
    w.extraEnv = o.env ?? {};
    w.startBridge();
    for (const m of o.machines ?? []) {
      const other = await BridgeWorld.start({
        name: m.name,
        ...(m.relay === "same" ? { alongside: w } : (relays.shift() ?? {})),
      });
      more.push(other);
      other.extraEnv = o.env ?? {};
      other.startBridge();
    }
    if (o.proxy) {
      proxy = new TcpProxy();
      await proxy.start(w.relay.port);
    }
    const b = await launchBrowser(o.lan ? [`--host-resolver-rules=MAP ${o.lan} 127.0.0.1`] : []);
    browser = b;
    phones = await Promise.all(Array.from({ length: o.phones ?? 1 }, () => openPhonePage(b)));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await proxy?.stop();
    // Those on the first world's relay go first: its stop takes the relay down.
    for (const m of more.reverse()) await m.stop();
    await w?.stop();
  }, 60_000);

  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useWebWorld: no ${what} (before beforeAll, or not asked for)`);
    return value;
  };
  return {
    get w() {
      return ready(w, "world");
    },
    get more() {
      return more;
    },
    get browser() {
      return ready(browser, "browser");
    },
    get proxy() {
      return ready(proxy, "proxy");
    },
    get phone() {
      return ready(phones?.[0], "phone");
    },
    get phones() {
      return ready(phones, "phones");
    },
    get origin() {
      const relay = ready(w, "world").relay;
      return o.lan ? `http://${o.lan}:${relay.port}` : relay.url;
    },
  };
}

/**
 * How to start `n` relays: alone, as the relay is by default; several, each other's peers
 * (docs/protocol.md §3.6), so one phone app can reach them all. Their ports are chosen first.
 */
async function peerRelays(n: number): Promise<{ relayPort?: number; relayVars?: Record<string, string> }[]> {
  if (n === 1) return [{}];
  const ports = await Promise.all(Array.from({ length: n }, () => freePort()));
  return ports.map((port) => ({
    relayPort: port,
    relayVars: {
      TETHER_PEER_RELAYS: ports
        .filter((p) => p !== port)
        .map((p) => `http://127.0.0.1:${p}`)
        .join(","),
    },
  }));
}
