import { join } from "node:path";
import WS from "ws";
import { RelayClient } from "../../bridge/link/relay-client.ts";
import { StateDb } from "../../bridge/link/state-db.ts";
import { RelayFrame } from "../../shared/protocol/index.ts";
import { chaosSeal, plainOf } from "./chaos-seal.ts";
import { ChildCommand, ChildConfig, type ChildEvent } from "./child-protocol.ts";
import { keyOf, msgDigest } from "./digest.ts";

/**
 * A child process running the bridge's real transport for one room: RelayClient, SocketLink
 * (the shared SyncDriver over `ws`) and the SQLite outbox in a state dir. The runner sends
 * it messages to queue and SIGKILLs it at will; started again on the same dir it takes the next
 * epoch and resends its outbox. It reports every queue, ack, apply, hello, welcome and close.
 */
const config = ChildConfig.parse(JSON.parse(process.env.TETHER_CHAOS_CHILD ?? "null"));

function report(e: ChildEvent): void {
  process.send?.(e);
}

// The parent going away (killed test run) must not leave this process behind.
process.on("disconnect", () => process.exit(1));

const db = new StateDb(join(config.stateDir, "state.db"));
const keys = new Map<string, string>();
const raw = new Map<string, unknown>();
const plain = (kind: string, mid: string, body: unknown) =>
  config.roomKey ? plainOf(config.roomKey, { kind, mid, body }, config.room) : body;
for (const q of db.outbox(config.room)) {
  const key = keyOf(plain(q.kind, q.mid, JSON.parse(q.bodyJson)));
  if (key) keys.set(q.mid, key);
}
const cursor = db.cursor(config.room);
const outbox = db.outboxDepth(config.room);

observeSockets();
const client = new RelayClient({
  url: config.url,
  token: config.token,
  cid: config.cid,
  db,
  ...(config.roomKey ? { seal: chaosSeal(config.roomKey, raw) } : {}),
  log: {
    info: () => {},
    warn: (message) => report({ t: "log", level: "warn", message }),
    error: (message) => report({ t: "log", level: "error", message }),
  },
  backoffCapMs: config.backoffCapMs,
  heartbeat: { pingEveryMs: config.pingEveryMs, pongTimeoutMs: config.pongTimeoutMs },
});
const epoch = client.start();
report({ t: "started", epoch, cursor, outbox });

const link = client.openRoom(config.room, {
  // The digest of the message as stored (sealed), which the checker compares with the relay's log.
  onMessage: (msg) => {
    const stored = raw.has(msg.mid) ? { ...msg, body: raw.get(msg.mid) } : msg;
    raw.delete(msg.mid);
    report({ t: "apply", seq: msg.seq, digest: msgDigest(stored) });
  },
  onAcked: (acks) => {
    const outbox = link.outboxDepth();
    for (const a of acks) {
      report({ t: "ack", mid: a.mid, seq: a.seq, dup: a.dup === true, key: keys.get(a.mid) ?? null, outbox });
    }
  },
  onRejected: (mid, code) =>
    report({ t: "refused", mid, code, key: keys.get(mid) ?? null, outbox: link.outboxDepth() }),
  onState: (state) => report({ t: "state", state }),
  onFatal: (code, reason) => report({ t: "fatal", code, reason }),
});

/**
 * The workload's kinds and bodies are opaque to this probe: `agent.chaos` is not a session-layer
 * kind (the relay accepts it from a bridge as one of its open families) and phones' bodies carry
 * the workload's keys. Kind-typed sends are for session logic; the transport underneath takes any.
 */
const sendOpaque = link.send.bind(link) as (kind: string, body: unknown) => string;

process.on("message", (raw) => {
  const cmd = ChildCommand.parse(raw);
  if (cmd.t === "stop") {
    link.close();
    client.close();
    db.close();
    return process.disconnect();
  }
  const mid = sendOpaque(cmd.kind, cmd.body);
  keys.set(mid, cmd.key);
  report({ t: "queued", key: cmd.key, mid, outbox: link.outboxDepth() });
});

/**
 * The link owns its sockets; to see hello, welcome, msgs and closes on the wire, the `ws` class
 * it dials with is observed (never changed). Only this process's sockets exist here.
 */
function observeSockets(): void {
  const welcomed = new WeakSet<WS>();
  const send = WS.prototype.send;
  WS.prototype.send = function (this: WS, ...args: Parameters<typeof send>) {
    const [data] = args;
    if (typeof data === "string" && data.startsWith('{"t":"hello"')) {
      const h = JSON.parse(data) as { since?: number | null; epoch?: number };
      report({ t: "hello", since: h.since ?? null, epoch: h.epoch ?? null });
    }
    return send.apply(this, args);
  } as typeof send;
  const emit = WS.prototype.emit;
  WS.prototype.emit = function (this: WS, event: string | symbol, ...args: unknown[]): boolean {
    if (event === "message" && args[1] !== true) onFrame(this, String(args[0]), welcomed);
    if (event === "close") {
      const code = typeof args[0] === "number" ? args[0] : 0;
      report({ t: "close", code, reason: String(args[1] ?? ""), welcomed: welcomed.has(this) });
    }
    return emit.call(this, event, ...args);
  };
}

function onFrame(ws: WS, text: string, welcomed: WeakSet<WS>): void {
  if (!text.startsWith("{")) return;
  const parsed = RelayFrame.safeParse(JSON.parse(text));
  if (!parsed.success) return;
  const f = parsed.data;
  if (f.t === "welcome") {
    welcomed.add(ws);
    report({ t: "welcome", head: f.head, resumeFrom: f.resumeFrom });
  } else if (f.t === "gone") report({ t: "gone", reason: f.reason, resumeFrom: f.resumeFrom });
  else if (f.t === "msgs" && f.items.length > 0) {
    const first = f.items[0]?.seq ?? 0;
    report({ t: "recv", first, last: f.items.at(-1)?.seq ?? first, count: f.items.length });
  }
}
