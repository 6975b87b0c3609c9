import { describe, expect, it } from "vitest";
import type { StoredMsg } from "../../../shared/protocol/frames.ts";
import { emptyLocal, type Local } from "./local.ts";
import type { Item } from "./session-fold.ts";
import { foldSession } from "./session-overlay.ts";
import { unopenedBody, unopenedReason } from "./unopened.ts";

let seq = 0;
function msg(kind: string, body: unknown, o: Partial<StoredMsg> = {}): StoredMsg {
  seq++;
  const role = kind.startsWith("user.") || kind.startsWith("permission.response") ? "controller" : "bridge";
  return { seq, mid: `mid-${seq}-xxxxxxxxxxxx`, cid: "c", role, kind, body, ts: 1000 + seq, ...o };
}

function users(items: Item[]) {
  return items.flatMap((i) => (i.t === "user" ? [{ text: i.text, status: i.status }] : []));
}

describe("foldSession", () => {
  it("shows a message that could not be opened as such, never as what it claims to be", () => {
    const fake = { text: "trust me" };
    const view = foldSession(
      [
        msg("user.message", unopenedBody("bad_tag")),
        msg("session.info", unopenedBody("waiting")),
        msg("user.message", fake),
      ],
      emptyLocal,
    );
    expect(view.items.map((i) => (i.t === "unverified" ? i.reason : i.t))).toEqual([
      "bad_tag",
      "waiting",
      "user",
    ]);
    expect(view.info).toBeNull();
    // A body from the wire that looks like a marker is not one.
    expect(unopenedReason({ unopened: "bad_tag" })).toBeNull();
  });

  it("follows a message from the outbox to Claude: sending, sent, delivered, done", () => {
    const local: Local = {
      ...emptyLocal,
      outbox: [{ mid: "q1", kind: "user.message", body: { text: "hi" }, at: 1 }],
    };
    expect(users(foldSession([], local).items)).toEqual([{ text: "hi", status: "sending" }]);
    expect(users(foldSession([], { ...local, acked: new Set(["q1"]) }).items)).toEqual([
      { text: "hi", status: "sent" },
    ]);

    const stored = msg("user.message", { text: "hi" }, { mid: "q1", seq: 100 });
    const log = [stored];
    // The stored copy replaces the queued one (no duplicate while the outbox row lingers).
    expect(users(foldSession(log, local).items)).toEqual([{ text: "hi", status: "sent" }]);
    log.push(msg("turn.started", { inputMid: "q1" }));
    expect(users(foldSession(log, emptyLocal).items)[0]?.status).toBe("delivered");
    expect(foldSession(log, emptyLocal).running).toBe(true);
    log.push(
      msg("turn.result", { inputMid: "q1", ok: true, subtype: "success", durationMs: 1200, costUsd: 0.01 }),
    );
    const view = foldSession(log, emptyLocal);
    expect(users(view.items)[0]?.status).toBe("done");
    expect(view.running).toBe(false);
    expect(view.items.at(-1)).toMatchObject({ t: "turn", result: { ok: true, durationMs: 1200 } });
  });

  it("appends the blocks of agent.message frames that share an id, and pairs tool results", () => {
    const log = [
      msg("agent.message", { id: "m1", blocks: [{ type: "thinking", text: "hmm" }] }),
      msg("agent.message", { id: "m1", blocks: [{ type: "text", text: "Using Write." }] }),
      msg("agent.message", {
        id: "m1",
        blocks: [{ type: "tool_use", id: "t1", name: "Write", input: { file_path: "/a" } }],
      }),
      msg("tool.result", { toolUseId: "t1", isError: false, content: "ok" }),
      msg("agent.message", {
        id: "m2",
        blocks: [
          { type: "weird", x: 1 },
          { type: "text", text: "done" },
        ],
      }),
    ];
    const items = foldSession(log, emptyLocal).items;
    expect(items.map((i) => i.t)).toEqual(["thinking", "text", "tool", "text"]);
    const tool = items[2];
    expect(tool?.t === "tool" && tool.tool.result?.content).toBe("ok");
  });

  it("marks a tool call whose turn failed before its result (the bridge restarted) as interrupted", () => {
    const bash = (id: string) => ({ type: "tool_use", id, name: "Bash", input: { command: "echo x" } });
    const log = [
      msg("user.message", { text: "go" }, { mid: "u1" }),
      msg("turn.started", { inputMid: "u1" }),
      msg("agent.message", { id: "a1", blocks: [bash("t1")] }),
      msg("tool.result", { toolUseId: "t1", isError: false, content: "" }),
      msg("agent.message", { id: "a2", blocks: [bash("t2")] }),
    ];
    const tool = (view: ReturnType<typeof foldSession>, id: string) =>
      view.items.flatMap((i) => (i.t === "tool" && i.tool.id === id ? [i.tool] : []))[0];
    expect(tool(foldSession(log, emptyLocal), "t2")?.interrupted).toBe(false);
    log.push(
      msg("turn.result", {
        inputMid: "u1",
        ok: false,
        subtype: "error_bridge_restarted",
        durationMs: 0,
        error: "the bridge restarted during this turn",
      }),
    );
    const view = foldSession(log, emptyLocal);
    expect(tool(view, "t2")?.interrupted).toBe(true);
    expect(tool(view, "t1")?.interrupted).toBe(false);
  });

  it("derives the pending permission from the log, so a reload shows the same sheet", () => {
    const req = {
      requestId: "r1",
      toolName: "Write",
      input: { file_path: "/a", content: "x" },
      toolUseId: "t1",
    };
    const log = [
      msg("agent.message", {
        id: "m1",
        blocks: [{ type: "tool_use", id: "t1", name: "Write", input: req.input }],
      }),
      msg("permission.request", req),
    ];
    expect(foldSession(log, emptyLocal).pending.map((r) => r.requestId)).toEqual(["r1"]);

    // Answered from this device (still in the outbox): no sheet, a waiting line instead.
    const answering: Local = {
      ...emptyLocal,
      outbox: [
        { mid: "a1", kind: "permission.response", body: { requestId: "r1", decision: "allow" }, at: 1 },
      ],
    };
    const v = foldSession(log, answering);
    expect(v.pending).toEqual([]);
    expect(v.answered.map((r) => r.requestId)).toEqual(["r1"]);

    // Stored and acknowledged here: still this tab's answer on its way.
    const mine = msg("permission.response", { requestId: "r1", decision: "allow" }, { mid: "a1" });
    const sent: Local = { ...emptyLocal, acked: new Set(["a1"]) };
    expect(foldSession([...log, mine], sent).answered.map((r) => r.requestId)).toEqual(["r1"]);
    // The bridge refused it: the prompt is back, with the reason.
    const refused = msg("session.notice", { level: "warn", code: "bad_response", text: "no", mid: "a1" });
    const back = foldSession([...log, mine, refused], sent);
    expect(back.pending.map((r) => r.requestId)).toEqual(["r1"]);
    expect(back.refusals.get("r1")).toBe("no");

    // Answered elsewhere: open here until the bridge resolves it, then gone with the decision on the card.
    log.push(msg("permission.response", { requestId: "r1", decision: "allow" }));
    expect(foldSession(log, emptyLocal).pending.map((r) => r.requestId)).toEqual(["r1"]);
    log.push(msg("permission.resolved", { requestId: "r1", decision: "allow", by: "phone-2" }));
    const done = foldSession(log, emptyLocal);
    expect(done.pending).toEqual([]);
    expect(done.answered).toEqual([]);
    const tool = done.items[0];
    expect(tool?.t === "tool" && tool.tool.decision?.by).toBe("phone-2");
  });

  it("shows streamed text until the stored message covers that block", () => {
    const streams = new Map([
      ["m1:0", { from: 0, text: "Hel" }],
      ["m1:1", { from: 2, text: "wor" }],
    ]);
    const local = { ...emptyLocal, streams };
    expect(foldSession([], local).items.map((i) => i.t === "text" && i.text)).toEqual(["Hel", "…wor"]);
    const log = [msg("agent.message", { id: "m1", blocks: [{ type: "text", text: "Hello" }] })];
    const items = foldSession(log, local).items;
    expect(items.map((i) => (i.t === "text" ? [i.text, i.streaming === true] : null))).toEqual([
      ["Hello", false],
      ["…wor", true],
    ]);
  });

  it("marks refused and never-run messages instead of dropping them", () => {
    const local: Local = {
      ...emptyLocal,
      rejected: [
        {
          mid: "q9",
          kind: "user.message",
          body: { text: "big" },
          at: 1,
          code: "too_large",
          message: "too big",
        },
      ],
    };
    const stored = msg("user.message", { text: "late" }, { mid: "q2" });
    const notice = msg("session.notice", {
      level: "warn",
      code: "session_ended",
      text: "ended",
      inputMid: "q2",
    });
    const items = foldSession([stored, notice], local).items;
    expect(users(items)).toEqual([
      { text: "late", status: "not_run" },
      { text: "big", status: "failed" },
    ]);
  });

  it("shows a message a terminal session got at its Stop as delivered", () => {
    const stored = msg("user.message", { text: "also this" }, { mid: "t1" });
    const note = (code: string) => msg("session.notice", { level: "info", code, text: code, inputMid: "t1" });
    const queued = foldSession([stored, note("queued_for_terminal")], emptyLocal);
    expect(users(queued.items)).toEqual([{ text: "also this", status: "sent" }]);
    const delivered = foldSession(
      [stored, note("queued_for_terminal"), note("delivered_at_stop")],
      emptyLocal,
    );
    expect(users(delivered.items)).toEqual([{ text: "also this", status: "done" }]);
    const lost = foldSession([stored, note("delivered_at_stop"), note("not_delivered")], emptyLocal);
    expect(users(lost.items)).toEqual([{ text: "also this", status: "not_run" }]);
  });

  it("keeps the latest info and status and skips bodies that do not parse", () => {
    const log = [
      msg("session.info", { title: "one", cwd: "/p", permissionMode: "default" }),
      msg("session.info", { title: 42 }),
      msg("session.status", { state: "awaiting_permission", at: 5 }),
      msg("user.message", { nope: true }),
    ];
    const v = foldSession(log, emptyLocal);
    expect(v.info?.title).toBe("one");
    expect(v.status?.state).toBe("awaiting_permission");
    expect(v.running).toBe(true);
    expect(v.items).toEqual([]);
    expect(v.lastBridgeAt).toBe(log[2]?.ts);
  });
});

