import { describe, expect, it } from "vitest";
import { findSession, type Listed } from "./find-session.ts";

const s = (room: string, title: string, claudeSessionId?: string): Listed => ({
  room,
  title,
  cwd: "/p",
  state: "idle",
  chain: [],
  createdAt: 0,
  updatedAt: 0,
  ...(claudeSessionId ? { claudeSessionId } : {}),
});

const list = [
  s("s-aaaa1111bbbb2222", "Fix the login bug", "c-1"),
  s("s-aaaa3333bbbb4444", "Write docs", "c-2"),
];

describe("findSession", () => {
  it("by room, Claude session id, unique prefix or title part", () => {
    expect(findSession(list, "s-aaaa3333bbbb4444")).toMatchObject({
      ok: true,
      session: { title: "Write docs" },
    });
    expect(findSession(list, "c-1")).toMatchObject({ ok: true, session: { title: "Fix the login bug" } });
    expect(findSession(list, "s-aaaa1")).toMatchObject({ ok: true, session: { title: "Fix the login bug" } });
    expect(findSession(list, "LOGIN")).toMatchObject({ ok: true, session: { room: "s-aaaa1111bbbb2222" } });
  });

  it("several or none: says so and chooses nothing", () => {
    expect(findSession(list, "s-aaaa")).toMatchObject({
      ok: false,
      why: '2 sessions match "s-aaaa"; name one by its room',
    });
    expect(findSession(list, "nothing")).toMatchObject({ ok: false, why: 'no session matches "nothing"' });
  });
});
