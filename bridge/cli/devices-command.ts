import type { TokenInfo } from "../../shared/protocol/index.ts";
import { relayApi } from "../control/relay-api.ts";
import { parseFlags } from "./options.ts";
import { relayCall } from "./saved-bearer.ts";
import { table } from "./table.ts";

const HELP = `Usage: tether devices [--all] [--state-dir DIR] [--json]

Lists the phones paired with this machine (device tokens) and the share links of its sessions
(share tokens), from the relay, with who made each share (BY). "tether revoke ID" removes one;
revoking a phone also revokes the share links it made.

  --all              also list revoked and expired ones
  --state-dir DIR    state dir (env TETHER_STATE_DIR, default ~/.local/state/tether)
  --json             the relay's token list as JSON (never token values)
`;

export async function devicesCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    all: { type: "boolean" },
    "state-dir": { type: "string" },
    json: { type: "boolean" },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const { tokens } = await relayCall(values["state-dir"], (bearer) => relayApi.listTokens(bearer));
  const now = Date.now();
  const shown = tokens.filter((k) => k.kind !== "bridge" && (values.all || status(k, now) === "active"));
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ tokens: shown })}\n`);
    return 0;
  }
  if (shown.length === 0) {
    process.stdout.write("No paired phones or share links. Pair a phone with: tether pair\n");
    return 0;
  }
  const byId = new Map(tokens.map((k) => [k.id, k]));
  const rows = shown.map((k) => [
    k.id,
    k.kind === "share" ? `share (${k.role})` : "phone",
    k.kind === "share" ? (k.rooms[0] ?? "") : (k.label ?? ""),
    k.kind === "share" ? creator(k.createdBy, byId) : "-",
    day(k.createdAt),
    k.expiresAt === null ? "never" : day(k.expiresAt),
    status(k, now),
  ]);
  process.stdout.write(table(["ID", "KIND", "LABEL / ROOM", "BY", "CREATED", "EXPIRES", "STATUS"], rows));
  return 0;
}

/** Who made a share: this machine's bridge, a phone (its label and id), or unknown (the relay secret, an older relay). */
function creator(id: string | null, byId: Map<string, TokenInfo>): string {
  if (id === null) return "-";
  const token = byId.get(id);
  if (token?.kind === "bridge") return "this machine";
  if (token?.label) return `${token.label} (${id})`;
  return id;
}

function status(k: TokenInfo, now: number): "active" | "revoked" | "expired" {
  if (k.revokedAt !== null) return "revoked";
  return k.expiresAt !== null && k.expiresAt <= now ? "expired" : "active";
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}