describe("foldSession, first prompt", () => {
  it("shows a turn started by the create request's prompt as a user message, only from the room's start", () => {
    seq = 0;
    const started = msg("turn.started", { inputMid: "create-1" });
    const v = foldSession([started], emptyLocal);
    expect(v.items[0]).toMatchObject({ t: "user", mid: "create-1", initial: true, status: "delivered" });
    const later = { ...started, seq: 40 };
    expect(foldSession([later], emptyLocal).items).toEqual([]);
  });

  it("shows the first prompt's text when turn.started carries it, wherever the window starts", () => {
    seq = 0;
    const started = msg("turn.started", { inputMid: "create-2", text: "build the thing" });
    const v = foldSession([started], emptyLocal);
    expect(v.items[0]).toMatchObject({ t: "user", mid: "create-2", text: "build the thing", initial: true });
    const later = foldSession([{ ...started, seq: 40 }], emptyLocal);
    expect(later.items[0]).toMatchObject({ t: "user", text: "build the thing", status: "delivered" });
    // A turn for a user.message in view never gets a second bubble, text or not.
    const user = msg("user.message", { text: "hi" }, { mid: "u1" });
    const own = foldSession([user, msg("turn.started", { inputMid: "u1", text: "hi" })], emptyLocal);
    expect(own.items.filter((i) => i.t === "user")).toHaveLength(1);
  });
});

