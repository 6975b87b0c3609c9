import type { Browser } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { BridgeWorld } from "./bridge-world.ts";
import { launchBrowser } from "./browser.ts";
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
  /** The first of `phones`. */
  readonly phone: PhonePage;
  readonly phones: PhonePage[];
  /** Where the phones open the app: the relay's URL, or with `lan` its plain-HTTP LAN-like origin. */
  readonly origin: string;
};

/**
 * `lan`: play `tether up --lan` with this host name. Chromium resolves it to loopback, so the page
 * is plain HTTP off loopback, not a secure context (no WebCrypto, no service worker); the relay
 * checks Host as the embedded one does and serves that name as `tether up --lan` has it serve
 * its LAN address (TETHER_EMBEDDED, TETHER_HOSTS).
 */
export type WebWorldOptions = { proxy?: boolean; phones?: number; env?: NodeJS.ProcessEnv; lan?: string };

/**
 * Registers the test file's beforeAll (start the world, its bridge, the proxy if asked for, the
 * browser, then `phones` phone pages at once; default 1) and afterAll (stop them all), and
 * returns the world they fill in. Call it at the top level of a test file.
 */
export function useWebWorld(o: WebWorldOptions = {}): WebWorld {
  let w: BridgeWorld | undefined;
  let proxy: TcpProxy | undefined;
  let browser: Browser | undefined;
  let phones: PhonePage[] | undefined;

  beforeAll(async () => {
    const lanVars = o.lan ? { TETHER_EMBEDDED: "1", TETHER_HOSTS: o.lan } : {};
    w = await BridgeWorld.start({ relayVars: lanVars });
    w.extraEnv = o.env ?? {};
    w.startBridge();
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
