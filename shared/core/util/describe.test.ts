import { expect, describe as group, it } from "vitest";
import { describe, nestedDeeper } from "./describe.ts";

function nested(depth: number): unknown {
  let v: unknown = [];
  for (let i = 1; i < depth; i++) v = [v];
  return v;
}

group("describe", () => {
  it("names the type, top-level keys or length, size and depth", () => {
    expect(describe(null)).toBe("null");
    expect(describe(42)).toBe("number");
    expect(describe(undefined)).toBe("undefined");
    expect(describe("x".repeat(140_000))).toBe("string (140000 chars)");
    expect(describe({ name: "set_model", value: "a" })).toBe(
      `object {name, value} ~${JSON.stringify({ name: "set_model", value: "a" }).length} B, depth 1`,
    );
    expect(describe([1, [2, 3]])).toBe(`array [2] ~${JSON.stringify([1, [2, 3]]).length} B, depth 2`);
  });

  it("describes a body nested 10,000 deep without recursing, as at least the depth it saw", () => {
    const deep = nested(10_000);
    // What the bridge did with such a body: the stack overflows.
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    expect(describe(deep)).toBe("array [1] ~19.5 KB, depth 10000");
    const deeper = nested(1_000_000);
    expect(describe(deeper)).toMatch(/^array \[1\] ~≥/);
  });

  it("clips many keys, long keys and control characters out of keys", () => {
    const obj: Record<string, number> = {};
    for (let i = 0; i < 20; i++) obj[`k${i}`] = i;
    obj["\u001b]52;c;evil\u0007".padEnd(40, "x")] = 1;
    const d = describe(obj);
    expect(d).toContain("k0, k1, k2, k3, k4, k5, k6, k7, … 13 more");
    const one = describe({ "\u001b]52;c;evil\u0007xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx": 1 });
    expect([...one].every((c) => c.charCodeAt(0) >= 0x20)).toBe(true);
    expect(one).toContain("?]52;c;evil?");
    expect(one).toContain("…}");
  });

  it("stays bounded on a huge array", () => {
    const big = new Array(1_000_000).fill(0);
    const started = performance.now();
    expect(describe(big)).toMatch(/^array \[1000000\] ~≥/);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

group("nestedDeeper", () => {
  it("counts containers: a scalar is 0, [] is 1", () => {
    expect(nestedDeeper(5, 0)).toBe(false);
    expect(nestedDeeper([], 0)).toBe(true);
    expect(nestedDeeper([], 1)).toBe(false);
    expect(nestedDeeper({ a: { b: [1] } }, 3)).toBe(false);
    expect(nestedDeeper({ a: { b: [1] } }, 2)).toBe(true);
  });

  it("finds the deep branch among shallow ones, and handles 10,000 and 1,000,000 deep", () => {
    expect(nestedDeeper({ a: 1, b: [2, 3], c: { d: nested(63) } }, 64)).toBe(true);
    expect(nestedDeeper({ a: 1, b: [2, 3], c: { d: nested(62) } }, 64)).toBe(false);
    expect(nestedDeeper(nested(10_000), 64)).toBe(true);
    expect(nestedDeeper(nested(1_000_000), 64)).toBe(true);
  });
});