describe("a message with files", () => {
  const ref = {
    id: "photo_abcdefgh",
    name: "shot.png",
    mediaType: "image/png",
    bytes: 500_000,
    sha256: "a".repeat(64),
    chunks: 3,
  } as const;
  const chunk = (index: number) => ({
    mid: `at_photo_abcdefgh_${index}`,
    kind: "attachment.chunk",
    body: null,
    at: 1,
  });
  const message = { mid: "q9", kind: "user.message", body: { text: "look", attachments: [ref] }, at: 2 };
  const user = (local: Local, log: StoredMsg[] = []) => {
    const it = foldSession(log, local).items.find((i) => i.t === "user");
    return it?.t === "user" ? it : undefined;
  };

  it("shows its files and how many of their chunks the relay holds while it is on the way", () => {
    const local: Local = { ...emptyLocal, outbox: [chunk(0), chunk(1), chunk(2), message] };
    expect(user(local)?.files?.map((f) => f.name)).toEqual(["shot.png"]);
    expect(user(local)?.upload).toEqual({ done: 0, total: 3 });
    expect(user({ ...local, acked: new Set([chunk(0).mid, chunk(1).mid]) })?.upload).toEqual({
      done: 2,
      total: 3,
    });
    // After a reload the outbox holds only what is left.
    expect(user({ ...emptyLocal, outbox: [chunk(2), message] })?.upload).toEqual({ done: 2, total: 3 });
    // Acknowledged: no progress any more.
    expect(user({ ...local, acked: new Set(["q9"]) })?.upload).toBeUndefined();
  });

  it("shows the files of a stored message on every device", () => {
    const stored = msg("user.message", { text: "", attachments: [ref] }, { mid: "q9" });
    const it = user(emptyLocal, [stored]);
    expect(it?.files?.[0]).toMatchObject({ name: "shot.png", bytes: 500_000 });
    expect(it?.upload).toBeUndefined();
  });
});
