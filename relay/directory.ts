import { DurableObject } from "cloudflare:workers";
import type {
  CreateShareReq,
  CreateTokenReq,
  MeRes,
  PairRes,
  PushStateRes,
  PushStatsRes,
  PushSubscribeReq,
  Role,
  TokenInfo,
  TokenKind,
  TokenList,
} from "../shared/protocol/index.ts";
import { Close, Limits } from "../shared/protocol/index.ts";
import {
  creatorOf,
  failure,
  isLive,
  listScope,
  machineScope,
  mayCreateToken,
  mayDeleteRoom,
  mayRevoke,
  mayShare,
  type Outcome,
  type Principal,
  roomAccess,
  shareExpiry,
  unauthorized,
} from "./access.ts";
import { DirectoryPush, type PushOutcome, type PushPlan } from "./directory-push.ts";
import { DirectoryStore, OWNED_SESSION_ROOMS, type TokenRow } from "./directory-store.ts";
import type { RoomAuthorization } from "./env.ts";
import { PushCounts } from "./push-counts.ts";
import { PushStore } from "./push-store.ts";
import { RateLimiter, type RateVerdict } from "./rate-limit.ts";
import { type Fresh, freshToken, mintPairingCode, sha256Hex } from "./tokens.ts";

/** How a Worker request authenticated itself; the Worker compares the relay secret, the Directory the rest. */
export type Caller = { kind: "secret" } | { kind: "token"; value: string };

export type MintedToken = { id: string; token: string; expiresAt: number | null };
/** A revoked token and every room where it may still have open sockets. */
export type RevokedToken = { id: string; rooms: string[] };
/** A revoked token and the live shares it had made, revoked with it (docs/protocol.md §2.2). */
export type Revocation = RevokedToken & { shares: RevokedToken[] };
export type Pairing = { code: string; expiresAt: number };

type NewToken = Omit<TokenRow, "id" | "hash" | "createdAt" | "revokedAt">;

/**
 * The one Directory (named "directory"): tokens, room ownership and pairing codes, in SQLite.
 * Every method reads and writes storage without an `await` in between, so each is atomic.
 */
