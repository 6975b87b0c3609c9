// The floor of one WebSocket hop: a bare `ws` server that forwards every message to the other
// sockets of its room (the path, e.g. /room-1). No parsing, storage, auth or acks. Run as a child
// of bench/all.ts; prints {"port":N} once it listens.
import type { AddressInfo } from "node:net";
import { type RawData, WebSocket, WebSocketServer } from "ws";

const rooms = new Map<string, Set<WebSocket>>();
const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });

server.on("connection", (ws, req) => {
  const room = new URL(req.url ?? "/", "http://localhost").pathname;
  const peers = rooms.get(room) ?? new Set<WebSocket>();
  rooms.set(room, peers);
  peers.add(ws);
  ws.on("message", (data: RawData, isBinary: boolean) => {
    for (const peer of peers) {
      if (peer !== ws && peer.readyState === WebSocket.OPEN) peer.send(data, { binary: isBinary });
    }
  });
  ws.on("close", () => {
    peers.delete(ws);
    if (peers.size === 0) rooms.delete(room);
  });
});

server.on("listening", () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});

process.once("SIGTERM", () => server.close(() => process.exit(0)));
