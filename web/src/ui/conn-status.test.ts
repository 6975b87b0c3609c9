import { describe, expect, it } from "vitest";
import { describeConn } from "./conn-status.ts";
import { joinUnder, shortPath } from "./format.ts";

const base = { online: true, now: 100_000, peers: null, bridgeSeenAt: null, lastBridgeAt: null };

describe("describeConn", () => {
  it("counts down to the next dial, and says offline when the browser has no network", () => {
    const waiting = { kind: "waiting", retryAt: 104_200, code: 1006, reason: "" } as const;
    expect(describeConn({ ...base, conn: waiting }).relay).toEqual({
      tone: "warn",
      text: "Reconnecting in 5 s",
    });
    expect(describeConn({ ...base, conn: waiting, online: false }).relay.text).toBe("Offline — no network");
    // Screen readers hear the state, not every tick of the countdown.
    expect(describeConn({ ...base, conn: waiting }).announce).toBe(
      "Reconnecting. Bridge: unknown while disconnected.",
    );
    expect(describeConn({ ...base, conn: { kind: "live" } }).relay).toEqual({
      tone: "ok",
      text: "Connected",
    });
    expect(describeConn({ ...base, conn: { kind: "fatal", code: 4001, reason: "" } }).relay.tone).toBe("bad");
  });

  it("says the app is out of date when the relay refused its wire version, online or not", () => {
    const refused = { kind: "waiting", retryAt: 104_200, code: 4008, reason: "unsupported version" } as const;
    for (const online of [true, false])
      expect(describeConn({ ...base, conn: refused, online }).relay).toEqual({
        tone: "bad",
        text: "Out of date — reload to update",
      });
    const tooMany = { ...refused, reason: "too many invalid frames" };
    expect(describeConn({ ...base, conn: tooMany }).relay.text).toBe("Reconnecting in 5 s");
  });

  it("tells the bridge's presence, and since when it has been gone", () => {
    const live = { ...base, conn: { kind: "live" } as const };
    const bridge = { cid: "b", role: "bridge", since: 1, lastSeen: 2 } as const;
    expect(describeConn({ ...live, peers: [bridge] }).bridge).toEqual({ tone: "ok", text: "Bridge online" });
    expect(describeConn({ ...live, peers: [] }).bridge).toEqual({ tone: "bad", text: "Bridge offline" });
    expect(describeConn({ ...live, peers: [], bridgeSeenAt: 90_000 }).bridge.text).toMatch(
      /^Bridge offline since /,
    );
    expect(describeConn(live).bridge.tone).toBe("muted");
  });
});

describe("paths", () => {
  it("joins a folder under a root and refuses to climb out", () => {
    expect(joinUnder("/w/root/", "app//server/")).toBe("/w/root/app/server");
    expect(joinUnder("/w/root", "")).toBe("/w/root");
    expect(joinUnder("/w/root", "a/../../etc")).toBeNull();
    expect(shortPath("/home/me/src/project")).toBe("…/src/project");
  });
});
