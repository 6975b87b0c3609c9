import type { PushStateRes, PushStatsRes, PushSubscribeReq } from "../shared/protocol/index.ts";
import { generateVapidKeys, VapidKeys } from "../shared/webpush/index.ts";
import { type Failure, failure, isLive, type Outcome } from "./access.ts";
import type { DirectoryStore, TokenRow } from "./directory-store.ts";
import type { CountedOutcome, PushCounts } from "./push-counts.ts";
import type { PushStore, PushTarget } from "./push-store.ts";

/** What a room needs to push for one of its messages: the keys, and the machine's live subscriptions. */
export type PushPlan = { keys: VapidKeys; targets: PushTarget[] };
export type PushOutcome = CountedOutcome;

/**
 * The Directory's push decisions (docs/protocol.md §11.2): who may subscribe, whose subscriptions a
 * room's push reaches, and what a push service's answer does to a subscription. The Directory
 * class calls these with its stores; they never await between reading and writing.
 */
export class DirectoryPush {
  readonly #tokens: DirectoryStore;
  readonly #push: PushStore;
  readonly #counts: PushCounts;
  #keys: VapidKeys | null = null;

  constructor(tokens: DirectoryStore, push: PushStore, counts: PushCounts) {
    this.#tokens = tokens;
    this.#push = push;
    this.#counts = counts;
  }

  /** The relay's VAPID keys, made on first use and kept in storage for good. */
  async keys(): Promise<VapidKeys> {
    if (this.#keys) return this.#keys;
    const stored = this.#push.keys();
    if (stored !== null) return this.#remember(stored);
    const fresh = JSON.stringify(await generateVapidKeys());
    return this.#remember(this.#push.saveKeys(fresh));
  }

  async state(token: TokenRow): Promise<Outcome<PushStateRes>> {
    const may = maySubscribe(token);
    if (!may.ok) return may;
    const { publicKey } = await this.keys();
    return { ok: true, value: { publicKey, subscription: this.#push.info(token.id) } };
  }

  async subscribe(token: TokenRow, req: PushSubscribeReq, now: number): Promise<Outcome<PushStateRes>> {
    const may = maySubscribe(token);
    if (!may.ok) return may;
    const { publicKey } = await this.keys();
    this.#push.put(token.id, token.machineId, req, now);
    return { ok: true, value: { publicKey, subscription: this.#push.info(token.id) } };
  }

  unsubscribe(token: TokenRow): Outcome<null> {
    const may = maySubscribe(token);
    if (!may.ok) return may;
    this.#push.remove(token.id);
    return { ok: true, value: null };
  }

  /** A revoked token's subscription dies with it. */
  forget(tokenId: string): void {
    this.#push.remove(tokenId);
  }

  /** The subscriptions of the machine that owns `room`, of live device tokens only; null for an unknown room. */
  async plan(room: string, now: number, tokenId?: string): Promise<PushPlan | null> {
    const keys = await this.keys();
    const row = this.#tokens.room(room);
    if (row === null || row.state !== "claimed") return null;
    const all = tokenId === undefined ? this.#push.targets(row.machineId) : [this.#push.target(tokenId)];
    const targets: PushTarget[] = [];
    for (const t of all) {
      if (t === null) continue;
      if (this.#live(t.tokenId, row.machineId, now)) targets.push(t);
      // An expired or revoked token's subscription dies with it.
      else this.#push.remove(t.tokenId);
    }
    return { keys, targets };
  }

  /**
   * What the push service said: counted on the subscription and in its machine's totals, which
   * outlive it; 404/410 removes the subscription if it still has that endpoint.
   */
  outcome(tokenId: string, endpoint: string, outcome: PushOutcome, error: string | null, now: number): void {
    const machineId = this.#tokens.tokenById(tokenId)?.machineId;
    if (machineId !== undefined) this.#counts.add(machineId, outcome, error, now);
    if (outcome === "gone") this.#push.removeEndpoint(tokenId, endpoint);
    else this.#push.count(tokenId, endpoint, outcome, error);
  }

  /** GET /api/push/stats: the machine's totals, for its bridge only (a device sees its own subscription). */
  stats(token: TokenRow): Outcome<PushStatsRes> {
    if (token.kind !== "bridge")
      return failure("forbidden", "only a bridge token may read its machine's push totals");
    return { ok: true, value: this.#counts.totals(token.machineId) };
  }

  #live(tokenId: string, machineId: string, now: number): boolean {
    const token = this.#tokens.tokenById(tokenId);
    return token !== null && token.machineId === machineId && token.kind === "device" && isLive(token, now);
  }

  #remember(json: string): VapidKeys {
    this.#keys = VapidKeys.parse(JSON.parse(json));
    return this.#keys;
  }
}

/** Only a paired device subscribes: a share link is someone else's phone, a bridge has no screen. */
function maySubscribe(token: TokenRow): Outcome<null> | Failure {
  if (token.kind !== "device") return failure("forbidden", "only a device token may subscribe to pushes");
  return { ok: true, value: null };
}
