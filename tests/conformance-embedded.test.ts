import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedRelay } from "../bridge/embedded/embedded-relay.ts";
import { makeLogger } from "../bridge/log.ts";
import { relayConformance } from "./conformance/relay-conformance.ts";

relayConformance("embedded Miniflare relay (tether up)", async () => {
  const stateDir = mkdtempSync(join(tmpdir(), "tether-embedded-"));
  const lines: string[] = [];
  const started = await startEmbeddedRelay({
    stateDir,
    host: "127.0.0.1",
    port: 0,
    log: makeLogger(false, (l) => lines.push(l)),
  });
  if (!started.ok) throw new Error(started.message);
  const { relay } = started;
  return {
    url: relay.url,
    secret: relay.secret,
    stop: async () => {
      await relay.dispose();
      rmSync(stateDir, { recursive: true, force: true });
    },
    output: () => lines.join("\n"),
  };
});