export class Directory extends DurableObject<Env> {
  readonly #store: DirectoryStore;
  readonly #push: DirectoryPush;
  readonly #limiter = new RateLimiter(Limits.pairRequestsPerMinute, 60_000);

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#store = new DirectoryStore(ctx.storage.sql);
    const sql = ctx.storage.sql;
    this.#push = new DirectoryPush(this.#store, new PushStore(sql), new PushCounts(sql));
  }

  async authorizeRoom(tokenValue: string, room: string, now: number): Promise<RoomAuthorization> {
    const token = await this.#liveToken(tokenValue, now);
    if (token === null) return { ok: false, close: Close.unauthorized };
    const verdict = roomAccess(token, room, this.#store.room(room));
    if (!verdict.ok) return verdict;
    if (verdict.claim) this.#store.claimRoom(room, token.machineId, now);
    const { id: tokenId, kind, role, machineId, expiresAt } = token;
    return { ok: true, auth: { tokenId, kind, role, machineId, expiresAt } };
  }

  async rateLimit(key: string, now: number): Promise<RateVerdict> {
    return this.#limiter.take(key, now);
  }

  async createToken(caller: Caller, req: CreateTokenReq, now: number): Promise<Outcome<MintedToken>> {
    const fresh = await freshToken();
    const p = await this.#principal(caller, now);
    if (!p.ok) return p;
    const may = mayCreateToken(p.value, req);
    if (!may.ok) return may;
    const expiresAt = req.ttlSeconds === undefined ? null : now + req.ttlSeconds * 1000;
    const role: Role = req.kind === "bridge" ? "bridge" : "controller";
    const rooms = machineScope(req.machineId);
    const token = {
      kind: req.kind,
      role,
      machineId: req.machineId,
      rooms,
      label: req.label ?? null,
      createdBy: creatorOf(p.value),
      expiresAt,
    };
    return { ok: true, value: this.#insert(fresh, token, now) };
  }

  async listTokens(caller: Caller, now: number): Promise<Outcome<TokenList>> {
    const p = await this.#principal(caller, now);
    if (!p.ok) return p;
    const scope = listScope(p.value);
    if (!scope.ok) return scope;
    const owned = new Map<string, string[]>();
    const tokens = this.#store.tokens(scope.value).map((t): TokenInfo => {
      const { hash: _hash, ...info } = t;
      return { ...info, rooms: this.#roomsOf(t, owned) };
    });
    return { ok: true, value: { tokens } };
  }

  /** Revokes a token and, in the same transaction, the live shares it made: no link outlives its grant. */
  async revokeToken(caller: Caller, id: string, now: number): Promise<Outcome<Revocation>> {
    const p = await this.#principal(caller, now);
    if (!p.ok) return p;
    const target = this.#store.tokenById(id);
    if (target === null) return failure("not_found", "no such token");
    const may = mayRevoke(p.value, target);
    if (!may.ok) return may;
    const shares = this.ctx.storage.transactionSync(() => {
      this.#store.revokeToken(id, now);
      this.#push.forget(id);
      return this.#store.revokeSharesOf(id, now);
    });
    const revokedShares = shares.map((s) => ({ id: s.id, rooms: this.#roomsOf(s) }));
    return { ok: true, value: { id, rooms: this.#roomsOf(target), shares: revokedShares } };
  }

  async createPairing(caller: Caller, label: string | null, now: number): Promise<Outcome<Pairing>> {
    const code = mintPairingCode();
    const hash = await sha256Hex(code);
    const p = await this.#principal(caller, now);
    if (!p.ok) return p;
    if (p.value.kind !== "token" || p.value.token.kind !== "bridge") {
      return failure("forbidden", "only a bridge token may create pairings");
    }
    // Counted per token after authentication, so no one else can spend the owner's budget.
    const limited = this.#limiter.take(`pairings ${p.value.token.id}`, now);
    if (!limited.ok) {
      const { retryAfterSeconds } = limited;
      return { ...failure("rate_limited", "too many pairings, retry later"), retryAfterSeconds };
    }
    const expiresAt = now + Limits.pairingTtlMs;
    this.#store.insertPairing(hash, { machineId: p.value.token.machineId, label }, now, expiresAt);
    return { ok: true, value: { code, expiresAt } };
  }

  /**
   * Trades a pairing code for a device token; the code is spent in the same transaction. The label
   * the person gave on the workstation (`tether pair --label`) names the device; the device's own
   * (its kind of phone or terminal) only when none was given.
   */
  async pair(code: string, label: string | null, now: number): Promise<Outcome<PairRes>> {
    const [hash, fresh] = await Promise.all([sha256Hex(code), freshToken()]);
    const paired = this.ctx.storage.transactionSync(() => {
      const pairing = this.#store.takePairing(hash, now);
      if (pairing === null) return null;
      const { machineId } = pairing;
      const token = {
        kind: "device" as const,
        role: "controller" as const,
        machineId,
        expiresAt: null,
        createdBy: null,
      };
      this.#insert(fresh, { ...token, rooms: machineScope(machineId), label: pairing.label ?? label }, now);
      return { token: fresh.value, machineId };
    });
    if (paired === null) return failure("bad_code", "invalid pairing code");
    return { ok: true, value: paired };
  }

  async me(caller: Caller, now: number): Promise<Outcome<MeRes>> {
    if (caller.kind === "secret") return failure("unauthorized", "the relay secret is not a token");
    const token = await this.#liveToken(caller.value, now);
    if (token === null) return unauthorized();
    const { id, kind, role, machineId, expiresAt } = token;
    return { ok: true, value: { id, kind, role, machineId, rooms: this.#roomsOf(token), expiresAt } };
  }

  async createShare(caller: Caller, req: CreateShareReq, now: number): Promise<Outcome<MintedToken>> {
    const fresh = await freshToken();
    const p = await this.#principal(caller, now);
    if (!p.ok) return p;
    if (!req.room.startsWith("s-")) return failure("bad_request", "only session rooms can be shared");
    const row = this.#store.room(req.room);
    if (row === null || row.state === "deleted") return failure("not_found", "no such room");
    const may = mayShare(p.value, row);
    if (!may.ok) return may;
    const ttlSeconds = req.ttlSeconds ?? Limits.shareTtlDefaultSeconds;
    const kind: TokenKind = "share";
    const createdBy = creatorOf(p.value);
    const token = {
      kind,
      role: req.role,
      machineId: row.machineId,
      rooms: [req.room],
      label: null,
      createdBy,
    };
    const expiresAt = shareExpiry(p.value, now + ttlSeconds * 1000);
    return { ok: true, value: this.#insert(fresh, { ...token, expiresAt }, now) };
  }

  /** Marks a session room deleted for good; the caller then destroys the Room itself. */
  async deleteRoom(caller: Caller, room: string, now: number): Promise<Outcome<null>> {
    const p = await this.#principal(caller, now);
    if (!p.ok) return p;
    if (!room.startsWith("s-")) return failure("bad_request", "only session rooms can be deleted");
    const row = this.#store.room(room);
    if (row === null) return failure("not_found", "no such room");
    const may = mayDeleteRoom(p.value, row);
    if (!may.ok) return may;
    this.#store.markRoomDeleted(room, now);
    return { ok: true, value: null };
  }

  /** GET /api/push: the VAPID public key and the caller's subscription (docs/protocol.md §11.2). */
  async pushState(caller: Caller, now: number): Promise<Outcome<PushStateRes>> {
    const token = await this.#tokenCaller(caller, now);
    return token.ok ? this.#push.state(token.value) : token;
  }

  async subscribePush(caller: Caller, req: PushSubscribeReq, now: number): Promise<Outcome<PushStateRes>> {
    const token = await this.#tokenCaller(caller, now);
    return token.ok ? this.#push.subscribe(token.value, req, now) : token;
  }

  async unsubscribePush(caller: Caller, now: number): Promise<Outcome<null>> {
    const token = await this.#tokenCaller(caller, now);
    return token.ok ? this.#push.unsubscribe(token.value) : token;
  }

  /** GET /api/push/stats: the caller's machine's push totals (bridge tokens only). */
  async pushStats(caller: Caller, now: number): Promise<Outcome<PushStatsRes>> {
    const token = await this.#tokenCaller(caller, now);
    return token.ok ? this.#push.stats(token.value) : token;
  }

  /** RPC from a Room: whom its push reaches (one token's subscription for a retry). */
  async pushPlan(room: string, now: number, tokenId?: string): Promise<PushPlan | null> {
    return this.#push.plan(room, now, tokenId);
  }

  /** RPC from a Room: what a push service answered for a subscription. */
  async pushOutcome(
    tokenId: string,
    endpoint: string,
    outcome: PushOutcome,
    error: string | null,
  ): Promise<void> {
    this.#push.outcome(tokenId, endpoint, outcome, error, Date.now());
  }

  /** A live token's row; the relay secret has no machine, so neither a subscription nor push totals. */
  async #tokenCaller(caller: Caller, now: number): Promise<Outcome<TokenRow>> {
    const p = await this.#principal(caller, now);
    if (!p.ok) return p;
    if (p.value.kind === "secret") return failure("forbidden", "the relay secret has no push subscription");
    return { ok: true, value: p.value.token };
  }

  async #principal(caller: Caller, now: number): Promise<Outcome<Principal>> {
    if (caller.kind === "secret") return { ok: true, value: { kind: "secret" } };
    const token = await this.#liveToken(caller.value, now);
    return token === null ? unauthorized() : { ok: true, value: { kind: "token", token } };
  }

  async #liveToken(value: string, now: number): Promise<TokenRow | null> {
    if (value === "") return null;
    const token = this.#store.tokenByHash(await sha256Hex(value));
    return token !== null && isLive(token, now) ? token : null;
  }

  #insert(fresh: Fresh, token: NewToken, now: number): MintedToken {
    this.#store.insertToken({ ...token, id: fresh.id, hash: fresh.hash, createdAt: now, revokedAt: null });
    return { id: fresh.id, token: fresh.value, expiresAt: token.expiresAt };
  }

  /** The concrete rooms of a token's scope: bridge and device scopes grow as their machine claims rooms. */
  #roomsOf(token: TokenRow, owned = new Map<string, string[]>()): string[] {
    return token.rooms.flatMap((r) => {
      if (r !== OWNED_SESSION_ROOMS) return [r];
      const rooms = owned.get(token.machineId) ?? this.#store.ownedSessionRooms(token.machineId);
      owned.set(token.machineId, rooms);
      return rooms;
    });
  }
}
