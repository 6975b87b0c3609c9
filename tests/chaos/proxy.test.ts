import { connect, createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ChaosProxy } from "./proxy.ts";

/** The chaos proxy against a loopback echo server: each fault does what it says, and only that. */
type Echo = { server: Server; port: number; reads: number[]; sockets: Socket[] };
const cleanup: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe("ChaosProxy", () => {
  it("forwards both ways unchanged when healthy", async () => {
    const { client } = await world();
    expect(await roundTrip(client, Buffer.from("hello proxy"))).toBe("hello proxy");
  });

  it("slices into 1-byte writes: the server reads byte by byte", async () => {
    const { proxy, client, echo } = await world();
    proxy.slice();
    const text = "x".repeat(200);
    expect(await roundTrip(client, Buffer.from(text))).toBe(text);
    // Loopback may still merge a few segments; most reads must be single bytes.
    expect(echo.reads.filter((n) => n === 1).length).toBeGreaterThan(100);
  });

  it("black-holes without FIN or RST, then lets the held bytes through when healed", async () => {
    const { proxy, client } = await world();
    proxy.blackhole();
    let got = "";
    let closed = false;
    client.on("data", (d: Buffer) => {
      got += d.toString();
    });
    client.on("close", () => {
      closed = true;
    });
    client.write("held");
    const stalledFor = 300;
    await new Promise((r) => setTimeout(r, stalledFor));
    expect({ got, closed }).toEqual({ got: "", closed: false });
    const healedAt = performance.now();
    proxy.heal();
    await until(() => got === "held");
    expect(performance.now() - healedAt).toBeLessThan(stalledFor);
  });

  it("adds latency (order kept) and throttles to the given rate", async () => {
    const { proxy, client } = await world();
    proxy.latency(150, 50);
    const t0 = performance.now();
    expect(await roundTrip(client, Buffer.from("a-b-c"))).toBe("a-b-c");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(300);
    proxy.heal();
    proxy.throttle(20_000, 0);
    const t1 = performance.now();
    const big = Buffer.alloc(10_000, 7);
    expect((await roundTrip(client, big)).length).toBe(10_000);
    // 10 kB at 20 kB/s is half a second; the echo overlaps with it.
    expect(performance.now() - t1).toBeGreaterThanOrEqual(450);
  });

  it("cut resets both sides at once", async () => {
    const { proxy, client, echo } = await world();
    await roundTrip(client, Buffer.from("up"));
    const clientClosed = new Promise<boolean>((resolve) =>
      client.on("close", (hadError) => resolve(hadError)),
    );
    const serverSide = echo.sockets[0];
    if (!serverSide) throw new Error("no server socket");
    const serverClosed = new Promise<void>((resolve) => serverSide.on("close", () => resolve()));
    client.on("error", () => {});
    serverSide.on("error", () => {});
    expect(proxy.cut()).toBe(1);
    expect(await clientClosed).toBe(true);
    await serverClosed;
  });
});

async function world(): Promise<{ proxy: ChaosProxy; client: Socket; echo: Echo }> {
  const echo = await echoServer();
  const proxy = await ChaosProxy.start("test", echo.port);
  const client = connect({ port: proxy.port, host: "127.0.0.1" });
  await new Promise<void>((resolve, reject) => {
    client.once("connect", resolve);
    client.once("error", reject);
  });
  cleanup.push(
    () => new Promise<void>((r) => echo.server.close(() => r())),
    () => {
      for (const s of echo.sockets) s.destroy();
    },
    () => proxy.close(),
    () => void client.destroy(),
  );
  return { proxy, client, echo };
}

async function echoServer(): Promise<Echo> {
  const reads: number[] = [];
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    s.on("data", (d: Buffer) => {
      reads.push(d.length);
      s.write(d);
    });
    s.on("error", () => {});
  });
  const port = await new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const a = server.address();
      resolve(typeof a === "object" && a ? a.port : 0);
    }),
  );
  return { server, port, reads, sockets };
}

function roundTrip(client: Socket, data: Buffer): Promise<string> {
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length < data.length) return;
      client.off("data", onData);
      resolve(got.toString());
    };
    client.on("data", onData);
    client.write(data);
  });
}

async function until(pred: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error("condition not met in 5 s");
    await new Promise((r) => setTimeout(r, 10));
  }
}
