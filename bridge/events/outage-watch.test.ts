import { describe, expect, it } from "vitest";
import type { EventBody } from "./lifecycle-event.ts";
import { OutageWatch } from "./outage-watch.ts";

describe("OutageWatch", () => {
  it("counts an outage only after the link was up, ends it when a link is back, ignores closing", () => {
    const seen: EventBody[] = [];
    let now = 0;
    const w = new OutageWatch({ record: (e) => seen.push(e) }, () => now);
    for (const s of ["offline", "partial", "online", "partial", "online"] as const) w.onState(s);
    expect(seen).toEqual([]);
    now = 100;
    w.onState("offline");
    now = 350;
    expect(w.currentOutageMs()).toBe(250);
    w.onState("offline");
    w.onState("partial");
    w.onState("online");
    w.stop();
    w.onState("offline");
    expect(seen).toEqual([{ type: "relay.down" }, { type: "relay.up", outageMs: 250 }]);
  });
});
