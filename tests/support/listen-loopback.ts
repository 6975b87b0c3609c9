import type { Server } from "node:net";

/** Listens on a free loopback port; resolves with that port, or rejects with the listen error. */
export async function listenLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  return typeof address === "object" && address ? address.port : 0;
}
