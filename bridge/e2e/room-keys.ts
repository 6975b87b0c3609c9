import { KeysEnroll, KeysShare, type WrappedKey } from "../../shared/protocol/e2e.ts";
import type { RoomLink } from "../link/room-link.ts";
import type { Logger } from "../log.ts";
import type { Keyring, RecipientRow } from "./keyring.ts";
import { deviceWrapKeySync, pairProofValid, shareWrapKeySync, wrapRoomKeySync } from "./node-seal.ts";

/** Wrapped keys per `keys.grant` message (the schema's cap). */
const GRANTS_PER_MESSAGE = 2_000;

export type KeysOutcome = { ok: true } | { ok: false; why: string };

/**
 * Who may read which room and with which keys (docs/protocol.md §12.2, §12.4–12.7): makes a room's
 * first key as it opens, grants every generation to every recipient that may read the room (in
 * that room, before anything sealed with it), takes enrolls and shares, and rotates on revocation.
 * A grant is recorded once it is durable in the outbox, so a crash in between grants again.
 */
export class RoomKeys {
  readonly keyring: Keyring;
  #log: Logger;
  #links = new Map<string, Pick<RoomLink, "send">>();
  /** Rooms not open that owe grants (an ended session's room): the bridge opens them to send them. */
  onOwed: (rooms: string[]) => void = () => {};

  constructor(keyring: Keyring, log: Logger) {
    this.keyring = keyring;
    this.#log = log;
  }

  /** Rooms with keys, not open here, where a reader lacks a generation. */
  owed(): string[] {
    return this.keyring
      .rooms()
      .filter(
        (room) =>
          !this.#links.has(room) &&
          this.readers(room).some((r) =>
            this.keyring.generations(room).some((g) => !this.keyring.granted(room, g.k, r.id)),
          ),
      );
  }

  #grantEverywhere(): void {
    for (const room of this.#links.keys()) this.grantMissing(room);
    const owed = this.owed();
    if (owed.length > 0) this.onOwed(owed);
  }

  /** A room the bridge opened: its first key, and every grant it still owes there. */
  opened(room: string, link: Pick<RoomLink, "send">): void {
    this.#links.set(room, link);
    if (!this.keyring.newest(room)) this.keyring.addGeneration(room);
    this.grantMissing(room);
  }

  closed(room: string): void {
    this.#links.delete(room);
  }

  /** Devices read every room of the machine; a share link reads its one session room. */
  readers(room: string): RecipientRow[] {
    return this.keyring.recipients().filter((r) => r.kind === "d" || r.room === room);
  }

  /** Sends, in the room, the grants its readers lack (a room not open gets them when it opens). */
  grantMissing(room: string): void {
    const link = this.#links.get(room);
    if (!link) return;
    const missing: WrappedKey[] = [];
    const machine = this.keyring.machine();
    for (const r of this.readers(room)) {
      let wrapKey: Buffer | null = null;
      for (const g of this.keyring.generations(room)) {
        if (this.keyring.granted(room, g.k, r.id)) continue;
        wrapKey ??=
          r.kind === "d" ? deviceWrapKeySync(machine, r.publicKey, r.id) : shareWrapKeySync(r.secret, r.id);
        missing.push(wrapRoomKeySync(wrapKey, g.key, { room, k: g.k, to: r.id }));
      }
    }
    for (let i = 0; i < missing.length; i += GRANTS_PER_MESSAGE) {
      const keys = missing.slice(i, i + GRANTS_PER_MESSAGE);
      link.send("keys.grant", { room, keys });
      this.keyring.markGranted(room, keys);
    }
  }

  /** A phone's `keys.enroll` (machine room): a proof made with the pairing secret of its code (§12.4). */
  enroll(body: unknown): KeysOutcome {
    const parsed = KeysEnroll.safeParse(body);
    if (!parsed.success) return { ok: false, why: "The enroll body does not match its schema." };
    const { code, tokenId, key, proof } = parsed.data;
    const secret = this.keyring.pairingSecret(code);
    if (!secret || !pairProofValid(secret, { code, tokenId, key }, proof))
      return { ok: false, why: "The pairing proof does not verify (unknown, used or expired code)." };
    try {
      deviceWrapKeySync(this.keyring.machine(), key, `d:${tokenId}`);
    } catch {
      return { ok: false, why: "The enrolled key is not a P-256 public key." };
    }
    this.keyring.forgetPairing(code);
    this.keyring.addDevice(tokenId, key);
    this.#log.info("device enrolled for end-to-end encryption", { tokenId });
    this.#grantEverywhere();
    return { ok: true };
  }

  /** A phone's `keys.share` (sealed, machine room): a share link that reads one session room (§12.5). */
  share(body: unknown, isSessionRoom: (room: string) => boolean): KeysOutcome {
    const parsed = KeysShare.safeParse(body);
    if (!parsed.success) return { ok: false, why: "The share body does not match its schema." };
    const { shareId, room, secret } = parsed.data;
    if (!isSessionRoom(room)) return { ok: false, why: "No session room of this machine has that id." };
    this.addShare(shareId, room, Buffer.from(secret, "base64url"));
    return { ok: true };
  }

  addShare(shareId: string, room: string, secret: Buffer): void {
    this.keyring.addShare(shareId, room, secret);
    this.#log.info("share link given the keys of its room", { shareId, room });
    this.#grantEverywhere();
  }

  /**
   * Drops every recipient whose token is no longer live and gives each room it could read a new
   * generation, granted to the others only (§12.7). `listedAt`: when the token list was asked for;
   * a recipient recorded since may be missing from it. Returns the recipients removed.
   */
  reconcile(live: ReadonlySet<string>, listedAt: number): string[] {
    const gone = this.keyring.recipients().filter((r) => !live.has(r.tokenId) && r.createdAt < listedAt);
    if (gone.length === 0) return [];
    const rooms = new Set<string>();
    for (const r of gone) {
      for (const room of r.kind === "d" ? this.keyring.rooms() : [r.room]) rooms.add(room);
      this.keyring.removeRecipient(r.id);
    }
    for (const room of rooms) this.keyring.addGeneration(room);
    this.#grantEverywhere();
    this.#log.info("recipients revoked; room keys rotated", {
      removed: gone.map((r) => r.id),
      rooms: rooms.size,
    });
    return gone.map((r) => r.id);
  }
}
