import { join } from "node:path";
import { createInterface } from "node:readline";
import type { DriverState } from "../../shared/core/client/sync-driver.ts";
import type { StoredMsg } from "../../shared/protocol/index.ts";
import { StateDb } from "../link/state-db.ts";
import { Composer, type LineAction } from "./composer.ts";
import { DeviceKeys } from "./device-keys.ts";
import { findSession, type Listed, latestSessions } from "./find-session.ts";
import { ATTACH_DB } from "./login.ts";
import { type Login, loginKeys } from "./login-store.ts";
import { RoomClient } from "./room-client.ts";
import { Transcript } from "./transcript.ts";

export class AttachError extends Error {}

const LIST_WAIT_MS = 30_000;
const DRAIN_WAIT_MS = 30_000;

export type Io = { input: NodeJS.ReadableStream; out(text: string): void; tty: boolean };

function keysOf(login: Login): DeviceKeys {
  return new DeviceKeys(login.tokenId, login.machineKey, loginKeys(login));
}

/**
 * The machine room read to its end: its session list (and what waits in its outbox, such as an
 * enroll that had not reached the relay, goes out on the way).
 */
export async function listSessions(login: Login, stateDir: string): Promise<Listed[]> {
  const db = new StateDb(join(stateDir, ATTACH_DB));
  const msgs: StoredMsg[] = [];
  const room = new RoomClient({
    relay: login.relay,
    token: login.token,
    room: `m-${login.machineId}`,
    db,
    keys: keysOf(login),
    on: { message: (m) => msgs.push(m) },
  });
  try {
    const live = await room.until(() => room.state.kind === "live", LIST_WAIT_MS);
    if (!live)
      throw new AttachError(
        `cannot read machine ${login.machineId} on ${login.relay}: ${stateText(room.state)}`,
      );
    await room.until(() => room.outboxSize() === 0, 5_000);
    return latestSessions(msgs);
  } finally {
    room.close();
    db.close();
  }
}

/** The session `wanted` names on one of the logged-in machines. */
export async function resolveSession(
  logins: readonly Login[],
  stateDir: string,
  wanted: string,
): Promise<{ login: Login; session: Listed }> {
  const misses: string[] = [];
  for (const login of logins) {
    const found = findSession(await listSessions(login, stateDir), wanted);
    if (found.ok) return { login, session: found.session };
    if (found.candidates.length > 0 && found.why.includes('match "')) throw new AttachError(found.why);
    misses.push(`${login.machineId}: ${found.why}`);
  }
  throw new AttachError(`${misses.join("; ")}. "tether attach" with no session lists them.`);
}

/**
 * A terminal client of one session room until the input ends or /quit: the transcript from the
 * start, streamed text, prompts answered from the keyboard, typed lines sent durably. Resolves
 * with the exit code.
 */
export async function attachSession(
  login: Login,
  stateDir: string,
  session: Listed,
  io: Io,
): Promise<number> {
  const db = new StateDb(join(stateDir, ATTACH_DB));
  const transcript = new Transcript(io.out);
  const composer = new Composer();
  /** Lines typed before this terminal held the room's key: sent, in order, once it does. */
  const held: LineAction[] = [];
  let shownState = "";
  const lines = createInterface({ input: io.input, terminal: io.tty });
  const room = new RoomClient({
    relay: login.relay,
    token: login.token,
    room: session.room,
    db,
    keys: keysOf(login),
    on: {
      message: (m) => transcript.message(m),
      unverifiable: (m, why) => transcript.unverifiable(m, why),
      signal: (kind, body) => (kind === "agent.delta" ? transcript.delta(body) : undefined),
      keyed: () => flush(),
      held: (n) =>
        transcript.line(`· ${n} message(s) wait for this terminal's key; shown when the bridge grants it`),
      rejected: (mid, code, message) =>
        transcript.line(`! message ${mid} refused by the relay (${code}): ${message}`),
      state: (s) => {
        const text = s.kind === "live" ? "connected" : s.kind === "waiting" ? "offline, reconnecting…" : "";
        if (text && text !== shownState) transcript.line(`· ${text}`);
        if (text) shownState = text;
        if (s.kind !== "fatal") return;
        transcript.line(`! the relay closed the session for good: ${stateText(s)}`);
        // Retrying cannot help (a revoked token, a deleted room): leave instead of taking input.
        lines.close();
      },
    },
  });
  const send = (a: LineAction): boolean => {
    if (a.type !== "send") return true;
    const mid = room.send(a.kind, a.body);
    if (mid === null) return false;
    if (a.kind === "permission.response") transcript.prompts.answered(a.body.requestId);
    return true;
  };
  const flush = () => {
    while (held.length > 0 && send(held[0] as LineAction)) held.shift();
  };
  transcript.line(
    `· attached to ${session.room} on machine ${login.machineId}; /help for keys, Ctrl-D to leave`,
  );
  for await (const raw of lines) {
    const action = composer.line(raw, transcript.prompts.first());
    if (action.type === "quit") break;
    if (action.type === "say" || action.type === "next") transcript.line(action.text);
    if (action.type !== "send") continue;
    if (held.length > 0 || !send(action)) {
      held.push(action);
      transcript.line("· this terminal holds no key for the room yet; sent once the bridge grants it");
    }
  }
  lines.close();
  const drained = await room.until(() => held.length === 0 && room.outboxSize() === 0, DRAIN_WAIT_MS);
  const queued = room.outboxSize();
  const fatal = room.state.kind === "fatal";
  room.close();
  db.close();
  if (queued > 0)
    io.out(
      `tether attach: ${queued} message(s) not delivered yet; kept, and sent the next time you attach\n`,
    );
  // Never sealed, so never stored: given back, so the person's words are not lost.
  for (const a of held)
    if (a.type === "send" && a.kind === "user.message")
      io.out(`tether attach: not sent (no key yet): ${a.body.text}\n`);
  return drained && !fatal ? 0 : 1;
}

function stateText(s: DriverState): string {
  if (s.kind === "fatal" || s.kind === "waiting") return `${s.code} ${s.reason || "no reason given"}`;
  return s.kind;
}
