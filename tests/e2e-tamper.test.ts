import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Sealed } from "../shared/protocol/e2e.ts";
import type { StoredMsg } from "../shared/protocol/index.ts";
import { type Phone, until } from "./support/bridge-world.ts";
import { PhoneKeys } from "./support/phone-keys.ts";
import { useBridgeWorld } from "./support/use-bridge-world.ts";

/**
 * A relay that tampers (docs/protocol.md §12.3, §12.9): bodies swapped between two messages, a
 * body given another kind, moved to another room, cut short, sent in the clear, or sealed under a
 * key generation nobody granted. The relay may do any of this to what it stores; here the phone's
 * socket plays it toward the bridge, and the phone's own opening is held to the same cases on
 * what the bridge sent. Nothing tampered is applied; the bridge answers each with `unverifiable`.
 */
const ctx = useBridgeWorld();
const newMid = () => `m_${randomBytes(12).toString("base64url")}`;

/** The bridge answered `mid` with an unverifiable notice (session or machine room). */
async function refused(phone: Phone, mid: string): Promise<void> {
  await until(
    () =>
      phone.msgs.some((m) => {
        const b = m.body as { code?: string; mid?: string; requestMid?: string } | null;
        return b?.code === "unverifiable" && (b.mid === mid || b.requestMid === mid);
      })
        ? true
        : null,
    30_000,
    `an unverifiable notice for ${mid} (${phone.describe()})`,
  );
}

/** What a turn started by `mid` would leave: none of it may exist. */
function neverRan(phone: Phone, mid: string): void {
  const started = phone.bodies("turn.started").some((t) => t.inputMid === mid);
  const prompted = phone.of("permission.request").length;
  expect(started, `a turn started for ${mid}`).toBe(false);
  expect(prompted).toBe(0);
}

describe("tampered bodies toward the bridge", () => {
  it("swapped, re-kinded, moved, truncated, plaintext and unknown-key bodies are skipped with a notice", async () => {
    const { w, machine } = ctx;
    const a = await w.createSession(machine, { title: "tamper a" });
    const b = await w.createSession(machine, { title: "tamper b" });
    const write = (name: string) => ({ text: `[[write path=${join(w.project, name)} content=x]]` });

    // Two genuine messages with their bodies swapped: each body names the other's mid.
    const [m1, m2] = [newMid(), newMid()];
    const s1 = await a.sealFor("user.message", m1, write("swap1.txt"));
    const s2 = await a.sealFor("user.message", m2, write("swap2.txt"));
    await a.sendUnsealed("user.message", s2, m1);
    await a.sendUnsealed("user.message", s1, m2);

    // A body sealed as a session.interrupt, stored as a user.message.
    const m3 = newMid();
    await a.sendUnsealed("user.message", await a.sealFor("session.interrupt", m3, {}), m3);

    // A body sealed for room b, stored in room a.
    const m4 = newMid();
    await a.sendUnsealed("user.message", await b.sealFor("user.message", m4, write("moved.txt")), m4);

    // A body cut short by one byte of ciphertext.
    const m5 = newMid();
    const whole = (await a.sealFor("user.message", m5, write("cut.txt"))) as Sealed;
    await a.sendUnsealed("user.message", { ...whole, c: whole.c.slice(0, -2) }, m5);

    // Plaintext where a sealed body belongs, and a generation nobody has.
    const m6 = await a.sendUnsealed("user.message", write("plain.txt"));
    const m7 = newMid();
    const later = (await a.sealFor("user.message", m7, write("gen.txt"))) as Sealed;
    await a.sendUnsealed("user.message", { ...later, k: later.k + 41 }, m7);

    for (const mid of [m1, m2, m3, m4, m5, m6, m7]) await refused(a, mid);
    for (const mid of [m1, m2, m3, m4, m5, m6, m7]) neverRan(a, mid);
    expect(a.bodies("session.notice").filter((n) => n.code === "unverifiable")).toHaveLength(7);

    // The machine room: a create_session in the clear and one re-kinded from another request.
    const c1 = await machine.sendUnsealed("machine.create_session", { cwd: w.project, title: "forged" });
    const c2 = newMid();
    await machine.sendUnsealed(
      "machine.create_session",
      await machine.sealFor("machine.list_resumable", c2, {}),
      c2,
    );
    // An enroll whose proof was not made with the pairing secret.
    const intruder = PhoneKeys.device("tk_AAAAAAAAAAAA", w.device.own.publicKey);
    const c3 = await machine.sendUnsealed("keys.enroll", { ...intruder.enroll("nocode", "A".repeat(43)) });
    for (const mid of [c1, c2, c3]) await refused(machine, mid);
    expect(machine.bodies("machine.session_created").some((c) => [c1, c2].includes(c.requestMid))).toBe(
      false,
    );

    // The bridge carries on: a genuine message runs.
    const fine = await a.send("user.message", { text: "still there?" });
    expect((await a.wait("turn.result", (t) => t.inputMid === fine, 60_000)).ok).toBe(true);
    expect(w.bridge?.child.exitCode).toBeNull();
  }, 180_000);
});

describe("tampered bodies toward the phone", () => {
  it("the phone opens what the bridge sent, and none of it once swapped, re-kinded, moved or cut", async () => {
    const { w, machine } = ctx;
    const s = await w.createSession(machine, { title: "phone side" });
    const other = await w.createSession(machine, { title: "other room" });
    await s.wait("session.status");
    const sealed = s.raw.filter((m) => m.kind !== "keys.grant");
    const [x, y] = sealed;
    if (!x || !y) throw new Error("expected two sealed messages");
    const keys = w.device;
    const opens = (m: StoredMsg, room = s.room) => keys.open({ room, kind: m.kind, mid: m.mid }, m.body).ok;
    expect(opens(x) && opens(y)).toBe(true);
    const body = x.body as Sealed;
    const tampered: [string, boolean][] = [
      ["swapped", opens({ ...x, body: y.body })],
      ["re-kinded", opens({ ...x, kind: x.kind === "session.info" ? "session.status" : "session.info" })],
      ["moved", opens(x, other.room)],
      ["cut", opens({ ...x, body: { ...body, c: body.c.slice(0, -2) } })],
      [
        "bit flipped",
        opens({ ...x, body: { ...body, c: `${body.c[0] === "A" ? "B" : "A"}${body.c.slice(1)}` } }),
      ],
      ["plaintext", opens({ ...x, body: { state: "idle", at: 1 } })],
    ];
    expect(tampered.filter(([, ok]) => ok).map(([what]) => what)).toEqual([]);
  }, 120_000);
});
