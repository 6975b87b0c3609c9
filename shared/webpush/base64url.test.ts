import { describe, expect, it } from "vitest";
import { fromBase64url, toBase64url } from "./base64url.ts";

const text = (s: string) => new TextEncoder().encode(s);

describe("base64url", () => {
  it("encodes the RFC 4648 §10 examples without padding, and decodes them back", () => {
    const cases: [string, string][] = [
      ["", ""],
      ["f", "Zg"],
      ["fo", "Zm8"],
      ["foo", "Zm9v"],
      ["foob", "Zm9vYg"],
      ["fooba", "Zm9vYmE"],
      ["foobar", "Zm9vYmFy"],
    ];
    for (const [plain, encoded] of cases) {
      expect(toBase64url(text(plain))).toBe(encoded);
      expect(fromBase64url(encoded)).toEqual(text(plain));
    }
  });

  it("uses - and _ where base64 has + and /", () => {
    expect(toBase64url(new Uint8Array([0xfb, 0xff, 0xbf]))).toBe("-_-_");
    expect(fromBase64url("-_-_")).toEqual(new Uint8Array([0xfb, 0xff, 0xbf]));
  });

  it("tolerates padding but refuses the standard alphabet and impossible lengths", () => {
    expect(fromBase64url("Zg==")).toEqual(text("f"));
    expect(fromBase64url("+/+/")).toBeNull();
    expect(fromBase64url("Zm9v YmFy")).toBeNull();
    expect(fromBase64url("Zg=x")).toBeNull();
    expect(fromBase64url("Zm9vY")).toBeNull();
  });
});
