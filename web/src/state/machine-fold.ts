import type {
  StoredMsg,
  TolerantMachineAccount,
  TolerantMachineHealth,
  TolerantMachineInfo,
  TolerantMachineNotice,
  TolerantResumable,
  TolerantSessionSummary,
} from "../../../shared/protocol/index.ts";
import { readBody } from "./bodies.ts";

/** The machine room's log folded into what the machine page shows. Pure. */
export type MachineView = {
  info: TolerantMachineInfo | null;
  sessions: TolerantSessionSummary[];
  /** Answers to this machine's requests, by the request's mid. */
  created: ReadonlyMap<string, string>;
  resumable: ReadonlyMap<string, TolerantResumable[]>;
  notices: ReadonlyMap<string, TolerantMachineNotice>;
  /** Notices that answer no request (newest last). */
  general: TolerantMachineNotice[];
  lastBridgeAt: number | null;
  /** Whether Claude Code can answer on the machine (machine.account), as last checked. */
  account: TolerantMachineAccount | null;
  /** What the bridge did, in numbers (machine.health), as last published. */
  health: TolerantMachineHealth | null;
};

export function foldMachine(msgs: readonly StoredMsg[]): MachineView {
  let info: TolerantMachineInfo | null = null;
  let sessions: TolerantSessionSummary[] = [];
  const created = new Map<string, string>();
  const resumable = new Map<string, TolerantResumable[]>();
  const notices = new Map<string, TolerantMachineNotice>();
  const general: TolerantMachineNotice[] = [];
  let lastBridgeAt: number | null = null;
  let account: TolerantMachineAccount | null = null;
  let health: TolerantMachineHealth | null = null;
  for (const m of msgs) {
    if (m.role !== "bridge") continue;
    lastBridgeAt = m.ts;
    switch (m.kind) {
      case "machine.info":
        info = readBody("machine.info", m.body) ?? info;
        break;
      case "machine.sessions":
        sessions = readBody("machine.sessions", m.body)?.sessions ?? sessions;
        break;
      case "machine.session_created": {
        const b = readBody("machine.session_created", m.body);
        if (b) created.set(b.requestMid, b.room);
        break;
      }
      case "machine.resumable": {
        const b = readBody("machine.resumable", m.body);
        if (b) resumable.set(b.requestMid, b.sessions);
        break;
      }
      case "machine.account":
        account = readBody("machine.account", m.body) ?? account;
        break;
      case "machine.health":
        health = readBody("machine.health", m.body) ?? health;
        break;
      case "machine.notice": {
        const b = readBody("machine.notice", m.body);
        if (b?.requestMid) notices.set(b.requestMid, b);
        else if (b) general.push(b);
        break;
      }
    }
  }
  return {
    info,
    sessions: ordered(sessions),
    created,
    resumable,
    notices,
    general: general.slice(-5),
    lastBridgeAt,
    account,
    health,
  };
}

/** Live sessions first, most recently active first. */
function ordered(sessions: TolerantSessionSummary[]): TolerantSessionSummary[] {
  return [...sessions].sort((a, b) => {
    const ended = Number(a.state === "ended") - Number(b.state === "ended");
    return ended !== 0 ? ended : b.updatedAt - a.updatedAt;
  });
}
