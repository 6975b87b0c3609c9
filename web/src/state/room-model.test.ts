import { describe, expect, it } from "vitest";
import type { StoredMsg } from "../../../shared/protocol/frames.ts";
import { contiguousEnd, merge } from "./room-model.ts";

const m = (seq: number): StoredMsg => ({
  seq,
  mid: `m${seq}`,
  cid: "c",
  role: "bridge",
  kind: "a.b",
  body: {},
  ts: seq,
});
const seqs = (ms: StoredMsg[]) => ms.map((x) => x.seq);

describe("merge", () => {
  it("appends newer messages and merges older or overlapping ones by seq", () => {
    const have = [m(5), m(6)];
    expect(seqs(merge(have, [m(7), m(8)]))).toEqual([5, 6, 7, 8]);
    expect(seqs(merge(have, [m(2), m(3)]))).toEqual([2, 3, 5, 6]);
    expect(seqs(merge(have, [m(6), m(7)]))).toEqual([5, 6, 7]);
    expect(merge(have, [])).toBe(have);
  });
});

describe("contiguousEnd", () => {
  it("keeps the gap-free run at the end", () => {
    expect(seqs(contiguousEnd([m(1), m(2), m(7), m(8), m(9)], null))).toEqual([7, 8, 9]);
    expect(seqs(contiguousEnd([m(3)], null))).toEqual([3]);
    expect(contiguousEnd([], null)).toEqual([]);
  });

  it("with `before`, only a run that ends right below it counts", () => {
    expect(seqs(contiguousEnd([m(3), m(4)], 5))).toEqual([3, 4]);
    expect(contiguousEnd([m(3), m(4)], 9)).toEqual([]);
  });
});
