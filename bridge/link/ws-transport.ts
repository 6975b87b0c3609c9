import WS from "ws";
import type { Clock, Transport } from "../../shared/core/client/sync-driver.ts";

/**
 * permessage-deflate with small zlib contexts. The bridge holds one socket per registered session
 * (50 and more), and `ws` keeps each socket's contexts for the socket's life: at zlib's defaults
 * (32 KiB windows, memLevel 8) that is ~290 KiB of RSS per socket, ~160 KiB with these. A 2 KiB
 * window still spans the last few coalesced `agent.delta` frames, which is what makes a streamed
 * token cost ~3 bytes on the wire (PERF-BRIDGE.md).
 */
export const DEFLATE: WS.PerMessageDeflateOptions = {
  zlibDeflateOptions: { memLevel: 4 },
  clientMaxWindowBits: 11,
  serverMaxWindowBits: 11,
};

/** The sync driver's transport over Node's `ws`: one socket per dial, events passed on as they come. */
export function wsTransport(url: string, protocols: string[]): Transport {
  return {
    open(on) {
      const ws = new WS(url, protocols, { perMessageDeflate: DEFLATE });
      ws.on("open", () => on.open());
      // binaryType is "nodebuffer", so a text frame arrives as one Buffer.
      ws.on("message", (data, isBinary) => on.message(isBinary ? null : data.toString()));
      ws.on("close", (code, reason) => on.close(code, reason.toString()));
      // Without a listener `ws` throws a failed dial as an uncaught error; its close follows anyway.
      ws.on("error", (err) => on.error(err.message));
      return {
        send: (text) => {
          if (ws.readyState === WS.OPEN) ws.send(text);
        },
        close: (code, reason) => {
          if (ws.readyState === WS.OPEN || ws.readyState === WS.CONNECTING) ws.close(code, reason);
        },
      };
    },
  };
}

export const nodeClock: Clock = {
  now: () => performance.now(),
  after: (ms, fn) => {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};
