import { describe, expect, it } from "vitest";
import { generateMachineKeys } from "../e2e/node-seal.ts";
import { LoginError, parsePairingLink } from "./login.ts";

const m = generateMachineKeys().publicKey;
const p = Buffer.alloc(32, 7).toString("base64url");

describe("parsePairingLink", () => {
  it("takes the relay, the code, the machine key and the secret from a tether pair link", () => {
    const link = parsePairingLink(` https://relay.example/pair#c=ABCD-1234&m=${m}&p=${p} `);
    expect(link).toMatchObject({ relay: "https://relay.example", code: "ABCD-1234", machineKey: m });
    expect(link.secret.equals(Buffer.alloc(32, 7))).toBe(true);
  });

  it("refuses what is not a whole pairing link, with what to do", () => {
    const bad = [
      "not a link",
      `ftp://relay.example/pair#c=A&m=${m}&p=${p}`,
      "https://relay.example/pair#c=A",
      `https://relay.example/pair#c=A&m=short&p=${p}`,
      `https://relay.example/pair#c=A&m=${m}&p=AAAA`,
    ];
    for (const text of bad) expect(() => parsePairingLink(text), text).toThrow(LoginError);
    expect(() => parsePairingLink("https://relay.example/pair#c=A")).toThrow(/tether pair/);
  });
});
