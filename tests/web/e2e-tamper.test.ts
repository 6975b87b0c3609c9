import type { Page, WebSocketRoute } from "playwright-core";
import { describe, expect, it } from "vitest";
import { Sealed } from "../../shared/protocol/e2e.ts";
import { until } from "../support/bridge-world.ts";
import {
  pairByLink,
  startSession,
  transcript,
  typeAndSend,
  userMsg,
  WAIT,
  withDiagnostics,
} from "../support/web-app.ts";
import { useWebWorld } from "../support/web-world.ts";

// A relay that rewrites what it serves (docs/protocol.md §12.3, §12.9), played by a man in the
// middle on the phone's own sockets (Playwright's WebSocket routing): the bridge's answer to each
// prompt reaches the page with its body swapped for another message's, its kind changed, a body
// from another room in its place, or its ciphertext cut short. The real app must show each as
// "could not be verified" and apply none of them as what they claim to be.

type Tamper = "swap" | "rekind" | "move" | "cut";
type Item = { seq: number; mid: string; kind: string; body: unknown };

const web = useWebWorld({ phones: 1 });

describe("a relay rewriting the frames it serves the phone", () => {
  it("swapped, re-kinded, moved and cut bodies each show as unverifiable, none as genuine", async () => {
    await withDiagnostics("e2e-tamper", web.w, web.phones, () => run());
  }, 240_000);
});

/** Rewrites `msgs` frames from the relay: the next agent.message gets the next armed tamper. */
class FrameRewriter {
  readonly armed: Tamper[] = [];
  readonly done: { tamper: Tamper; mid: string }[] = [];
  /** The last sealed body seen in each room, and the last user.message of each. */
  #lastSealed = new Map<string, unknown>();
  #lastUser = new Map<string, Item>();

  async install(page: Page): Promise<void> {
    await page.routeWebSocket(/\/v1\/rooms\//, (ws) => this.#route(ws));
  }

  #route(ws: WebSocketRoute): void {
    const room = new URL(ws.url()).pathname.split("/").at(-1) ?? "";
    const server = ws.connectToServer();
    ws.onMessage((m) => server.send(m));
    server.onMessage((m) => ws.send(typeof m === "string" ? this.#rewrite(room, m) : m));
  }

  #rewrite(room: string, text: string): string {
    if (!text.startsWith('{"t":"msgs"')) return text;
    const frame = JSON.parse(text) as { t: "msgs"; items: Item[] };
    frame.items = frame.items.map((item) => this.#item(room, item));
    return JSON.stringify(frame);
  }

  #item(room: string, item: Item): Item {
    const next = this.armed[0];
    const other = [...this.#lastSealed].find(([r]) => r !== room)?.[1];
    const user = this.#lastUser.get(room);
    if (item.kind === "user.message") this.#lastUser.set(room, item);
    if (Sealed.safeParse(item.body).success) this.#lastSealed.set(room, item.body);
    if (item.kind !== "agent.message" || !next || !Sealed.safeParse(item.body).success) return item;
    const tampered = tamper(next, item, { user, other });
    if (!tampered) return item;
    this.armed.shift();
    this.done.push({ tamper: next, mid: item.mid });
    return tampered;
  }
}

function tamper(how: Tamper, item: Item, from: { user: Item | undefined; other: unknown }): Item | null {
  const body = item.body as Sealed;
  if (how === "swap") return from.user ? { ...item, body: from.user.body } : null;
  if (how === "rekind") return { ...item, kind: "user.message" };
  if (how === "move") return from.other ? { ...item, body: from.other } : null;
  // One byte of ciphertext fewer, still well-formed base64url: only the tag can tell.
  const c = Buffer.from(body.c, "base64url").subarray(0, -1).toString("base64url");
  return { ...item, body: { ...body, c } };
}

async function run(): Promise<void> {
  const { w, phone } = web;
  const { page } = phone;
  const rewriter = new FrameRewriter();
  await rewriter.install(page);
  await pairByLink(page, w);
  await startSession(page, { title: "tampered on the way" });
  const t = transcript(page);
  const unverified = t.getByTestId("unverified");

  const tampers: Tamper[] = ["swap", "rekind", "move", "cut"];
  for (const [i, how] of tampers.entries()) {
    rewriter.armed.push(how);
    const prompt = `tamper-${how}-9z`;
    await typeAndSend(page, prompt);
    await until(
      () => (rewriter.done.length === i + 1 ? true : null),
      WAIT,
      `the answer to ${prompt} to be rewritten (${how})`,
    );
    // The tampered answer is a row saying why it is not trusted, with the tag failing.
    await until(
      async () => ((await unverified.count()) === i + 1 ? true : null),
      WAIT,
      `${i + 1} unverified rows`,
    );
  }
  expect(rewriter.done.map((d) => d.tamper)).toEqual(tampers);
  const reasons = await unverified.evaluateAll((rows) => rows.map((r) => r.getAttribute("data-reason")));
  expect(reasons).toEqual(["bad_tag", "bad_tag", "bad_tag", "bad_tag"]);
  // Nothing tampered was applied as what it claims: the swapped-in prompt body shows once (as the
  // prompt), and the re-kinded answer is no prompt of the person's.
  for (const how of tampers) expect(await userMsg(page, `tamper-${how}-9z`).count()).toBe(1);
  expect(await t.locator(".msg.user", { hasText: "Echo:" }).count()).toBe(0);
  expect(phone.log.filter((l) => l.startsWith("pageerror"))).toEqual([]);
}
