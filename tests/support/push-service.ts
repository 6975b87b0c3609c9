import { createECDH, type ECDH, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { checkVapid, decryptAes128gcm, MAX_BODY, parseJson, type Verdict } from "./push-checks.ts";

/**
 * The push-service stand-in: the one fake besides the model, because browsers' push services
 * (FCM, Mozilla autopush, Apple) cannot be reached from tests. It plays both ends a real push
 * service and browser would: it hands out subscriptions like `PushSubscription.toJSON()`, checks
 * each POST as a strict push service would (VAPID, aes128gcm, TTL), opens the body with the
 * browser's private key, and records what arrived.
 *
 *   const push = await PushService.start();
 *   push.expectVapidKey(relayVapidPublicKey);
 *   const sub = push.subscribe();             // give sub.endpoint/p256dh/auth to the relay
 *   const got = await push.next(sub.id);      // the next push that was answered 2xx
 *   push.answer(sub.id, 410);                 // from now on: gone
 *   expect(push.rejections).toEqual([]);
 */

export type Subscription = { id: string; endpoint: string; p256dh: string; auth: string };
/** A request that passed every check, with the status it was answered. */
export type Push = {
  id: string;
  payload: unknown;
  ttl: number;
  urgency: string | null;
  topic: string | null;
  at: number;
  status: number;
};
export type Rejection = { id: string; status: number; reason: string; at: number };
export type AnswerOptions = { retryAfterSeconds?: number; times?: number };

type Receiver = {
  sub: Subscription;
  ecdh: ECDH;
  auth: Buffer;
  vapidKey: string | null;
  answers: { status: number; retryAfterSeconds: number | null; left: number }[];
  attempts: Push[];
  delivered: Push[];
  /** How many delivered pushes next() has handed out. */
  taken: number;
  waiters: { resolve: (push: Push) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }[];
};

export class PushService {
  readonly origin: string;
  readonly rejections: Rejection[] = [];
  #server: Server;
  #receivers = new Map<string, Receiver>();
  #vapidKey: string | null = null;
  #ids = 0;

  private constructor(server: Server, origin: string) {
    this.#server = server;
    this.origin = origin;
  }

  static async start(): Promise<PushService> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const service = new PushService(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on("request", (req, res) => {
      // The one boundary for the stand-in's own failures (a reset upload): a rejection a test sees.
      service.#handle(req, res).catch((error: unknown) => {
        service.#reject(res, "", 500, `stand-in error: ${String(error)}`);
      });
    });
    return service;
  }

  /** The relay's VAPID public key: every push must be signed by it (unless subscribe() named another). */
  expectVapidKey(publicKey: string): void {
    this.#vapidKey = publicKey;
  }

  /** A new browser subscription: a fresh P-256 key pair and 16-byte auth secret. */
  subscribe(options: { vapidKey?: string } = {}): Subscription {
    const id = `s${++this.#ids}-${randomBytes(6).toString("base64url")}`;
    const ecdh = createECDH("prime256v1");
    ecdh.generateKeys();
    const auth = randomBytes(16);
    const sub = {
      id,
      endpoint: `${this.origin}/push/${id}`,
      p256dh: ecdh.getPublicKey().toString("base64url"),
      auth: auth.toString("base64url"),
    };
    const vapidKey = options.vapidKey ?? null;
    const fresh = { answers: [], attempts: [], delivered: [], taken: 0, waiters: [] };
    this.#receivers.set(id, { sub, ecdh, auth, vapidKey, ...fresh });
    return sub;
  }

  /**
   * How the next valid pushes to `id` are answered, instead of 201: `times` of them (default: all
   * from now on). Answers queue in order; e.g. answer(id, 500, { times: 1 }) then 201 again.
   */
  answer(id: string, status: number, options: AnswerOptions = {}): void {
    const { retryAfterSeconds = null, times = Number.POSITIVE_INFINITY } = options;
    this.#receiver(id).answers.push({ status, retryAfterSeconds, left: times });
  }

  /** Pushes answered 2xx so far. */
  received(id: string): Push[] {
    return [...this.#receiver(id).delivered];
  }

  /** Every push that passed the checks, whatever it was answered (retries show here). */
  attempts(id: string): Push[] {
    return [...this.#receiver(id).attempts];
  }

  /** The next 2xx push not yet taken by next(): at once if it already came, else when it comes. */
  next(id: string, { timeoutMs = 10_000 }: { timeoutMs?: number } = {}): Promise<Push> {
    const r = this.#receiver(id);
    const ready = r.delivered[r.taken];
    if (ready !== undefined) {
      r.taken++;
      return Promise.resolve(ready);
    }
    return new Promise<Push>((resolve, reject) => {
      const timer = setTimeout(() => {
        r.waiters = r.waiters.filter((w) => w.timer !== timer);
        const seen = JSON.stringify({ attempts: r.attempts, rejections: this.rejections });
        reject(new Error(`no push for ${id} within ${timeoutMs} ms; ${seen}`));
      }, timeoutMs);
      r.waiters.push({ resolve, reject, timer });
    });
  }

  async close(): Promise<void> {
    for (const r of this.#receivers.values())
      for (const w of r.waiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(new Error(`push service closed while waiting for ${r.sub.id}`));
      }
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #receiver(id: string): Receiver {
    const r = this.#receivers.get(id);
    if (r === undefined) throw new Error(`no subscription ${id} at the push service`);
    return r;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const id = /^\/push\/([\w-]+)$/.exec(req.url ?? "")?.[1] ?? "";
    const body = await readBody(req);
    const r = this.#receivers.get(id);
    if (req.method !== "POST" || r === undefined)
      return this.#reject(res, id, 404, `no subscription at ${req.url}`);
    const checked = this.#check(req, body, r);
    if (!checked.ok) return this.#reject(res, id, checked.status, checked.reason);
    const answer = takeAnswer(r);
    const push = { ...checked.value, status: answer.status };
    r.attempts.push(push);
    if (answer.status >= 200 && answer.status < 300) this.#deliver(r, push);
    const headers: Record<string, string> = { Location: `${this.origin}/message/${r.attempts.length}-${id}` };
    if (answer.retryAfterSeconds !== null) headers["Retry-After"] = String(answer.retryAfterSeconds);
    res.writeHead(answer.status, headers).end();
  }

  /** The checks of a strict push service, in the order one answers them. */
  #check(req: IncomingMessage, body: Buffer, r: Receiver): Verdict<Omit<Push, "status">> {
    const key = r.vapidKey ?? this.#vapidKey;
    if (key === null) return bad("test bug: no VAPID key set (expectVapidKey)", 403);
    const vapid = checkVapid(req.headers.authorization, key, this.origin, Date.now());
    if (!vapid.ok) return vapid;
    const headers = checkHeaders(req);
    if (!headers.ok) return headers;
    const plaintext = decryptAes128gcm(body, r.ecdh, r.auth);
    if (!plaintext.ok) return plaintext;
    const payload = parseJson(plaintext.value);
    if (!payload.ok) return payload;
    return { ok: true, value: { id: r.sub.id, payload: payload.value, ...headers.value, at: Date.now() } };
  }

  #deliver(r: Receiver, push: Push): void {
    r.delivered.push(push);
    const waiter = r.waiters.shift();
    if (waiter === undefined) return;
    clearTimeout(waiter.timer);
    r.taken++;
    waiter.resolve(push);
  }

  #reject(res: ServerResponse, id: string, status: number, reason: string): void {
    this.rejections.push({ id, status, reason, at: Date.now() });
    if (res.headersSent) res.destroy();
    else res.writeHead(status, { "Content-Type": "text/plain" }).end(reason);
  }
}

