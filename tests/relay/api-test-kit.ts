import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import type { Caller, MintedToken } from "../../relay/directory.ts";

/** Helpers shared by the relay's API and Directory tests (storage is shared within a test file). */

export const SECRET = "test-relay-secret-0123456789";
export const ORIGIN = "https://relay.test";
export const secret: Caller = { kind: "secret" };

export function directory() {
  return env.DIRECTORY.getByName("directory");
}

export function bearer(value: string): Caller {
  return { kind: "token", value };
}

/** A fresh machine id, so tests in one file never share state. */
export function newMachineId(): string {
  return `m${randomId(9)}`;
}

export function newSessionRoom(): string {
  return `s-${randomId(16)}`;
}

export type Call = { bearer?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> };

export function call(method: string, path: string, opts: Call = {}): Promise<Response> {
  const headers = new Headers(opts.headers);
  if (opts.bearer !== undefined) headers.set("Authorization", `Bearer ${opts.bearer}`);
  let body: string | undefined = opts.rawBody;
  if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers.set("Content-Type", "application/json");
  return exports.default.fetch(`${ORIGIN}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
}

/** Asserts an error answer of docs/protocol.md §3.1 and returns its message. */
export async function expectError(res: Response, status: number, code: string): Promise<string> {
  const body: { error: { code: string; message: string } } = await res.json();
  expect({ status: res.status, code: body.error.code }).toEqual({ status, code });
  expect(body.error.message).toBeTypeOf("string");
  return body.error.message;
}

export async function mint(
  kind: "bridge" | "device",
  machineId: string,
  extra: { label?: string; ttlSeconds?: number } = {},
): Promise<MintedToken> {
  const res = await call("POST", "/api/tokens", { bearer: SECRET, body: { kind, machineId, ...extra } });
  expect(res.status).toBe(201);
  return res.json();
}

/** A bridge and device token of a new machine, with its machine room opened by the bridge. */
export async function newMachine(): Promise<{ machineId: string; bridge: MintedToken; device: MintedToken }> {
  const machineId = newMachineId();
  const bridge = await mint("bridge", machineId);
  const device = await mint("device", machineId);
  expect((await directory().authorizeRoom(bridge.token, `m-${machineId}`, Date.now())).ok).toBe(true);
  return { machineId, bridge, device };
}

/** A session room claimed by `bridgeToken`. */
export async function claimedRoom(bridgeToken: string): Promise<string> {
  const room = newSessionRoom();
  expect((await directory().authorizeRoom(bridgeToken, room, Date.now())).ok).toBe(true);
  return room;
}

export async function share(bridgeToken: string, room: string, role: "viewer" | "controller" = "viewer") {
  const res = await call("POST", "/api/shares", { bearer: bridgeToken, body: { room, role } });
  expect(res.status).toBe(201);
  const body: MintedToken & { url: string } = await res.json();
  return body;
}

/** Opens a room through the Worker and resolves with the close code the server sends first. */
export async function openAndClose(room: string, token: string): Promise<number> {
  return (await openSocket(room, token)).closed;
}

/** Opens a room through the Worker; `closed` resolves with the server's close code (rejects after 5 s). */
export async function openSocket(
  room: string,
  token: string,
): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  const res = await exports.default.fetch(`${ORIGIN}/v1/rooms/${room}`, {
    headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": `tether.v1, bearer.${token}` },
  });
  expect(res.status).toBe(101);
  expect(res.headers.get("Sec-WebSocket-Protocol")).toBe("tether.v1");
  const ws = res.webSocket;
  if (ws === null) throw new Error("101 without a webSocket");
  const closed = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no close within 5 s on ${room}`)), 5000);
    ws.addEventListener("close", (e: CloseEvent) => {
      clearTimeout(timer);
      resolve(e.code);
    });
  });
  ws.accept();
  return { ws, closed };
}

function randomId(length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return [...bytes].map((b) => alphabet[b % 64]).join("");
}
