import { describe, expect, it } from "vitest";
import { applyDelta, type Stream } from "./local.ts";

describe("applyDelta", () => {
  const d = (offset: number, text: string, index = 0) => ({ messageId: "m1", index, offset, text });

  it("appends text at the expected offset and ignores signals that do not line up", () => {
    let streams: ReadonlyMap<string, Stream> = new Map();
    streams = applyDelta(streams, d(0, "Hel")) ?? streams;
    streams = applyDelta(streams, d(3, "lo")) ?? streams;
    expect(streams.get("m1:0")).toEqual({ from: 0, text: "Hello" });
    // A lost signal leaves a hole: later ones are ignored rather than glued on wrongly.
    expect(applyDelta(streams, d(9, "x"))).toBeNull();
    expect(applyDelta(streams, d(0, "again"))).toBeNull();
    // Another block of the same message streams on its own.
    expect(applyDelta(streams, d(0, "B", 1))?.get("m1:1")).toEqual({ from: 0, text: "B" });
    expect(applyDelta(streams, { messageId: "m1" })).toBeNull();
  });

  it("joins a stream midway (after a reload) from the first signal it sees", () => {
    let streams: ReadonlyMap<string, Stream> = new Map();
    streams = applyDelta(streams, d(40, "tail")) ?? streams;
    streams = applyDelta(streams, d(44, " end")) ?? streams;
    expect(streams.get("m1:0")).toEqual({ from: 40, text: "tail end" });
  });
});
