import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CreatePairingRes, MeRes, PairRes, TokenList } from "../../shared/protocol/index.ts";
import { call, directory, expectError, newMachine, ORIGIN, SECRET } from "./api-test-kit.ts";

/** /api/pairings and /api/pair (docs/protocol.md §3.2, §3.4). Each test uses its own client address for the rate limit. */

function from(address: string) {
  return { "CF-Connecting-IP": address };
}

async function createPairing(
  bridgeToken: string,
  address: string,
  label?: string,
): Promise<CreatePairingRes> {
  const body = label === undefined ? undefined : { label };
  const res = await call("POST", "/api/pairings", { bearer: bridgeToken, body, headers: from(address) });
  expect(res.status).toBe(201);
  return CreatePairingRes.parse(await res.json());
}

function pair(code: string, address: string, label?: string): Promise<Response> {
  return call("POST", "/api/pair", {
    body: label === undefined ? { code } : { code, label },
    headers: from(address),
  });
}

describe("POST /api/pairings", () => {
  it("issues a one-time code with a link on the public origin, valid for 10 minutes", async () => {
    const { bridge } = await newMachine();
    const before = Date.now();
    const pairing = await createPairing(bridge.token, "10.0.1.1");
    expect(pairing.code).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(pairing.url).toBe(`${ORIGIN}/pair#c=${pairing.code}`);
    expect(pairing.expiresAt).toBeGreaterThanOrEqual(before + 600_000);
    expect(pairing.expiresAt).toBeLessThanOrEqual(Date.now() + 600_000);
  });

  it("is refused to devices and the relay secret (403) and to no bearer (401)", async () => {
    const { device } = await newMachine();
    const headers = from("10.0.1.2");
    await expectError(
      await call("POST", "/api/pairings", { bearer: device.token, headers }),
      403,
      "forbidden",
    );
    await expectError(await call("POST", "/api/pairings", { bearer: SECRET, headers }), 403, "forbidden");
    await expectError(await call("POST", "/api/pairings", { headers }), 401, "unauthorized");
  });

  it("rejects a bad body with 400", async () => {
    const { bridge } = await newMachine();
    const opts = { bearer: bridge.token, headers: from("10.0.1.3") };
    await expectError(
      await call("POST", "/api/pairings", { ...opts, body: { label: "x".repeat(201) } }),
      400,
      "bad_request",
    );
    await expectError(await call("POST", "/api/pairings", { ...opts, rawBody: "[" }), 400, "bad_request");
  });
});

