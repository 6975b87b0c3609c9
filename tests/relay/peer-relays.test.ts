import { describe, expect, it } from "vitest";
import { CONTENT_SECURITY_POLICY } from "../../relay/http-guard.ts";
import { connectSources, peerRelays, withPeers } from "../../relay/peer-relays.ts";

// docs/protocol.md §3.6: the operator's list of peer relays, and what it widens in the CSP.

describe("peer relays", () => {
  it("reads origins only, once each, and leaves out anything else", () => {
    expect(peerRelays(undefined)).toEqual([]);
    expect(peerRelays("")).toEqual([]);
    expect(
      peerRelays(
        " https://b.example , http://127.0.0.1:9000,https://b.example/,https://c.example/path,ftp://x,javascript:alert(1),*",
      ),
    ).toEqual(["https://b.example", "http://127.0.0.1:9000"]);
  });

  it("widens connect-src to each peer and its WebSocket twin, and nothing else", () => {
    expect(connectSources(["https://b.example", "http://127.0.0.1:9000"])).toEqual([
      "https://b.example",
      "wss://b.example",
      "http://127.0.0.1:9000",
      "ws://127.0.0.1:9000",
    ]);
    const csp = withPeers(CONTENT_SECURITY_POLICY, ["https://b.example"]);
    expect(csp).toContain("connect-src 'self' https://b.example wss://b.example;");
    expect(csp.replace(" https://b.example wss://b.example", "")).toBe(CONTENT_SECURITY_POLICY);
    // Without peers the policy is the strict one, untouched.
    expect(withPeers(CONTENT_SECURITY_POLICY, [])).toBe(CONTENT_SECURITY_POLICY);
  });
});
