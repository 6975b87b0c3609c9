import { describe, expect, it } from "vitest";
import { mid, TestRoom } from "../../../tests/support/test-room.ts";
import type { StoredPush } from "./room-env.ts";

/** Push hints at the room's boundary (docs/protocol.md §11.1): who may attach one, what reaches the sender. */
function room() {
  const r = new TestRoom();
  const pushed: { items: StoredPush[]; framesBefore: number }[] = [];
  const bridge = r.connect("bridge");
  r.env.pushes = { stored: (items) => pushed.push({ items, framesBefore: bridge.frames.length }) };
  r.hello(bridge, "bridge-cid-1");
  return { r, bridge, pushed };
}

const notify = { notify: { class: "prompt", show: { title: "t", body: "b", tag: "x" } } };

describe("push hints", () => {
  it("a bridge's hint reaches the push port once, after the acked frame, with the seq it was stored under", () => {
    const { r, bridge, pushed } = room();
    const m = mid();
    r.frame(bridge, {
      t: "send",
      msgs: [
        { mid: mid(), kind: "agent.message", body: {} },
        { mid: m, kind: "permission.request", body: {}, push: notify },
      ],
    });
    expect(pushed).toHaveLength(1);
    expect(pushed[0]!.items).toEqual([{ seq: 2, ts: expect.any(Number), hint: notify }]);
    // The acked frame went out before the port was called: pushes never delay acks.
    expect(bridge.frames.slice(0, pushed[0]!.framesBefore).some((f) => f.t === "acked")).toBe(true);
    // A resend of the same mid is a duplicate: stored once, pushed once.
    r.frame(bridge, { t: "send", msgs: [{ mid: m, kind: "permission.request", body: {}, push: notify }] });
    expect(pushed).toHaveLength(1);
    // The relay keeps the hint out of the log.
    expect(JSON.stringify(r.env.store.read(1, 10, 10))).not.toContain("push");
  });

  it("a controller's hint is not_allowed, and the message is not stored", () => {
    const { r, pushed } = room();
    const phone = r.connect("controller");
    r.hello(phone, "phone-cid-01");
    const m = mid();
    r.frame(phone, {
      t: "send",
      msgs: [{ mid: m, kind: "user.message", body: { text: "hi" }, push: notify }],
    });
    expect(phone.of("error")[0]).toMatchObject({ code: "not_allowed", mid: m });
    expect(pushed).toEqual([]);
    expect(r.env.store.meta().head).toBe(0);
  });

  it("an oversized or malformed hint is refused, never passed on", () => {
    const { r, bridge, pushed } = room();
    const big = { notify: { class: "turn", show: { body: "x".repeat(3000) } } };
    const m = mid();
    r.frame(bridge, { t: "send", msgs: [{ mid: m, kind: "turn.result", body: {}, push: big }] });
    expect(bridge.of("error")[0]).toMatchObject({ code: "too_large", mid: m });
    r.frame(bridge, {
      t: "send",
      msgs: [{ mid: mid(), kind: "turn.result", body: {}, push: { notify: { class: "loud", show: {} } } }],
    });
    expect(bridge.of("error")[1]).toMatchObject({ code: "bad_frame" });
    expect(pushed).toEqual([]);
  });

  it("focus is kept on the socket; a malformed one is a bad_frame", () => {
    const { r } = room();
    const phone = r.connect("controller");
    r.hello(phone, "phone-cid-01");
    r.frame(phone, { t: "focus", on: true });
    expect(phone.state.focused).toBe(true);
    r.frame(phone, { t: "focus", on: false });
    expect(phone.state.focused).toBe(false);
    r.frame(phone, { t: "focus", on: "yes" });
    expect(phone.of("error").at(-1)).toMatchObject({ code: "bad_frame" });
  });
});
