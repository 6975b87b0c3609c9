import { get } from "node:http";
import { describe, expect, it } from "vitest";
import { CLEAR_KINDS, Sealed } from "../../shared/protocol/e2e.ts";
import { until } from "../support/bridge-world.ts";
import {
  pairByLink,
  promptsSeen,
  startSession,
  transcript,
  typeAndSend,
  userMsg,
  WAIT,
  withDiagnostics,
} from "../support/web-app.ts";
import { useWebWorld } from "../support/web-world.ts";

// `tether up --lan`: the app over plain HTTP on a LAN address, where the browser offers no
// WebCrypto (docs/protocol.md §12). The phone pairs by a whole link, seals and opens with the
// pure-JavaScript twin (shared/core/e2e/soft-primitives.ts), and the bridge runs what it sends.
// The LAN address is a name Chromium resolves to loopback, so the page is not a secure context,
// and the relay checks Host as the embedded relay with --lan does.

const LAN_HOST = "tether-lan.test";
const web = useWebWorld({ lan: LAN_HOST });
const SOFT_CHUNK = /^\/assets\/soft-primitives-[\w-]+\.js$/;

describe("the phone app over plain HTTP on a LAN address", () => {
  it("pairs, shows a sealed session and sends prompts the bridge runs, without WebCrypto", async () => {
    await withDiagnostics("lan", web.w, web.phones, () => run());
  }, 240_000);
});

async function run(): Promise<void> {
  const { w, phone, origin } = web;
  const { page, log } = phone;
  // The relay serves the LAN name it was given and refuses others, as `tether up --lan` does.
  expect(await statusFor(w.relay.port, LAN_HOST)).toBe(200);
  expect(await statusFor(w.relay.port, "rebound.test")).toBe(421);
  const softLoads: string[] = [];
  page.on("request", (r) => {
    if (SOFT_CHUNK.test(new URL(r.url()).pathname)) softLoads.push(r.url());
  });

  await pairByLink(page, w, origin);
  expect(new URL(page.url()).origin).toBe(origin);
  // Not a secure context: this test cannot pass on WebCrypto.
  expect(
    await page.evaluate("[window.isSecureContext, typeof crypto.subtle, typeof crypto.getRandomValues]"),
  ).toEqual([false, "undefined", "function"]);
  expect(softLoads.length).toBeGreaterThan(0);
  const note = page.getByRole("note").filter({ hasText: "the app works only while online" });
  await note.getByText("Messages are still end-to-end encrypted").waitFor();

  const room = await startSession(page, { title: "lan lan-title-3k" });
  const said = "lan-prompt-3k [[bash cmd=echo_lan-output-3k]]";
  await typeAndSend(page, said);
  const t = transcript(page);
  await userMsg(page, said).and(page.locator("[data-status='done']")).waitFor();
  const card = t.getByRole("article", { name: /^Bash: / });
  await card.locator(".output pre", { hasText: /^lan-output-3k\s*$/ }).waitFor();
  await t.getByTestId("turn-result").filter({ hasText: "Done" }).waitFor();
  expect(promptsSeen(w.model).some((p) => p.includes("lan-prompt-3k"))).toBe(true);

  // What the relay stores of the room: sealed bodies only.
  const logPhone = await w.phone(room);
  await logPhone.wait("turn.result");
  const clear = logPhone.raw.filter((m) => !CLEAR_KINDS.has(m.kind) && !Sealed.safeParse(m.body).success);
  expect(clear.map((m) => m.kind)).toEqual([]);
  const served = JSON.stringify(logPhone.raw);
  for (const secret of ["lan-prompt-3k", "lan-output-3k", "lan-title-3k"])
    expect(served).not.toContain(secret);

  // After a reload the keys come back from IndexedDB (plain values there, no CryptoKey): the
  // transcript opens again and the next prompt is sealed with the kept room key.
  softLoads.length = 0;
  await page.reload();
  await userMsg(page, said).waitFor();
  expect(softLoads.length).toBeGreaterThan(0);
  const again = "lan-again-3k after a reload";
  await typeAndSend(page, again);
  await userMsg(page, again).and(page.locator("[data-status='done']")).waitFor();
  await until(
    () => (promptsSeen(w.model).some((p) => p.includes("lan-again-3k")) ? true : null),
    WAIT,
    "the model to be asked the prompt sent after the reload",
  );
  expect(log.filter((l) => l.startsWith("pageerror"))).toEqual([]);
}

/** The relay's answer to GET /healthz under `host` (what a browser puts in Host for that name). */
function statusFor(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get({ host: "127.0.0.1", port, path: "/healthz", headers: { host: `${host}:${port}` } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on("error", reject);
  });
}
