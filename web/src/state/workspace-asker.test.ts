import { describe, expect, it } from "vitest";
import type { WorkspaceRequest } from "../../../shared/protocol/workspace.ts";
import { type Asked, WorkspaceAsker, type WorkspacePort } from "./workspace-asker.ts";

/** A machine room that records what was sent and lets the test answer and reconnect. */
function fakeRoom(refuse = false) {
  const sent: { mid: string; body: WorkspaceRequest }[] = [];
  let answer: (b: unknown) => void = () => {};
  let live: () => void = () => {};
  let n = 0;
  const port: WorkspacePort = {
    send: async (body) => {
      if (refuse) return { ok: false, message: "too many queued" };
      const mid = `m${++n}`;
      sent.push({ mid, body });
      return { ok: true, mid };
    },
    onAnswer: (l) => {
      answer = l;
      return () => {
        answer = () => {};
      };
    },
    onLive: (l) => {
      live = l;
      return () => {};
    },
  };
  return { port, sent, answer: (b: unknown) => answer(b), reconnect: () => live() };
}

const status = (requestMid: string) => ({
  requestMid,
  what: "status",
  branch: "main",
  upstream: null,
  ahead: 0,
  behind: 0,
  files: [{ path: "a.txt", state: "modified" }],
  truncated: false,
});
const settle = () => new Promise((r) => setTimeout(r, 0));

describe("WorkspaceAsker", () => {
  it("resolves a request with the answer that names its mid, ignoring others and malformed ones", async () => {
    const room = fakeRoom();
    const asker = new WorkspaceAsker(room.port);
    let got: Asked | null = null;
    void asker.ask({ cwd: "/r", what: "status" }).then((a) => (got = a));
    await settle();
    expect(room.sent).toEqual([{ mid: "m1", body: { cwd: "/r", what: "status" } }]);
    room.answer(status("someone-else"));
    room.answer({ requestMid: "m1", what: "status" });
    await settle();
    expect(got).toBeNull();
    room.answer(status("m1"));
    await settle();
    expect(got).toEqual({ ok: true, answer: status("m1") });
  });

  it("asks again under a new mid when the socket is live again; the old mid's answer is ignored", async () => {
    const room = fakeRoom();
    const asker = new WorkspaceAsker(room.port);
    let got: Asked | null = null;
    void asker.ask({ cwd: "/r", what: "file", path: "a.txt" }).then((a) => (got = a));
    await settle();
    room.reconnect();
    await settle();
    expect(room.sent.map((s) => s.mid)).toEqual(["m1", "m2"]);
    expect(room.sent[1]?.body).toEqual({ cwd: "/r", what: "file", path: "a.txt" });
    room.answer(status("m1"));
    await settle();
    expect(got).toBeNull();
    room.answer(status("m2"));
    await settle();
    expect(got).toMatchObject({ ok: true });
  });

  it("says why when the request could not be queued, and hears nothing after close", async () => {
    expect(await new WorkspaceAsker(fakeRoom(true).port).ask({ cwd: "/r", what: "status" })).toEqual({
      ok: false,
      message: "too many queued",
    });
    const room = fakeRoom();
    const asker = new WorkspaceAsker(room.port);
    let got: Asked | null = null;
    void asker.ask({ cwd: "/r", what: "status" }).then((a) => (got = a));
    await settle();
    asker.close();
    room.answer(status("m1"));
    await settle();
    expect(got).toBeNull();
  });
});
