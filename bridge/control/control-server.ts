import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import type { BridgeStatus } from "../bridge-types.ts";
import { writeFileAtomic } from "../config.ts";
import { type HookAnswer, HookInput } from "../hooks/hook-input.ts";
import type { Logger } from "../log.ts";
import {
  type ControlFile,
  type CountersRes,
  RevokeGrantReq,
  ShareReq,
  type StatusRes,
} from "./control-api.ts";
import { type Bearer, relayApi } from "./relay-api.ts";

export type ControlServerOptions = {
  stateDir: string;
  bridge: {
    status(): BridgeStatus;
    counters(): Promise<CountersRes>;
    revokeGrant(room: string, rule: string): boolean;
    addShare(shareId: string, room: string, secret: Buffer): void;
    reconcileKeys(): Promise<string[]>;
    /** A Claude Code hook event (`tether hook`); null when its cwd is outside the bridge's roots. */
    hookEvent(input: HookInput): Promise<HookAnswer | null>;
  };
  relay: Bearer;
  machineId: string;
  name: string;
  embedded: boolean;
  log: Logger;
};

export type ControlServer = { port: number; close(): Promise<void> };

/**
 * The running bridge's local API on 127.0.0.1 at a random port. The port and a per-start secret
 * go to `<stateDir>/control.json` (0600): whoever can read the state dir may steer the bridge.
 */
export async function startControlServer(o: ControlServerOptions): Promise<ControlServer> {
  const secret = randomBytes(32).toString("base64url");
  const startedAt = Date.now();
  const app = controlApp(o, secret, startedAt);
  const { server, port } = await new Promise<{ server: Server; port: number }>((resolve, reject) => {
    const s = serve(
      { fetch: app.fetch, hostname: "127.0.0.1", port: 0, overrideGlobalObjects: false },
      (info: AddressInfo) => resolve({ server: s as Server, port: info.port }),
    );
    s.once("error", reject);
  });
  const file = join(o.stateDir, "control.json");
  const content: ControlFile = { pid: process.pid, port, secret, startedAt };
  writeFileAtomic(file, `${JSON.stringify(content)}\n`);
  return {
    port,
    close: async () => {
      removeIfOurs(file, secret);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}

function controlApp(o: ControlServerOptions, secret: string, startedAt: number): Hono {
  const app = new Hono();
  app.use(async (c, next) => {
    const given = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1] ?? "";
    if (!sameSecret(given, secret)) return fail(c, 401, "unauthorized", "missing or wrong control secret");
    await next();
  });
  app.get("/v1/status", async (c) => {
    const counters = await o.bridge.counters();
    const s = o.bridge.status();
    const body: StatusRes = {
      pid: process.pid,
      startedAt,
      machineId: o.machineId,
      name: o.name,
      relayUrl: o.relay.relayUrl,
      embedded: o.embedded,
      relay: s.relay,
      rooms: s.rooms,
      sessions: s.sessions,
      memory: s.memory,
      cap: s.cap,
      pushes: s.pushes,
      counters,
    };
    return c.json(body);
  });
  app.get("/v1/counters", async (c) => c.json(await o.bridge.counters()));
  app.get("/v1/sessions", (c) => c.json({ sessions: o.bridge.status().sessions }));
  app.post("/v1/grants/revoke", async (c) => {
    const req = RevokeGrantReq.safeParse(await c.req.json().catch(() => null));
    if (!req.success) return fail(c, 400, "bad_request", "expected {room, rule}");
    if (!o.bridge.revokeGrant(req.data.room, req.data.rule))
      return fail(c, 404, "not_found", "no such grant in that session (see tether status)");
    return c.json({ revoked: true });
  });
  app.post("/v1/shares", async (c) => {
    const req = ShareReq.safeParse(await c.req.json().catch(() => null));
    if (!req.success) return fail(c, 400, "bad_request", z.prettifyError(req.error));
    const known = o.bridge.status().sessions.find((s) => s.room === req.data.room);
    if (!known)
      return fail(
        c,
        404,
        "not_found",
        `no session room ${req.data.room} on this machine (see tether sessions)`,
      );
    const share = await relayApi.createShare(o.relay, req.data);
    if (share.ok) {
      // The link's own secret gets the room's keys (docs/protocol.md §12.5); only the link carries it.
      const secret = randomBytes(32);
      o.bridge.addShare(share.value.id, req.data.room, secret);
      const url = `${share.value.url}&k=${secret.toString("base64url")}&i=${share.value.id}`;
      return c.json({ ...share.value, url }, 201);
    }
    const status = share.status >= 400 && share.status < 600 ? share.status : 502;
    return fail(c, status as ContentfulStatusCode, share.code, share.message);
  });
  app.post("/v1/hooks", async (c) => {
    const input = HookInput.safeParse(await c.req.json().catch(() => null));
    if (!input.success) return fail(c, 400, "bad_request", "expected a Claude Code hook event");
    const answer = await o.bridge.hookEvent(input.data);
    if (!answer)
      return fail(c, 403, "outside_roots", "the session's directory is outside the bridge's roots");
    return c.json(answer);
  });
  app.post("/v1/keys/reconcile", async (c) => c.json({ removed: await o.bridge.reconcileKeys() }));
  app.notFound((c) => fail(c, 404, "not_found", `no route for ${c.req.method} ${c.req.path}`));
  app.onError((err, c) => {
    o.log.error("control API: unhandled error", { path: c.req.path, error: err.stack ?? err.message });
    return fail(c, 500, "internal", err.message);
  });
  return app;
}

function fail(c: Context, status: ContentfulStatusCode, code: string, message: string): Response {
  return c.json({ error: { code, message } }, status);
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A newer bridge on the same state dir may have replaced the file; leave its file alone. */
function removeIfOurs(file: string, secret: string): void {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  if (text.includes(secret)) rmSync(file, { force: true });
}
