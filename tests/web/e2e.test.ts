import { describe, expect, it } from "vitest";
import { CLEAR_KINDS, Sealed } from "../../shared/protocol/e2e.ts";
import type { StoredMsg } from "../../shared/protocol/index.ts";
import { until } from "../support/bridge-world.ts";
import {
  pairByLink,
  pairingLink,
  relayPairingLink,
  sendDraft,
  startSession,
  transcript,
  typeAndSend,
  userMsg,
  WAIT,
  withDiagnostics,
} from "../support/web-app.ts";
import { useWebWorld } from "../support/web-world.ts";

// End-to-end encryption, the phone's side (docs/protocol.md §12): a pairing link without keys is
// refused; a whole scripted session (title, prompt, answer, tool output) shows on the phone while
// everything the relay serves of the room is sealed; a message the relay (or anyone with a token)
// altered or forged is shown as "could not be verified", never as what it claims to be.

const web = useWebWorld({ phones: 2 });

describe("end-to-end encryption in the phone app", () => {
  it("refuses a keyless link, shows a sealed session, marks tampered messages, and waits for a key", async () => {
    await withDiagnostics("e2e", web.w, web.phones, () => run());
  }, 240_000);
});

async function run(): Promise<void> {
  const { w, phone } = web;
  const { page, log } = phone;

  // The relay's own link has no machine key and no pairing secret: refused, never paired in the clear.
  await page.goto(await relayPairingLink(w));
  await page.getByText("This pairing link has no end-to-end encryption keys").waitFor();
  expect(log.some((l) => l.includes("a pairing link without end-to-end keys was refused"))).toBe(true);

  await pairByLink(page, w);
  // The node-side reader of the log is a paired device too, enrolled before the session exists.
  await w.enroll();
  const room = await startSession(page, { title: "sealed e2e-title-7q" });
  const said = "e2e-prompt-7q [[bash cmd=echo_e2e-output-7q]]";
  await typeAndSend(page, said);
  // Claude Code runs a plain `echo` without asking.
  const t = transcript(page);
  await userMsg(page, said).and(page.locator("[data-status='done']")).waitFor();
  // The tool's output (what the shell printed, not the prompt's words) and Claude's answer after it.
  const card = t.getByRole("article", { name: /^Bash: / });
  await card.locator(".output pre", { hasText: /^e2e-output-7q\s*$/ }).waitFor();
  await page.getByRole("heading", { name: "sealed e2e-title-7q" }).waitFor();
  await t.getByTestId("turn-result").filter({ hasText: "Done" }).waitFor();

  // What the relay serves of the room (what it stores): envelopes and sealed bodies only.
  const logPhone = await w.phone(room);
  await logPhone.wait("turn.result");
  const raw: StoredMsg[] = logPhone.raw;
  const clear = raw.filter((m) => !CLEAR_KINDS.has(m.kind) && !Sealed.safeParse(m.body).success);
  expect(clear.map((m) => m.kind)).toEqual([]);
  const served = JSON.stringify(raw);
  for (const secret of ["e2e-prompt-7q", "e2e-output-7q", "e2e-title-7q"])
    expect(served).not.toContain(secret);

  // Tampering: a genuine sealed prompt replayed under another mid, and a plaintext body where a
  // sealed one belongs. Neither shows as a prompt; each is a row saying why it is not trusted.
  const genuine = raw.find((m) => m.kind === "user.message");
  if (!genuine) throw new Error("no stored user.message");
  await logPhone.sendUnsealed("user.message", genuine.body);
  await logPhone.sendUnsealed("user.message", { text: "forged-7q plaintext" });
  const rows = t.getByTestId("unverified");
  await rows.and(page.locator("[data-reason='bad_tag']")).waitFor();
  await rows.and(page.locator("[data-reason='not_sealed']")).waitFor();
  await rows.first().filter({ hasText: "This message could not be verified" }).waitFor();
  expect(await userMsg(page, "forged-7q plaintext").count()).toBe(0);
  expect(await userMsg(page, said).count()).toBe(1);
  await until(
    () => (log.filter((l) => l.includes("could not be verified")).length >= 2 ? true : null),
    WAIT,
    "the page's reports of the two messages",
  );

  // After a reload (the mirror holds sealed bodies and is opened again) the same screen.
  await page.reload();
  await userMsg(page, said).waitFor();
  await t.getByTestId("unverified").and(page.locator("[data-reason='bad_tag']")).waitFor();
  expect(await userMsg(page, "forged-7q plaintext").count()).toBe(0);
  expect(log.filter((l) => l.startsWith("pageerror"))).toEqual([]);

  // A second phone pairs while the bridge is away: a token, but no key yet. It says so, sends
  // nothing (nothing is ever sent unsealed), keeps the text, and sends it once the key has come.
  const second = web.phones[1]?.page;
  if (!second) throw new Error("no second phone");
  expect(await w.bridge?.kill("SIGTERM")).toBe(0);
  await second.goto(await pairingLink(w));
  await second.waitForURL(`${w.relay.url}/m/${w.machineId}`);
  await second.getByText("Waiting for the machine's key").waitFor();
  await second.goto(`${w.relay.url}/s/${room}`);
  await second.getByTestId("waiting-key").waitFor();
  const later = "e2e-later-7q typed before the key";
  await second.getByLabel("Message to Claude").fill(later);
  await second.getByRole("button", { name: "Send", exact: true }).click();
  await second.getByRole("alert").filter({ hasText: "waiting for the machine's key" }).waitFor();
  expect(await second.getByLabel("Message to Claude").inputValue()).toBe(later);
  w.startBridge();
  await second.getByTestId("waiting-key").waitFor({ state: "detached" });
  await second.getByRole("heading", { name: "sealed e2e-title-7q" }).waitFor();
  await sendDraft(second);
  await userMsg(second, later).and(second.locator("[data-status='done']")).waitFor();
  await userMsg(page, later).waitFor();
}
