import type { AddressInfo } from "node:net";
import { connect, createServer, type Server, type Socket } from "node:net";

/** A loopback TCP proxy that counts the bytes each way, to measure what goes over the wire. */
export class CountProxy {
  up = 0; // client → target
  down = 0; // target → client
  #server: Server;
  #sockets = new Set<Socket>();
  port = 0;

  readonly targetPort: number;
  constructor(targetPort: number) {
    this.targetPort = targetPort;
    this.#server = createServer((client) => {
      const target = connect(this.targetPort, "127.0.0.1");
      for (const s of [client, target]) {
        this.#sockets.add(s);
        s.on("close", () => this.#sockets.delete(s));
        s.on("error", () => s.destroy());
      }
      client.on("data", (d: Buffer) => {
        this.up += d.length;
        target.write(d);
      });
      target.on("data", (d: Buffer) => {
        this.down += d.length;
        client.write(d);
      });
      client.on("close", () => target.destroy());
      target.on("close", () => client.destroy());
    });
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.port = (this.#server.address() as AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