describe("POST /api/pair", () => {
  it("trades a code for a device token of the machine, once", async () => {
    const { machineId, bridge } = await newMachine();
    const pairing = await createPairing(bridge.token, "10.0.2.1", "from the bridge");
    const res = await pair(pairing.code, "10.0.2.1", "Pixel");
    expect(res.status).toBe(201);
    const paired = PairRes.parse(await res.json());
    expect(paired.machineId).toBe(machineId);
    const me = MeRes.parse(await (await call("GET", "/api/me", { bearer: paired.token })).json());
    expect(me).toMatchObject({ kind: "device", role: "controller", machineId, expiresAt: null });
    const { tokens } = TokenList.parse(
      await (await call("GET", "/api/tokens", { bearer: bridge.token })).json(),
    );
    // The workstation's label names the device; the phone's own is the fallback (next test).
    expect(tokens.find((t) => t.id === me.id)?.label).toBe("from the bridge");

    const again = await expectError(await pair(pairing.code, "10.0.2.1"), 400, "bad_code");
    const unknown = await expectError(await pair("not-a-real-code", "10.0.2.1"), 400, "bad_code");
    expect(again).toBe(unknown);
  });

  it("uses the device's own label when the pairing has none, and none when neither gave one", async () => {
    const { bridge } = await newMachine();
    const labelOf = async (pairingLabel: string | undefined, deviceLabel: string | undefined) => {
      const pairing = await createPairing(bridge.token, "10.0.2.2", pairingLabel);
      const paired = PairRes.parse(await (await pair(pairing.code, "10.0.2.2", deviceLabel)).json());
      const me = MeRes.parse(await (await call("GET", "/api/me", { bearer: paired.token })).json());
      const { tokens } = TokenList.parse(
        await (await call("GET", "/api/tokens", { bearer: bridge.token })).json(),
      );
      return tokens.find((t) => t.id === me.id)?.label;
    };
    expect(await labelOf(undefined, "Chrome on Android")).toBe("Chrome on Android");
    expect(await labelOf("kitchen tablet", undefined)).toBe("kitchen tablet");
    expect(await labelOf(undefined, undefined)).toBeNull();
  });

  it("refuses an expired code with the same answer as an unknown one", async () => {
    const { machineId, bridge } = await newMachine();
    const pairing = await createPairing(bridge.token, "10.0.2.3");
    await runInDurableObject(directory(), (_instance, state) => {
      state.storage.sql.exec(
        "UPDATE pairings SET expires_at = ? WHERE machine_id = ?",
        Date.now() - 1,
        machineId,
      );
    });
    const expired = await expectError(await pair(pairing.code, "10.0.2.3"), 400, "bad_code");
    expect(expired).toBe(await expectError(await pair("unknown-code-123", "10.0.2.3"), 400, "bad_code"));
  });

  it("rejects a missing code and malformed JSON with 400 bad_request", async () => {
    const headers = from("10.0.2.4");
    await expectError(await call("POST", "/api/pair", { body: {}, headers }), 400, "bad_request");
    await expectError(await call("POST", "/api/pair", { rawBody: "code=1", headers }), 400, "bad_request");
  });
});

describe("rate limit of /api/pair and /api/pairings", () => {
  it("answers the 11th request in a minute from one address with 429 and Retry-After", async () => {
    for (let i = 0; i < 10; i++) await expectError(await pair(`guess-${i}`, "10.0.3.1"), 400, "bad_code");
    const limited = await pair("guess-10", "10.0.3.1");
    expect(limited.headers.get("Retry-After")).toMatch(/^\d+$/);
    const retryAfter = Number(limited.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    await expectError(limited, 429, "rate_limited");
    await expectError(await pair("guess-11", "10.0.3.2"), 400, "bad_code");
  });

  it("limits /api/pairings per token, after authentication", async () => {
    const { bridge } = await newMachine();
    for (let i = 0; i < 10; i++) await createPairing(bridge.token, "10.0.3.3");
    const limited = await call("POST", "/api/pairings", { bearer: bridge.token, headers: from("10.0.3.3") });
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    await expectError(limited, 429, "rate_limited");
  });
});

describe("the /api/pairings limit belongs to the token (issue 10, defect 4)", () => {
  it("unauthenticated requests claiming the owner's address never use the owner's budget", async () => {
    const { bridge } = await newMachine();
    for (let i = 0; i < 12; i++) {
      const anonymous = await call("POST", "/api/pairings", { headers: from("127.0.0.1") });
      await expectError(anonymous, 401, "unauthorized");
      const forged = await call("POST", "/api/pairings", {
        bearer: `forged-${i}`,
        headers: from("127.0.0.1"),
      });
      await expectError(forged, 401, "unauthorized");
    }
    await createPairing(bridge.token, "127.0.0.1");
  });

  it("one token gets 10 a minute whatever address it claims; another machine is not affected", async () => {
    const { bridge } = await newMachine();
    for (let i = 0; i < 10; i++) await createPairing(bridge.token, `10.0.4.${i}`);
    const limited = await call("POST", "/api/pairings", { bearer: bridge.token, headers: from("10.0.4.99") });
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    await expectError(limited, 429, "rate_limited");
    const other = await newMachine();
    await createPairing(other.bridge.token, "10.0.4.1");
  });
});
