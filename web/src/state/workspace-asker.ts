import type { TolerantMachineWorkspace, WorkspaceRequest } from "../../../shared/protocol/workspace.ts";
import type { SendResult } from "../net/conn-state.ts";
import { readBody } from "./bodies.ts";
import type { RoomModel } from "./room-model.ts";

/** What the asker needs of the machine room: to queue a request, hear answers, know it is live. */
export type WorkspacePort = {
  send(body: WorkspaceRequest): Promise<SendResult>;
  /** Bodies of the bridge's `machine.workspace` signals. */
  onAnswer(listener: (body: unknown) => void): () => void;
  /** Called each time the room's socket becomes live again. */
  onLive(listener: () => void): () => void;
};

export type Asked = { ok: true; answer: TolerantMachineWorkspace } | { ok: false; message: string };

type Waiting = { req: WorkspaceRequest; resolve: (a: Asked) => void };

/**
 * Workspace requests and their answers (docs/protocol.md §9.3.1). Answers are signals: one sent
 * while this socket was down or catching up is lost for good, so when the socket is live again
 * every request still waiting is asked again under a new mid (a late answer to the old mid is
 * then ignored, as is any answer to another phone's request).
 */
export class WorkspaceAsker {
  readonly #port: WorkspacePort;
  readonly #waiting = new Map<string, Waiting>();
  readonly #off: (() => void)[];

  constructor(port: WorkspacePort) {
    this.#port = port;
    this.#off = [port.onAnswer((b) => this.#answer(b)), port.onLive(() => this.#again())];
  }

  ask(req: WorkspaceRequest): Promise<Asked> {
    return new Promise((resolve) => void this.#send({ req, resolve }));
  }

  /** Stops listening; requests still waiting are never resolved (their page is gone). */
  close(): void {
    for (const off of this.#off) off();
    this.#waiting.clear();
  }

  async #send(w: Waiting): Promise<void> {
    const r = await this.#port.send(w.req);
    if (!r.ok) return w.resolve({ ok: false, message: r.message });
    this.#waiting.set(r.mid, w);
  }

  #answer(body: unknown): void {
    const answer = readBody("machine.workspace", body);
    const w = answer ? this.#waiting.get(answer.requestMid) : undefined;
    if (!answer || !w) return;
    this.#waiting.delete(answer.requestMid);
    w.resolve({ ok: true, answer });
  }

  #again(): void {
    const waiting = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const w of waiting) void this.#send(w);
  }
}

/** The machine room's model as the asker's port. */
export function workspacePort(model: RoomModel): WorkspacePort {
  return {
    send: (body) => model.send("machine.workspace_request", body),
    onAnswer: (listener) =>
      model.onBridgeSignal((kind, body) => {
        if (kind === "machine.workspace") listener(body);
      }),
    onLive: (listener) => {
      let live = model.conn.value.kind === "live";
      return model.conn.subscribe((c) => {
        if (c.kind === "live" && !live) listener();
        live = c.kind === "live";
      });
    },
  };
}
