import { describe, expect, it } from "vitest";
import type { Golden } from "./fixtures/families.ts";
import { keysGolden } from "./fixtures/keys-golden.ts";
import { machineGolden } from "./fixtures/machine-golden.ts";
import { sessionGolden } from "./fixtures/session-golden.ts";
import { kinds, specOf } from "./kinds.ts";

/**
 * Bodies as the bridge and the phone build them today (shapes copied from bridge/session/*,
 * bridge/machine/* and web/src/ui/*), typed by kind so the compiler checks them as well; one
 * fixture per kind family in fixtures/. Each must parse strictly and tolerantly and come out
 * unchanged: the schemas name every field sent.
 */
describe("golden bodies", () => {
  const all: Golden = { ...machineGolden, ...sessionGolden, ...keysGolden };
  const names = Object.keys(kinds).filter((k): k is keyof Golden => specOf(k) !== null);
  for (const kind of names)
    it(`${kind}: parse strictly and tolerantly, unchanged`, () => {
      const spec = kinds[kind];
      const bodies: unknown[] = all[kind];
      expect(bodies.length).toBeGreaterThan(0);
      for (const b of bodies) {
        expect(spec.body.parse(b)).toEqual(b);
        expect(spec.read.parse(b)).toEqual(b);
      }
    });
});
