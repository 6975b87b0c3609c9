import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { expect } from "vitest";
import type { TokenInfo } from "../../shared/protocol/index.ts";
import type { BridgeWorld, Phone } from "./bridge-world.ts";
import { runTether } from "./tether-process.ts";
import { WAIT } from "./web-app.ts";

/** Steps of the tests of one phone with many machines (tests/web/many-*.test.ts). */

export function machineRow(page: Page, name: string) {
  return page.getByRole("list", { name: "Paired machines" }).getByRole("listitem", { name, exact: true });
}

/** Waits until the inbox badge (on any page with the top bar) says `n`. */
export async function inboxCount(page: Page, n: number): Promise<void> {
  await page
    .getByTestId("inbox-link")
    .and(page.getByLabel(`Inbox: ${n} waiting`))
    .waitFor();
}

/** A session on `m` whose first prompt asks to Write `file`; returns the node-side reader of its room. */
export function promptOn(m: BridgeWorld, title: string, file: string): Promise<Phone> {
  return askOn(m, title, `please [[write path=${file} content=hi_there]]`);
}

/** A session on `m` whose first prompt makes Claude ask something (a permission, a question). */
export async function askOn(m: BridgeWorld, title: string, prompt: string): Promise<Phone> {
  const machine = await m.machinePhone();
  const s = await m.createSession(machine, { title, prompt });
  await s.wait("permission.request", () => true, WAIT);
  return s;
}

/** `tether devices --json` as run on machine `m` (its relay and bridge token saved in a state dir). */
export async function tetherDevices(m: BridgeWorld): Promise<TokenInfo[]> {
  const dir = join(m.dir, "cli-state");
  mkdirSync(dir, { recursive: true });
  const config = {
    relayUrl: m.relay.url,
    token: m.bridgeToken,
    machineId: m.machineId,
    cid: "brclistate0001",
  };
  writeFileSync(join(dir, "config.json"), JSON.stringify(config));
  const r = await runTether(["devices", "--state-dir", dir, "--json"]);
  if (r.code !== 0) throw new Error(`tether devices: ${r.code} ${r.stderr}`);
  return (JSON.parse(r.stdout) as { tokens: TokenInfo[] }).tokens;
}

/** What `tether revoke` does for the phone's device token on machine `m`. */
export async function revokePhone(m: BridgeWorld): Promise<void> {
  const phone = (await tetherDevices(m)).find((t) => t.kind === "device" && t.label === "Chrome on Android");
  if (!phone) throw new Error("the phone's token is not listed");
  const res = await fetch(`${m.relay.url}/api/tokens/${phone.id}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${m.bridgeToken}` },
  });
  expect(res.status).toBe(200);
}
