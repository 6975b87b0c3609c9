import { RelayClient } from "../../bridge/link/relay-client.ts";
import { StateDb } from "../../bridge/link/state-db.ts";

/**
 * A process running the bridge's real transport for one room (RelayClient, SocketLink, the SQLite
 * state db) whose handler dies, process and all, on a controller's `{text: "die"}`: the in-process
 * guard never gets to catch anything. It reports what it applies and skips as JSON lines on stdout
 * (synchronous on a pipe, so a line written before the exit is not lost).
 */
type Config = { url: string; token: string; cid: string; room: string; dbPath: string };
const config = JSON.parse(process.env.TETHER_POISON_CHILD ?? "null") as Config;

function report(e: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(e)}\n`);
}

const quiet = () => {};
const client = new RelayClient({
  url: config.url,
  token: config.token,
  cid: config.cid,
  db: new StateDb(config.dbPath),
  log: { info: quiet, warn: quiet, error: quiet },
  backoffCapMs: 1_000,
});
client.start();
client.openRoom(config.room, {
  onMessage: (msg) => {
    if (msg.role !== "controller") return;
    const text = (msg.body as { text?: unknown } | null)?.text;
    report({ t: "apply", mid: msg.mid });
    if (text === "die") process.exit(7);
  },
  onSkipped: (msg, reason) => report({ t: "skipped", mid: msg.mid, reason }),
  onState: (state) => report({ t: "state", state }),
});
