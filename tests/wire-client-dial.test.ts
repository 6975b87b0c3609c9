import { createServer, type Socket } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { WireClient } from "./support/wire-client.ts";

/**
 * A dial nobody answers (the TCP connection is accepted, the upgrade never is, as with a relay
 * that is still starting) must fail by its deadline: the chaos battery's storm and probe clients
 * count on it to keep their own deadlines.
 */
describe("WireClient dial", () => {
  const held = new Set<Socket>();
  const server = createServer((s) => {
    held.add(s);
    s.on("error", () => {});
  });

  afterAll(async () => {
    for (const s of held) s.destroy();
    await new Promise((r) => server.close(r));
  });

  it("rejects when the upgrade is never answered", async () => {
    const port = await new Promise<number>((resolve) => {
      server.listen(0, "127.0.0.1", () => {
        const a = server.address();
        resolve(typeof a === "object" && a ? a.port : 0);
      });
    });
    const t0 = performance.now();
    const dial = WireClient.open(`ws://127.0.0.1:${port}`, "s-dialtest", "token", {
      handshakeTimeoutMs: 300,
    });
    const outcome = await Promise.race([
      dial.then(
        () => "opened",
        (err: Error) => `rejected: ${err.message}`,
      ),
      new Promise<string>((r) => setTimeout(() => r("still waiting"), 5_000)),
    ]);
    expect(outcome).toMatch(/^rejected: /);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(held.size).toBe(1);
  });
});
