import { describe, expect, it } from "vitest";
import { nodeSql } from "../../../tests/support/node-sql.ts";
import { SqlRoomStore } from "./sql-room-store.ts";

const row = (mid: string) => ({
  mid,
  cid: "c1",
  role: "bridge" as const,
  kind: "k",
  body: '"ab"',
  ts: 1,
  size: 4,
});

describe("SqlRoomStore meta checkpoint", () => {
  it("a reopened store (hibernation, eviction) counts the rows appended since the last meta write", () => {
    const sql = nodeSql();
    const store = new SqlRoomStore(sql);
    for (let i = 0; i < 250; i++) store.transaction(() => store.append([row(`m${i}`)]));
    expect(new SqlRoomStore(sql).meta()).toEqual({ head: 250, low: 1, count: 250, bytes: 1000 });
    store.compact(120, 100, 1_000_000, 99);
    expect(new SqlRoomStore(sql).meta()).toEqual(store.meta());
    store.transaction(() => store.append([row("late")]));
    expect(new SqlRoomStore(sql).meta()).toEqual({ head: 251, low: 121, count: 131, bytes: 524 });
  });

  it("answers dedupe for live and compacted mids in one read", () => {
    const store = new SqlRoomStore(nodeSql());
    store.transaction(() => store.append([row("a"), row("b"), row("c")]));
    store.compact(1, 2, 1_000_000, 99);
    expect([...store.seqsOfMids(["a", "c", "x"])]).toEqual([
      ["c", 3],
      ["a", 1],
    ]);
  });

  it("keeps the epoch cache in step with writes", () => {
    const store = new SqlRoomStore(nodeSql());
    expect(store.epochOf("br")).toBeNull();
    store.setEpoch("br", 3);
    expect(store.epochOf("br")).toBe(3);
  });
});
