import type { StoredMsg } from "../../../shared/protocol/frames.ts";
import {
  MachineInfo,
  MachineResumable,
  MachineSessions,
  Notice,
  type Resumable,
  read,
  SessionCreated,
  type SessionSummary,
} from "./bodies.ts";

/** The machine room's log folded into what the machine page shows. Pure. */
export type MachineView = {
  info: MachineInfo | null;
  sessions: SessionSummary[];
  /** Answers to this machine's requests, by the request's mid. */
  created: ReadonlyMap<string, string>;
  resumable: ReadonlyMap<string, Resumable[]>;
  notices: ReadonlyMap<string, Notice>;
  /** Notices that answer no request (newest last). */
  general: Notice[];
  lastBridgeAt: number | null;
};

export function foldMachine(msgs: readonly StoredMsg[]): MachineView {
  let info: MachineInfo | null = null;
  let sessions: SessionSummary[] = [];
  const created = new Map<string, string>();
  const resumable = new Map<string, Resumable[]>();
  const notices = new Map<string, Notice>();
  const general: Notice[] = [];
  let lastBridgeAt: number | null = null;
  for (const m of msgs) {
    if (m.role !== "bridge") continue;
    lastBridgeAt = m.ts;
    switch (m.kind) {
      case "machine.info":
        info = read(MachineInfo, m.body) ?? info;
        break;
      case "machine.sessions":
        sessions = read(MachineSessions, m.body)?.sessions ?? sessions;
        break;
      case "machine.session_created": {
        const b = read(SessionCreated, m.body);
        if (b) created.set(b.requestMid, b.room);
        break;
      }
      case "machine.resumable": {
        const b = read(MachineResumable, m.body);
        if (b) resumable.set(b.requestMid, b.sessions);
        break;
      }
      case "machine.notice": {
        const b = read(Notice, m.body);
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
  };
}

/** Live sessions first, most recently active first. */
function ordered(sessions: SessionSummary[]): SessionSummary[] {
  return [...sessions].sort((a, b) => {
    const ended = Number(a.state === "ended") - Number(b.state === "ended");
    return ended !== 0 ? ended : b.updatedAt - a.updatedAt;
  });
}
