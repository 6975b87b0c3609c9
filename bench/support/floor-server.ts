import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RELAY_CONFIG } from "../../bridge/embedded/relay-config.ts";
import { workerdChildren } from "./proc-stat.ts";
import { ROOT } from "./server-process.ts";

const SCRIPT = join(ROOT, "bench", "support", "floor-worker.js");

/**
 * The durable floor (support/floor-worker.js) in workerd through Miniflare, as Tether's relay
 * runs: same Miniflare and workerd, same compatibility date, SQLite-backed Durable Objects
 * persisted under a temp dir. Its own workerd process, so its CPU can be read apart from Tether's.
 */
export class FloorServer {
  readonly stateDir: string;
  readonly url: string;
  /** The workerd process that runs it (for /proc CPU figures). */
  readonly pid: number;
  #mf: { dispose(): Promise<void> } | null;

  static async start(): Promise<FloorServer> {
    const mf = await import("miniflare");
    const stateDir = mkdtempSync(join(tmpdir(), "tether-bench-floor-"));
    const before = new Set(workerdChildren());
    const instance = new mf.Miniflare(
      mf.convertV4MiniflareOptions({
        host: "127.0.0.1",
        port: 0,
        cf: false,
        logRequests: false,
        resourcePersistencePath: join(stateDir, "data"),
        name: "tether-bench-floor",
        modules: true,
        modulesRoot: join(ROOT, "bench", "support"),
        script: readFileSync(SCRIPT, "utf8"),
        scriptPath: SCRIPT,
        compatibilityDate: RELAY_CONFIG.compatibilityDate,
        durableObjects: { ROOM: { className: "FloorRoom", useSQLite: true } },
      }),
    );
    const url = (await instance.ready).toString().replace(/\/$/, "");
    const pid = workerdChildren().find((p) => !before.has(p));
    if (pid === undefined) throw new Error("floor: no new workerd child process found");
    return new FloorServer(stateDir, url, pid, instance);
  }

  private constructor(stateDir: string, url: string, pid: number, mf: { dispose(): Promise<void> }) {
    this.stateDir = stateDir;
    this.url = url;
    this.pid = pid;
    this.#mf = mf;
  }

  get wsUrl(): string {
    return this.url.replace(/^http/, "ws");
  }

  /** Where its Durable Object's SQLite files are. */
  get doDir(): string {
    return join(this.stateDir, "data", "do");
  }

  /** Stops workerd and keeps the state dir (to read the SQLite files at rest). */
  async stop(): Promise<void> {
    const mf = this.#mf;
    this.#mf = null;
    if (mf) await mf.dispose();
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}
