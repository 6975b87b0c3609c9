import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { KeysGrant, type WrappedKey } from "../../shared/protocol/e2e.ts";
import type { Logger } from "../log.ts";
import { Keyring } from "./keyring.ts";
import { keyringSeal } from "./keyring-seal.ts";
import {
  deviceWrapKeySync,
  generateMachineKeys,
  pairProofSync,
  shareWrapKeySync,
  unwrapRoomKeySync,
} from "./node-seal.ts";
import { RoomKeys } from "./room-keys.ts";

const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function world() {
  const dir = mkdtempSync(join(tmpdir(), "tether-keys-"));
  dirs.push(dir);
  // Pinned so that the generations read 1, 2, …; the drawn first generation has its own test.
  const keyring = Keyring.inStateDir(dir, { firstGeneration: 1 });
  const keys = new RoomKeys(keyring, quiet);
  const sent = new Map<string, WrappedKey[][]>();
  const link = (room: string) => ({
    send: (kind: string, body: unknown) => {
      expect(kind).toBe("keys.grant");
      const g = KeysGrant.parse(body);
      sent.set(room, [...(sent.get(room) ?? []), g.keys]);
      return "mid";
    },
  });
  return { keyring, keys, sent, link };
}

/** A phone that paired with `code` and enrolls with its own key pair. */
function device(keyring: Keyring, code = `c${randomBytes(6).toString("hex")}`) {
  const secret = randomBytes(32);
  keyring.addPairing(code, secret);
  const own = generateMachineKeys();
  const tokenId = `tk_${randomBytes(9).toString("base64url")}`;
  const fields = { code, tokenId, key: own.publicKey };
  const id = `d:${tokenId}`;
  const wrap = deviceWrapKeySync(own, keyring.machine().publicKey, id);
  return { id, tokenId, enroll: { ...fields, proof: pairProofSync(secret, fields) }, wrap };
}

const machineRoom = "m-mcTESTMACHINE1";
const room = `s-${"A".repeat(22)}`;
const other = `s-${"B".repeat(22)}`;

