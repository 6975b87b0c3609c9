import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { createPairingLink } from "../../bridge/e2e/pairing-link.ts";
import type { StoredMsg } from "../../shared/protocol/index.ts";
import { type BridgeWorld, type Phone, until } from "./bridge-world.ts";
import { type PhoneOptions, pageLog, phoneContext, screenshot } from "./browser.ts";
import { ScriptedModel } from "./scripted-model.ts";

/**
 * Shared steps of the phone app's browser tests (tests/web/): a phone page with its log, pairing
 * by link, starting a session from the UI, sending, and reading what Claude was really shown.
 */
export const WAIT = 60_000;

export type PhonePage = { context: BrowserContext; page: Page; log: string[] };

/**
 * A fresh phone (own storage) with one page. The page records every text the relay indicator
 * showed, with the page's clock (window.__relayStates), so a test can check what it said while
 * the network was cut, not only at the moments it looked.
 */
export async function openPhonePage(browser: Browser, o: PhoneOptions = {}): Promise<PhonePage> {
  const context = await phoneContext(browser, o);
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  const log = pageLog(page);
  await page.addInitScript({
    content: `(() => {
      const states = (window.__relayStates = []);
      let last = null;
      const look = () => {
        const el = document.querySelector("[data-testid='relay-status']");
        const text = el ? el.textContent : null;
        if (text !== last) { last = text; states.push([Date.now(), text]); }
      };
      new MutationObserver(look).observe(document, { childList: true, subtree: true, characterData: true });
    })();`,
  });
  return { context, page, log };
}

/** Every [page time, text] the relay indicator showed since the page loaded (null: not on screen). */
export async function relayStates(page: Page): Promise<[number, string | null][]> {
  return (await page.evaluate("window.__relayStates")) as [number, string | null][];
}

/** The page's clock (the indicator records are in it). */
export async function pageNow(page: Page): Promise<number> {
  return (await page.evaluate("Date.now()")) as number;
}

/**
 * A pairing link as `tether pair` makes it (docs/protocol.md §12.4: the machine's key and a
 * pairing secret in the fragment, the secret kept in the bridge's state dir), at `origin` (the
 * relay or a proxy in front of it). Without a label, like `tether pair` without `--label`: the
 * phone names itself.
 */
export async function pairingLink(w: BridgeWorld, origin = w.relay.url): Promise<string> {
  const made = await createPairingLink({ relayUrl: w.relay.url, token: w.bridgeToken }, w.stateDir);
  if (!made.ok) throw new Error(`pairing link: ${made.code} ${made.message}`);
  // Links name the relay's public origin; the phone must use `origin` (e.g. a proxy) instead.
  const link = new URL(made.value.url);
  return `${origin}${link.pathname}${link.hash}`;
}

/** The relay's own pairing link (POST /api/pairings): no end-to-end keys, which the app refuses. */
export async function relayPairingLink(w: BridgeWorld, origin = w.relay.url): Promise<string> {
  const res = await fetch(`${origin}/api/pairings`, {
    method: "POST",
    headers: { authorization: `Bearer ${w.bridgeToken}`, "content-type": "application/json" },
    body: JSON.stringify({ label: "browser test" }),
  });
  if (res.status !== 201) throw new Error(`POST /api/pairings: ${res.status} ${await res.text()}`);
  const { url } = (await res.json()) as { url: string };
  // Links name the relay's public origin; the phone must use `origin` (e.g. a proxy) instead.
  const link = new URL(url);
  return `${origin}${link.pathname}${link.hash}`;
}

/** Pairs by link and waits for the machine page with the relay and the bridge online. */
export async function pairByLink(page: Page, w: BridgeWorld, origin = w.relay.url): Promise<void> {
  await page.goto(await pairingLink(w, origin));
  await page.getByRole("heading", { name: w.name }).waitFor();
  await relayStatus(page).filter({ hasText: "Connected" }).waitFor();
  await bridgeStatus(page).filter({ hasText: "Bridge online" }).waitFor();
  // The node-side reader of the room logs (w.phone) is a paired device too: enrolled now, before
  // any session exists, so it is granted every room's first key as the room opens.
  await w.enroll();
}

