import { describe, expect, it } from "vitest";
import { TurnResultSubtype } from "../../../../shared/protocol/agent.ts";
import { turnLabel } from "./turn-label.ts";

describe("turnLabel", () => {
  it("says how every known turn ended in words, never by the subtype's name", () => {
    for (const subtype of TurnResultSubtype.options) {
      const label = turnLabel({ ok: false, subtype });
      expect(label, subtype).not.toContain(subtype);
      expect(label, subtype).not.toMatch(/Failed \(/);
    }
  });

  it("an API error the CLI reports as a success is 'Claude could not answer'", () => {
    expect(turnLabel({ ok: false, subtype: "success" })).toBe("Claude could not answer");
    expect(turnLabel({ ok: true, subtype: "success" })).toBe("Done");
  });

  it("a subtype of a newer bridge is still said in words", () => {
    expect(turnLabel({ ok: false, subtype: "error_new_thing" })).toBe(
      "Ended without an answer (error new thing)",
    );
  });
});
