import { describe, expect, it } from "vitest";
import type { StoredMsg } from "../../../shared/protocol/frames.ts";
import { foldMachine } from "./machine-fold.ts";

let seq = 0;
function msg(kind: string, body: unknown, role: StoredMsg["role"] = "bridge"): StoredMsg {
  seq++;
  return { seq, mid: `mid-${seq}-xxxxxxxxxxxx`, cid: "b", role, kind, body, ts: 5000 + seq };
}

const session = (room: string, state: string, updatedAt: number) => ({
  room,
  title: room,
  cwd: "/p",
  state,
  createdAt: 1,
  updatedAt,
  chain: [],
});

describe("foldMachine", () => {
  it("keeps the newest info and list, live sessions first, and answers by request mid", () => {
    const log = [
      msg("machine.info", { machineId: "m1", name: "old", roots: ["/a"] }),
      msg("machine.info", {
        machineId: "m1",
        name: "box",
        roots: ["/a", "/b"],
        hostname: "h",
        platform: "linux",
      }),
      msg("machine.sessions", { sessions: [session("s-1", "idle", 1)] }),
      msg("machine.sessions", {
        sessions: [session("s-1", "ended", 9), session("s-2", "idle", 2), session("s-3", "running", 3)],
      }),
      msg("machine.create_session", { cwd: "/a" }, "controller"),
      msg("machine.session_created", { requestMid: "req1", room: "s-2" }),
      msg("machine.resumable", {
        requestMid: "req2",
        sessions: [{ claudeSessionId: "c1", cwd: "/a", title: "t" }],
      }),
      msg("machine.notice", { requestMid: "req3", level: "error", code: "cwd_not_allowed", text: "no" }),
      msg("machine.notice", { level: "warn", code: "x", text: "general" }),
    ];
    const v = foldMachine(log);
    expect(v.info?.name).toBe("box");
    expect(v.sessions.map((s) => s.room)).toEqual(["s-3", "s-2", "s-1"]);
    expect(v.created.get("req1")).toBe("s-2");
    expect(v.resumable.get("req2")?.[0]?.claudeSessionId).toBe("c1");
    expect(v.notices.get("req3")?.code).toBe("cwd_not_allowed");
    expect(v.general.map((n) => n.text)).toEqual(["general"]);
    expect(v.lastBridgeAt).toBe(log.at(-1)?.ts);
  });

  it("ignores machine kinds written by a controller", () => {
    const v = foldMachine([msg("machine.info", { machineId: "m", name: "fake", roots: [] }, "controller")]);
    expect(v.info).toBeNull();
  });
});
