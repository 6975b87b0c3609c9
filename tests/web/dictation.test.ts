import { describe, expect, it } from "vitest";
import { type Phone, until } from "../support/bridge-world.ts";
import { screenshot } from "../support/browser.ts";
import { openPhonePage, pairByLink, startSession, WAIT, withDiagnostics } from "../support/web-app.ts";
import { useWebWorld } from "../support/web-world.ts";

// Issue 13, dictation: the browser's speech recognition fills the composer as words come and sends
// when the person stops talking, if they asked for that. The recogniser is a stand-in injected
// into the page (the only fake here): the test says what it "heard".

const web = useWebWorld();

/** A SpeechRecognition the test drives through `window.__speech`. */
const STAND_IN = `(() => {
  const speech = { started: 0, current: null,
    say(text, isFinal) {
      const r = speech.current; if (!r) throw new Error("not listening");
      const result = { 0: { transcript: text }, length: 1, isFinal };
      r.onresult?.({ results: { 0: result, length: 1 } });
    },
    end() { const r = speech.current; speech.current = null; r?.onend?.(); },
  };
  class StandIn {
    start() { speech.started++; speech.current = this; }
    stop() { speech.end(); }
  }
  window.SpeechRecognition = StandIn;
  window.__speech = speech;
})();`;

describe("dictation", () => {
  it("fills the composer as words come, and sends when the person stops talking", async () => {
    await withDiagnostics("dictation", web.w, web.phones, () => run());
  }, 180_000);

  it("is not offered where the browser has no speech recognition", async () => {
    const bare = await openPhonePage(web.browser);
    await bare.page
      .context()
      .addInitScript("delete window.SpeechRecognition; delete window.webkitSpeechRecognition;");
    await pairByLink(bare.page, web.w);
    await startSession(bare.page, { title: "no mic" });
    await bare.page.getByLabel("Message to Claude").waitFor();
    expect(await bare.page.getByRole("button", { name: "Dictate" }).count()).toBe(0);
    await bare.page.context().close();
  }, 120_000);
});

async function run(): Promise<void> {
  const { w, phone } = web;
  const { page } = phone;
  await page.context().addInitScript(STAND_IN);
  await pairByLink(page, w);
  const room = await startSession(page, { title: "dictated" });
  const log: Phone = await w.phone(room);
  const box = page.getByLabel("Message to Claude");
  await box.fill("Please");

  await page.getByRole("button", { name: "Dictate" }).click();
  await page.getByText("Listening…").waitFor();
  expect(await page.evaluate("window.__speech.started")).toBe(1);
  await page.evaluate(`window.__speech.say("fix the", false)`);
  await expectBox("Please fix the");
  await page.evaluate(`window.__speech.say("fix the failing test", true)`);
  await expectBox("Please fix the failing test");
  await screenshot(page, "dictation-01-listening");

  // Stopping by hand keeps the words in the box; nothing is sent.
  await page.getByRole("button", { name: "Stop dictation" }).click();
  await page.getByRole("button", { name: "Dictate" }).waitFor();
  expect(log.of("user.message")).toEqual([]);

  // With "send when I stop talking", the end of speech sends what is in the box, once.
  await box.fill("");
  await page.getByRole("button", { name: "Dictate" }).click();
  await page.getByLabel("Send when I stop talking").check();
  await page.evaluate(`window.__speech.say("run the linter", true)`);
  await page.evaluate("window.__speech.end()");
  const sent = await log.wait("user.message", (m) => m.text === "run the linter", WAIT);
  expect(sent.text).toBe("run the linter");
  await expectBox("");
  expect(log.bodies("user.message").map((m) => m.text)).toEqual(["run the linter"]);

  async function expectBox(value: string): Promise<void> {
    // Polled through the protocol: the app's CSP refuses waitForFunction's text.
    await until(
      async () => ((await box.inputValue()) === value ? true : null),
      WAIT,
      `the box to read "${value}"`,
    );
  }
}
