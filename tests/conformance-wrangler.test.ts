import { relayConformance } from "./conformance/relay-conformance.ts";
import { startRelay } from "./support/relay-process.ts";

relayConformance("wrangler dev", async () => {
  const relay = await startRelay();
  return { url: relay.url, secret: relay.secret, stop: () => relay.dispose(), output: () => relay.output() };
});
