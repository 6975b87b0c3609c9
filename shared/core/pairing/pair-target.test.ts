import { describe, expect, it } from "vitest";
import { pairTarget } from "./pair-target.ts";

const HERE = "https://relay-a.example";

describe("pairTarget", () => {
  it("opens a link of this app's relay as it is", () => {
    expect(pairTarget(`${HERE}/pair#c=abc&m=key&p=secret`, HERE)).toBe("/pair#c=abc&m=key&p=secret");
  });

  it("names another relay's origin, so the app pairs there and keeps both", () => {
    expect(pairTarget("http://127.0.0.1:9000/pair#c=abc&m=key&p=secret", HERE)).toBe(
      "/pair#c=abc&m=key&p=secret&r=http%3A%2F%2F127.0.0.1%3A9000",
    );
  });

  it("refuses what is not a pairing link", () => {
    for (const text of [
      "",
      "pair#c=abc",
      `${HERE}/m/x#c=abc`,
      `${HERE}/pair#m=key`,
      "javascript:alert(1)//pair",
    ])
      expect(pairTarget(text, HERE), text).toBeNull();
  });
});
