import { describe, expect, it } from "vitest";
import { plainHttpNote } from "../cli/show-link.ts";
import { type InterfaceAddress, pickLanAddress } from "./lan-address.ts";

const v4 = (address: string, internal = false): InterfaceAddress => ({ address, family: "IPv4", internal });
const v6 = (address: string, internal = false): InterfaceAddress => ({ address, family: "IPv6", internal });

describe("pickLanAddress", () => {
  it("never picks a public address, even when it comes first", () => {
    const interfaces = {
      lo: [v4("127.0.0.1", true), v6("::1", true)],
      eth0: [v4("203.0.113.7"), v6("2001:db8::7")],
      wlan0: [v4("192.168.1.20"), v6("fe80::1")],
    };
    expect(pickLanAddress(interfaces)).toBe("192.168.1.20");
  });

  it("answers null when there are only public, loopback and IPv6 link-local addresses", () => {
    const interfaces = {
      lo: [v4("127.0.0.1", true)],
      eth0: [v4("8.8.8.8"), v4("172.32.0.1"), v4("172.15.255.1"), v4("100.64.0.1"), v6("2606:4700::1")],
      wlan0: [v6("fe80::abcd"), v6("fc:1::1")],
    };
    expect(pickLanAddress(interfaces)).toBeNull();
  });

  it("takes each RFC 1918 range at its edges", () => {
    for (const address of ["10.0.0.1", "10.255.255.254", "172.16.0.1", "172.31.255.1", "192.168.0.1"]) {
      expect(pickLanAddress({ eth0: [v4("198.51.100.1"), v4(address)] })).toBe(address);
    }
  });

  it("prefers RFC 1918 over IPv4 link-local over IPv6 unique local", () => {
    const ula = v6("fd12:3456:789a::1");
    const linkLocal = v4("169.254.10.20");
    expect(pickLanAddress({ a: [ula], b: [linkLocal], c: [v4("10.1.2.3")] })).toBe("10.1.2.3");
    expect(pickLanAddress({ a: [ula], b: [linkLocal] })).toBe("169.254.10.20");
    expect(pickLanAddress({ a: [ula], b: [v6("fc00::9")] })).toBe("fd12:3456:789a::1");
  });

  it("skips internal interfaces and accepts the numeric family of older Node versions", () => {
    expect(pickLanAddress({ lo: [v4("10.0.0.1", true)] })).toBeNull();
    expect(pickLanAddress({ eth0: [{ address: "192.168.5.5", family: 4, internal: false }] })).toBe(
      "192.168.5.5",
    );
    expect(pickLanAddress({ eth0: [{ address: "fd00::5", family: 6, internal: false }] })).toBe("fd00::5");
    expect(pickLanAddress({ eth0: undefined })).toBeNull();
  });
});

describe("plainHttpNote", () => {
  it("warns for a plain HTTP link on the network, not for loopback or HTTPS", () => {
    expect(plainHttpNote("http://192.168.1.20:8787/pair#c=abc")).toContain("Plain HTTP");
    expect(plainHttpNote("http://[fd00::5]:8787/s/s-x#t=tt_x")).toContain("network you trust");
    // Browsers run no service worker there: the app says so too (web/src/ui/app-notices.tsx).
    expect(plainHttpNote("http://192.168.1.20:8787/")).toContain(
      "Offline use and notifications need HTTPS or 127.0.0.1",
    );
    expect(plainHttpNote("http://127.0.0.1:8787/pair#c=abc")).toBe("");
    expect(plainHttpNote("https://tether.example.workers.dev/pair#c=abc")).toBe("");
  });
});
