import { describe, expect, it } from "vitest";
import { screenshot } from "../support/browser.ts";
import { bridgeStatus, pairByLink, startSession, typeAndSend, withDiagnostics } from "../support/web-app.ts";
import { useWebWorld } from "../support/web-world.ts";

// Issue 17 on the phone: the machine health sheet and a session's history line, from the
// machine.health the bridge publishes (docs/protocol.md §9.12).
const web = useWebWorld();

describe("what the bridge did, on the phone", () => {
  it("the machine page's health sheet and the session menu's history, after a restart", async () => {
    const { w, phone } = web;
    await withDiagnostics("health", w, [phone], async () => {
      const { page } = phone;
      await pairByLink(page, w);
      const room = await startSession(page, { title: "health" });
      const s = await w.phone(room);
      await typeAndSend(page, "hello");
      await s.wait("turn.result", () => true, 60_000);
      // A restart publishes at once what the first bridge did.
      expect(await w.bridge!.kill("SIGTERM")).toBe(0);
      w.startBridge();
      const machine = await w.phone(`m-${w.machineId}`);
      await machine.wait("machine.health", (h) => h.sinceInstall.bridgeStarts === 2, 60_000);

      await page.getByRole("button", { name: "Session controls" }).click();
      await page.getByTestId("session-history").filter({ hasText: "History: 1 turn" }).waitFor();
      await screenshot(page, "health-01-session-history");

      await page.goto(`${w.relay.url}/m/${w.machineId}`);
      await bridgeStatus(page).filter({ hasText: "Bridge online" }).waitFor();
      const sheet = page.getByTestId("machine-health");
      await sheet.getByText("Machine health").click();
      const row = (label: string) => sheet.locator("dl > div").filter({ hasText: label }).locator("dd");
      expect(await row("Sessions created").textContent()).toBe("0 / 1");
      expect(await row("Turns ok").textContent()).toBe("0 / 1");
      expect(await row("Sessions now").textContent()).toBe("0 live, 1 sleeping, 1 in all");
      await screenshot(page, "health-02-machine-sheet");
    });
  }, 240_000);
});
