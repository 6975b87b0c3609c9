import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { screenshot } from "../support/browser.ts";
import { pairByLink, relayStatus, startSession, userMsg, withDiagnostics } from "../support/web-app.ts";
import { useWebWorld } from "../support/web-world.ts";

// Issue 10: a revoked pairing takes with it everything the phone kept of that machine (rooms,
// drafts, prompts), the share links the phone made die with it, and the page says so.

const web = useWebWorld();

type TokenInfo = {
  id: string;
  kind: string;
  label: string | null;
  createdBy: string | null;
  rooms: string[];
};

describe("revoking a phone's pairing", () => {
  it("wipes the machine's rooms, drafts and prompts from the phone and revokes the links it made", async () => {
    await withDiagnostics("revoke-wipe", web.w, web.phones, () => run());
  }, 240_000);
});

async function run(): Promise<void> {
  const { w } = web;
  const page = web.phone.page;
  await pairByLink(page, w);
  const first = "first-r10 a prompt that must not outlive the pairing";
  const room = await startSession(page, { title: "wiped work", prompt: first });
  await userMsg(page, first).and(page.locator("[data-status='done']")).waitFor();

  // A control link made on this phone says it ends with the pairing.
  await page.getByRole("button", { name: "Session controls" }).click();
  await page.getByRole("button", { name: "Share control link" }).click();
  const lifetime = page.getByTestId("share-lifetime");
  await lifetime.waitFor();
  expect(await lifetime.textContent()).toContain("until this phone's pairing is revoked");
  const link = await page.locator("#session-menu .share input").inputValue();
  const shareToken = new URLSearchParams(new URL(link).hash.slice(1)).get("t");
  expect(link).toMatch(/#t=[^&]+&k=[A-Za-z0-9_-]{43}&i=tk_[A-Za-z0-9_-]{12}$/);
  await page.getByRole("button", { name: "Session controls" }).click();

  // An unsent draft, and what the phone holds before the revocation.
  await page.getByLabel("Message to Claude").fill("draft-r10 unsent words");
  const before = await kept(page, w.machineId, room);
  expect(before.rooms).toEqual(expect.arrayContaining([`m-${w.machineId}`, room]));
  expect(before.device).toBe(true);
  // The phone's end-to-end keys (its device key, the machine room's and the session's keys).
  expect(before.keys).toContain(`tether.e2e.device.${w.machineId}`);
  for (const r of [`m-${w.machineId}`, room])
    expect(
      before.keys.some((k) => new RegExp(`^tether\\.e2e\\.key\\.${r}\\.\\d+$`).test(k)),
      r,
    ).toBe(true);
  expect(before.local.some((k) => k.startsWith("tether.draft."))).toBe(true);
  expect(before.local.some((k) => k.startsWith("tether.prompt."))).toBe(true);

  // The workstation revokes the phone: its share goes with it, and the phone forgets the machine.
  const { tokens } = (await api("GET", "/api/tokens")) as { tokens: TokenInfo[] };
  const share = tokens.find((t) => t.kind === "share" && t.rooms.includes(room));
  const phone = tokens.find((t) => t.id === share?.createdBy);
  expect([phone?.kind, phone?.label]).toEqual(["device", "Chrome on Android"]);
  const revoked = (await api("DELETE", `/api/tokens/${phone?.id}`)) as { shares: string[] };
  expect(revoked.shares).toEqual([share?.id]);
  await relayStatus(page).filter({ hasText: "Access revoked or expired" }).waitFor();
  const alert = page.getByRole("alert").filter({ hasText: "This phone's pairing was revoked" });
  await alert.filter({ hasText: "were removed from this phone" }).waitFor();
  await screenshot(page, "revoke-wipe-01-revoked");

  const after = await kept(page, w.machineId, room);
  expect(after).toEqual({ rooms: [], device: false, roomMachine: [], local: [], pending: [], keys: [] });
  const me = await fetch(`${w.relay.url}/api/me`, { headers: { authorization: `Bearer ${shareToken}` } });
  expect(me.status).toBe(401);

  // A reload finds nothing of the machine: no transcript, no key; the tab still says why.
  expect(await page.evaluate(`sessionStorage.getItem("tether.forgotten")`)).toContain(`device:${room}`);
  await page.reload();
  await page.getByRole("heading", { name: "No access" }).waitFor();
  await page
    .getByRole("alert")
    .filter({ hasText: "pairing with the session's machine was revoked" })
    .waitFor();
  expect(await userMsg(page, first).count()).toBe(0);
  expect(web.phone.log.filter((l) => l.startsWith("pageerror"))).toEqual([]);
}

type Kept = {
  rooms: string[];
  device: boolean;
  roomMachine: string[];
  local: string[];
  pending: string[];
  keys: string[];
};

/** What the page's IndexedDB, localStorage and sessionStorage hold of the machine and its room. */
function kept(page: Page, machineId: string, room: string): Promise<Kept> {
  return page.evaluate(`(${KEPT_SCRIPT})(${JSON.stringify({ machineId, room })})`) as Promise<Kept>;
}

/** Runs in the page (the tests are compiled without the DOM's types, so it is plain text). */
const KEPT_SCRIPT = `async ({ machineId, room }) => {
  const db = await new Promise((resolve, reject) => {
    const r = indexedDB.open("tether");
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const all = (store, keys) =>
    new Promise((resolve, reject) => {
      const s = db.transaction(store, "readonly").objectStore(store);
      const r = keys ? s.getAllKeys() : s.getAll();
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  const mine = (r) => r === "m-" + machineId || r === room;
  const logRooms = (await all("log")).map((m) => m.room);
  const cursorRooms = await all("cursors", true);
  const outboxRooms = (await all("outbox")).map((m) => m.room);
  const rooms = [...new Set([...logRooms, ...cursorRooms, ...outboxRooms])].filter(mine).sort();
  const kv = await all("kv");
  const kvKeys = await all("kv", true);
  const value = (key) => kv[kvKeys.indexOf(key)];
  const devices = value("devices") ?? [];
  const roomMachine = value("roomMachine") ?? {};
  const local = Object.keys(localStorage).filter((k) => k.startsWith("tether.draft.") || k.startsWith("tether.prompt."));
  const pending = Object.keys(sessionStorage).filter((k) => k.startsWith("tether.create."));
  db.close();
  const keys = kvKeys.filter((k) => String(k).startsWith("tether.e2e.") && (String(k).includes(machineId) || String(k).includes(room)));
  return {
    keys,
    rooms,
    device: devices.some((d) => d.machineId === machineId),
    roomMachine: Object.keys(roomMachine).filter((r) => roomMachine[r] === machineId),
    local,
    pending,
  };
}`;

async function api(method: "GET" | "DELETE", path: string): Promise<unknown> {
  const { w } = web;
  const res = await fetch(`${w.relay.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${w.bridgeToken}` },
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}
