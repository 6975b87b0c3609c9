/** Which permessage-deflate the embedded relay agrees to, per client offer and query parameter. */
import WebSocket from "ws";
import { BenchRelay } from "../support/bench-relay.ts";

console.log("starting");
const relay = await BenchRelay.start();
console.log("started", relay.wsUrl);
try {
  for (const [offer, query] of [
    [true, ""],
    [false, ""],
    [true, "?deflate=0"],
  ] as const) {
    const ws = new WebSocket(
      `${relay.wsUrl}/v1/rooms/m-benchmark01${query}`,
      ["tether.v1", `bearer.${relay.bridgeToken}`],
      {
        perMessageDeflate: offer,
      },
    );
    let ext = "";
    ws.once("upgrade", (res) => {
      ext = String(res.headers["sec-websocket-extensions"] ?? "(none)");
    });
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    console.log(JSON.stringify({ offer, query, agreed: ext, extensions: ws.extensions }));
    ws.close();
  }
} finally {
  await relay.stop();
}
