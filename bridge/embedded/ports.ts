import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../config.ts";
import { pickLanAddress } from "./lan-address.ts";

export const DEFAULT_PORT = 8787;

export type PortChoice =
  | { ok: true; port: number; wanted: number; fellBack: boolean }
  | { ok: false; message: string };

const Remembered = z.object({ port: z.number().int().min(1).max(65535) });

/**
 * An explicit port is taken as is (busy → an error). Otherwise the last start's port, so that a
 * phone's saved link keeps working, then 8787, then whatever port the system hands out.
 */
export async function choosePort(
  relayDir: string,
  host: string,
  explicit: number | null,
): Promise<PortChoice> {
  if (explicit !== null) {
    if (explicit === 0) return { ok: true, port: await freePort(host), wanted: 0, fellBack: false };
    if (await canListen(host, explicit))
      return { ok: true, port: explicit, wanted: explicit, fellBack: false };
    return { ok: false, message: `port ${explicit} on ${host} is in use` };
  }
  const wanted = rememberedPort(relayDir) ?? DEFAULT_PORT;
  if (await canListen(host, wanted)) return { ok: true, port: wanted, wanted, fellBack: false };
  if (wanted !== DEFAULT_PORT && (await canListen(host, DEFAULT_PORT)))
    return { ok: true, port: DEFAULT_PORT, wanted, fellBack: true };
  return { ok: true, port: await freePort(host), wanted, fellBack: true };
}

export function rememberPort(relayDir: string, port: number): void {
  writeFileAtomic(join(relayDir, "relay.json"), `${JSON.stringify({ port })}\n`);
}

function rememberedPort(relayDir: string): number | null {
  let text: string;
  try {
    text = readFileSync(join(relayDir, "relay.json"), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  const parsed = Remembered.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data.port : null;
}

function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EADDRINUSE" || err.code === "EACCES") resolve(false);
      else reject(err);
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The private address a phone on the same network can reach (never a public one); null when none. */
export function lanAddress(): string | null {
  return pickLanAddress(networkInterfaces());
}
