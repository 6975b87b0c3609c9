// The durable floor: the least a Durable Object can do and still keep every message. Each message
// is one SQLite row, then it is acked to its sender and broadcast to the room's other sockets: no
// schemas, no auth, no flow control, no partyserver. Plain JS so that workerd runs it as it is.
import { DurableObject } from "cloudflare:workers";

const PAGE = 100;

export class FloorRoom extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)",
    );
  }

  async fetch() {
    const [client, server] = Object.values(new WebSocketPair());
    // Hibernatable, as Tether's Room: the socket outlives an evicted instance.
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }

  /**
   * `{"since":N}` asks for every row after N, in frames of 100. A JSON array is a batch (as a
   * Tether send frame carries up to 100): its rows go in one event, so in one commit. Anything
   * else is one message.
   */
  webSocketMessage(ws, text) {
    if (typeof text !== "string") return;
    if (text.startsWith('{"since":')) return this.replay(ws, JSON.parse(text).since);
    const bodies = text.startsWith("[") ? JSON.parse(text).map((m) => JSON.stringify(m)) : [text];
    const items = bodies.map((body) => {
      const seq = this.ctx.storage.sql
        .exec("INSERT INTO log (body) VALUES (?) RETURNING seq", body)
        .one().seq;
      return `{"seq":${seq},"m":${body}}`;
    });
    // The output gate holds these sends until the rows are durable, as it does for Tether's acks.
    ws.send(`{"ack":${bodies.length}}`);
    const frame = `[${items.join(",")}]`;
    for (const other of this.ctx.getWebSockets()) if (other !== ws) other.send(frame);
  }

  replay(ws, since) {
    let page = [];
    for (const row of this.ctx.storage.sql.exec(
      "SELECT seq, body FROM log WHERE seq > ? ORDER BY seq",
      since,
    )) {
      page.push(`{"seq":${row.seq},"m":${row.body}}`);
      if (page.length === PAGE) {
        ws.send(`[${page.join(",")}]`);
        page = [];
      }
    }
    if (page.length > 0) ws.send(`[${page.join(",")}]`);
    ws.send('{"caughtUp":true}');
  }

  webSocketClose(ws, code) {
    ws.close(code === 1005 ? 1000 : code, "bye");
  }
}

export default {
  fetch(request, env) {
    const room = new URL(request.url).pathname.split("/")[2];
    if (!room || request.headers.get("upgrade") !== "websocket") return new Response("no", { status: 404 });
    return env.ROOM.get(env.ROOM.idFromName(room)).fetch(request);
  },
};