describe("RoomKeys", () => {
  it("a verified enroll gets every generation of every open room; the pairing secret is used once", () => {
    const { keyring, keys, sent, link } = world();
    keys.opened(machineRoom, link(machineRoom));
    keys.opened(room, link(room));
    expect(sent.size).toBe(0);
    const d = device(keyring);
    expect(keys.enroll(d.enroll)).toEqual({ ok: true });
    for (const r of [machineRoom, room]) {
      const [granted] = sent.get(r) ?? [];
      expect(granted?.map((w) => [w.to, w.k])).toEqual([[d.id, 1]]);
      expect(unwrapRoomKeySync(d.wrap, r, granted?.[0] as WrappedKey)).toEqual(keyring.key(r, 1));
    }
    expect(keys.enroll(d.enroll).ok, "the code's secret is forgotten").toBe(false);
    keys.opened(room, link(room));
    expect(sent.get(room)).toHaveLength(1);
  });

  it("a room with keys that is not open is reported as owing the new device its grants", () => {
    const { keyring, keys, sent, link } = world();
    keys.opened(room, link(room));
    keys.closed(room);
    const owed: string[][] = [];
    keys.onOwed = (rooms) => owed.push(rooms);
    keys.opened(machineRoom, link(machineRoom));
    keys.enroll(device(keyring).enroll);
    expect(owed).toEqual([[room]]);
    keys.opened(room, link(room));
    expect(sent.get(room)).toHaveLength(1);
    expect(keys.owed()).toEqual([]);
  });

  it("refuses an enroll whose proof was made without the pairing secret, or a malformed one", () => {
    const { keyring, keys, link } = world();
    keys.opened(machineRoom, link(machineRoom));
    const d = device(keyring);
    expect(keys.enroll({ ...d.enroll, proof: "A".repeat(43) }).ok).toBe(false);
    expect(keys.enroll({ ...d.enroll, tokenId: "tk_BBBBBBBBBBBB" }).ok).toBe(false);
    expect(keys.enroll({ nope: 1 }).ok).toBe(false);
    expect(keyring.recipients()).toEqual([]);
  });

  it("a share link gets its one room's keys; revocation rotates every room the revoked could read", () => {
    const { keyring, keys, sent, link } = world();
    for (const r of [machineRoom, room, other]) keys.opened(r, link(r));
    const d = device(keyring);
    keys.enroll(d.enroll);
    const secret = randomBytes(32);
    const share = keys.share(
      { shareId: "tk_SHARESHARE12", room, secret: secret.toString("base64url") },
      (r) => r === room,
    );
    expect(share.ok).toBe(true);
    const shareGrant = sent.get(room)?.at(-1)?.[0] as WrappedKey;
    expect(shareGrant.to).toBe("s:tk_SHARESHARE12");
    expect(unwrapRoomKeySync(shareWrapKeySync(secret, shareGrant.to), room, shareGrant)).toEqual(
      keyring.key(room, 1),
    );
    expect(
      sent
        .get(other)
        ?.flat()
        .some((w) => w.to.startsWith("s:")),
    ).toBe(false);

    // The share's token is gone: only its room rotates, granted to the device alone.
    const later = Date.now() + 1;
    expect(keys.reconcile(new Set([d.tokenId]), later)).toEqual(["s:tk_SHARESHARE12"]);
    expect(keyring.newest(room)?.k).toBe(2);
    expect(keyring.newest(other)?.k).toBe(1);
    expect(
      sent
        .get(room)
        ?.at(-1)
        ?.map((w) => [w.to, w.k]),
    ).toEqual([[d.id, 2]]);
    // The device's token is gone: every room rotates, and no one is granted.
    const before = [...sent.values()].flat().length;
    expect(keys.reconcile(new Set(), Date.now() + 1)).toEqual([d.id]);
    expect([machineRoom, room, other].map((r) => keyring.newest(r)?.k)).toEqual([2, 3, 2]);
    expect([...sent.values()].flat().length).toBe(before);
  });

  it("a recipient recorded after the token list was asked for is kept", () => {
    const { keyring, keys, link } = world();
    keys.opened(machineRoom, link(machineRoom));
    const d = device(keyring);
    keys.enroll(d.enroll);
    expect(keys.reconcile(new Set(), 0)).toEqual([]);
    expect(keyring.recipients().map((r) => r.id)).toEqual([d.id]);
  });
});

describe("keyringSeal", () => {
  it("seals with the newest generation, opens any, leaves grants clear and seals push shows", () => {
    const { keyring } = world();
    keyring.addGeneration(room);
    const seal = keyringSeal(keyring);
    const ctx = { room, kind: "session.info", mid: "m_0123456789abcdef" };
    const first = seal.seal(ctx, { title: "x" });
    keyring.addGeneration(room);
    const second = seal.seal(ctx, { title: "y" }) as { k: number };
    expect(second.k).toBe(2);
    expect(seal.open(ctx, first)).toEqual({ ok: true, body: { title: "x" } });
    expect(seal.open({ ...ctx, kind: "session.status" }, first)).toEqual({ ok: false, reason: "bad_tag" });
    expect(seal.seal({ ...ctx, kind: "keys.grant" }, { a: 1 })).toEqual({ a: 1 });
    const hint = seal.sealPush(room, ctx.mid, {
      notify: { class: "turn", show: { title: "t".repeat(120), body: "é".repeat(300), tag: room } },
      will: null,
    });
    expect(JSON.stringify(hint).length).toBeLessThanOrEqual(2048);
    expect(hint.will).toBeNull();
    const opened = seal.open({ room, kind: "push.show", mid: ctx.mid }, hint.notify?.show);
    expect(opened.ok).toBe(true);
  });
});