/** RFC 8030 §5: the coding, and TTL, Urgency and Topic as a push service parses them. */
function checkHeaders(req: IncomingMessage): Verdict<Pick<Push, "ttl" | "urgency" | "topic">> {
  const h = (name: string) => header(req, name);
  if (h("content-encoding") !== "aes128gcm")
    return bad(`Content-Encoding is ${h("content-encoding")}, not aes128gcm`);
  const ttl = h("ttl");
  if (ttl === null || !/^\d+$/.test(ttl)) return bad(`TTL is ${ttl}`);
  const urgency = h("urgency");
  if (urgency !== null && !["very-low", "low", "normal", "high"].includes(urgency))
    return bad(`Urgency is ${urgency}`);
  const topic = h("topic");
  if (topic !== null && !/^[\w-]{1,32}$/.test(topic)) return bad(`Topic is ${topic}`);
  return { ok: true, value: { ttl: Number(ttl), urgency, topic } };
}

function bad(reason: string, status: 400 | 403 = 400): Verdict<never> {
  return { ok: false, status, reason };
}

function takeAnswer(r: Receiver): { status: number; retryAfterSeconds: number | null } {
  const first = r.answers[0];
  if (first === undefined) return { status: 201, retryAfterSeconds: null };
  first.left--;
  if (first.left <= 0) r.answers.shift();
  return first;
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return typeof value === "string" ? value : null;
}

/** Reads at most a little past MAX_BODY, so an oversize body is seen (413) without holding it all. */
async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    if (size <= MAX_BODY) chunks.push(buf);
    size += buf.length;
  }
  return Buffer.concat(chunks);
}
