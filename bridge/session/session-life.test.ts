import { describe, expect, it } from "vitest";
import type { EventBody } from "../events/lifecycle-event.ts";
import type { SessionRecord } from "./registry.ts";
import { SessionLife } from "./session-life.ts";

const record: SessionRecord = {
  room: "s-1",
  cwd: "/p",
  title: "t",
  claudeSessionId: "c-1",
  transitionedFrom: null,
  state: "idle",
  permissionMode: "default",
  model: null,
  createdAt: 0,
  updatedAt: 0,
};

function life(): { life: SessionLife; told: EventBody[] } {
  const told: EventBody[] = [];
  let now = 1000;
  return { life: new SessionLife("s-1", { record: (e) => told.push(e) }, () => (now += 10)), told };
}

const kinds = (told: EventBody[]) =>
  told.map((e) => (e.type === "session.slept" ? `slept ${e.why}` : e.type));

describe("SessionLife: sleeps", () => {
  it("a process let go for a held input slept for the hold, though no sleeping status follows", () => {
    const { life: l, told } = life();
    l.effect({ t: "spawn", proc: 1 }, record);
    l.sleeping("hold");
    l.exited(null);
    l.effect({ t: "status", state: "waiting_account" }, record);
    l.effect({ t: "spawn", proc: 2 }, record);
    expect(kinds(told)).toEqual(["session.resumed", "slept hold", "session.woke", "session.resumed"]);
    expect(told[3]).toMatchObject({ from: "sleep" });
  });

  it("an idle sleep is one event: its exit and its sleeping status tell the same sleep", () => {
    const { life: l, told } = life();
    l.effect({ t: "spawn", proc: 1 }, record);
    l.sleeping("idle");
    l.exited(null);
    l.effect({ t: "status", state: "sleeping" }, record);
    expect(kinds(told)).toEqual(["session.resumed", "slept idle"]);
  });

  it("a process that ends by itself slept as exited; one that failed is an error, not a sleep", () => {
    const { life: l, told } = life();
    l.effect({ t: "spawn", proc: 1 }, record);
    l.exited(null);
    l.effect({ t: "status", state: "sleeping" }, record);
    l.effect({ t: "spawn", proc: 2 }, record);
    l.sleeping("cap");
    l.exited("terminated by signal SIGKILL");
    l.effect({ t: "status", state: "error", detail: "terminated by signal SIGKILL" }, record);
    expect(kinds(told)).toEqual([
      ...["session.resumed", "slept exited", "session.woke", "session.resumed"],
      "session.error",
    ]);
  });
});
