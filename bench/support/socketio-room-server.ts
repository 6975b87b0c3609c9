// What users would pick instead: Socket.IO 4.8 with connection-state recovery (default options:
// a 2-minute maxDisconnectionDuration, in-memory adapter). A client joins the room named in its
// `auth`; event "m" is broadcast to the rest of the room (so the adapter stores it for recovery);
// "sockets" answers how many sockets the room has. Args: [port] (0 or absent = any free port).
// Prints {"port":N} once it listens.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";

const http = createServer();
const io = new Server(http, { serveClient: false, connectionStateRecovery: {} });

io.on("connection", (socket) => {
  const room = String((socket.handshake.auth as { room?: unknown }).room ?? "");
  // A recovered socket is back in its rooms already; its missed packets went out before this.
  if (!socket.recovered) void socket.join(room);
  socket.on("m", (msg: unknown) => {
    socket.to(room).emit("m", msg);
  });
  socket.on("sockets", (reply: (n: number) => void) => {
    reply(io.sockets.adapter.rooms.get(room)?.size ?? 0);
  });
});

http.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: (http.address() as AddressInfo).port })}\n`);
});

process.once("SIGTERM", () => {
  io.close();
  process.exit(0);
});