/** From the machine page: a new session under the bridge's root; returns its room. */
export async function startSession(page: Page, o: { title: string; prompt?: string }): Promise<string> {
  await page.getByRole("button", { name: "New session" }).click();
  await page.getByLabel("Title (optional)").fill(o.title);
  if (o.prompt) await page.getByLabel("First prompt (optional)").fill(o.prompt);
  await page.getByRole("button", { name: "Start session" }).click();
  await page.waitForURL(/\/s\/s-[A-Za-z0-9_-]+$/);
  await page.getByRole("heading", { name: o.title }).waitFor();
  await relayStatus(page).filter({ hasText: "Connected" }).waitFor();
  return new URL(page.url()).pathname.slice("/s/".length);
}

export function relayStatus(page: Page): Locator {
  return page.getByTestId("relay-status");
}

export function bridgeStatus(page: Page): Locator {
  return page.getByTestId("bridge-status");
}

export function transcript(page: Page): Locator {
  return page.getByRole("log", { name: "Conversation" });
}

/** The user's bubble with exactly `text`. */
export function userMsg(page: Page, text: string): Locator {
  return transcript(page)
    .locator(".msg.user")
    .filter({ has: page.locator(".bubble", { hasText: text }) });
}

/** Types `text` into the composer and presses Send. */
export async function typeAndSend(page: Page, text: string): Promise<void> {
  await page.getByLabel("Message to Claude").fill(text);
  await sendDraft(page);
}

/** Presses Send and waits until the box is empty: it is cleared once the message is in the outbox. */
export async function sendDraft(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await page.getByLabel("Message to Claude").and(page.locator(":placeholder-shown")).waitFor();
}

/** The text of the last user message in each conversation request the model received. */
export function promptsSeen(model: ScriptedModel): string[] {
  return model.turns().map((r) => {
    const last = r.body.messages.findLast((m) => m.role === "user");
    return last ? ScriptedModel.userTexts({ messages: [last] }).join("\n") : "";
  });
}

/** How many conversation requests ended on a user message containing `marker`, in order of arrival. */
export function turnsFor(model: ScriptedModel, markers: string[]): string[] {
  return promptsSeen(model).flatMap((p) => markers.filter((m) => p.includes(m)));
}

/**
 * The session room's log as a node-side phone sees it. For each user.message with one of
 * `markers`: its mid, and the inputMids of every turn.started and turn.result, in log order.
 */
export function turnsInLog(phone: Phone, markers: string[]) {
  const msgs = phone.msgs;
  const text = (m: StoredMsg) => (m.body as { text?: string }).text ?? "";
  const users = msgs.filter((m) => m.kind === "user.message" && markers.some((k) => text(m).includes(k)));
  const mids = new Set(users.map((m) => m.mid));
  const inputs = (kind: string) =>
    msgs
      .filter((m) => m.kind === kind)
      .flatMap((m) => {
        const mid = (m.body as { inputMid?: string }).inputMid;
        return mid && mids.has(mid) ? [mid] : [];
      });
  return {
    users: users.map((m) => ({ mid: m.mid, text: text(m) })),
    started: inputs("turn.started"),
    results: inputs("turn.result"),
  };
}

/** Waits until the room log holds a turn.result for every user.message with one of `markers`. */
export async function waitTurnsDone(phone: Phone, markers: string[], ms = WAIT): Promise<void> {
  await until(
    () => {
      const t = turnsInLog(phone, markers);
      return t.users.length >= markers.length && t.results.length >= t.users.length ? true : null;
    },
    ms,
    `turn results for ${markers.join(", ")} (${phone.describe()})`,
  );
}

/**
 * Runs a test body; on failure adds the page logs and the bridge's output to the error and saves
 * a screenshot of each page, so a failing run can be understood from its report.
 */
export async function withDiagnostics(
  name: string,
  w: BridgeWorld,
  pages: PhonePage[],
  body: () => Promise<void>,
): Promise<void> {
  try {
    await body();
  } catch (err) {
    const logs: string[] = [];
    for (const [i, p] of pages.entries()) {
      await screenshot(p.page, `${name}-failure-${i}`).catch((e: Error) =>
        p.log.push(`screenshot: ${e.message}`),
      );
      // A page that never opened the app has no indicator to read.
      const states = (await relayStates(p.page).catch(() => [])) ?? [];
      logs.push(
        `--- page ${i} (${p.page.url()}) log ---\n${p.log.join("\n")}\n--- its relay indicator ---\n${states
          .map(([t, s]) => `${t} ${s}`)
          .join("\n")}`,
      );
    }
    throw new Error(
      `${(err as Error).message}\n${logs.join("\n")}\n--- bridge ---\n${w.bridge?.output.slice(-3000) ?? ""}`,
      { cause: err },
    );
  }
}
