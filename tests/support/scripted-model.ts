import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { DIRECTIVES } from "./model-scripts/index.ts";
import { afterTool, ownText, turnOf } from "./model-scripts/turn.ts";
import type { Block, MessagesRequest, Reply } from "./model-scripts/types.ts";

export type { Block, MessagesRequest, Reply } from "./model-scripts/types.ts";

/**
 * The one fake in the test suite: an Anthropic Messages API on loopback that the real Claude Code
 * CLI talks to. Replies are scripted by a `[[name key=value …]]` directive in the user's prompt;
 * the directives live in model-scripts/ (basic.ts: write, bash, slow, ask; one file per topic) and
 * see the tool results of their turn, so one can script several steps. Anything else is answered
 * "Echo: <prompt>". Every request is recorded for assertions.
 */
export type RecordedRequest = { path: string; body: MessagesRequest; at: number };

export class ScriptedModel {
  requests: RecordedRequest[] = [];
  /**
   * A test's own HTTP answer to a request (status, headers, error body), instead of the script's;
   * it returns false to let the script answer. Recorded requests include those it answered.
   */
  respond: ((req: RecordedRequest, res: ServerResponse) => boolean) | null = null;
  #server: Server;
  #ids = 0;
  #gates = new Map<string, Gate>();
  url = "";

  constructor() {
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /**
   * A stream scripted with `gate=NAME` holds after its first chunk until this is called (a gate
   * opened before the stream reaches it lets it through): a turn that lasts exactly as long as a
   * test needs, instead of a guess in seconds.
   */
  open(name: string): void {
    this.#gate(name).open();
  }

  /** Resolves once a stream is held at gate `name` (the turn is surely under way). */
  reached(name: string): Promise<void> {
    return this.#gate(name).reached;
  }

  #gate(name: string): Gate {
    let gate = this.#gates.get(name);
    if (!gate) {
      gate = new Gate();
      this.#gates.set(name, gate);
    }
    return gate;
  }

  /** Conversation requests only (the CLI also makes small side requests, e.g. for titles). */
  turns(): RecordedRequest[] {
    return this.requests.filter((r) => r.body.stream === true);
  }

  /** Every user text the model was shown in a request, in order. */
  static userTexts(body: MessagesRequest): string[] {
    return body.messages
      .filter((m) => m.role === "user")
      .flatMap((m) => (typeof m.content === "string" ? [m.content] : m.content.map((p) => p.text ?? "")))
      .filter((t) => t.length > 0);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const raw = await readAll(req);
    if (req.method !== "POST" || url.pathname !== "/v1/messages") {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ type: "error", error: { type: "not_found_error", message: url.pathname } }));
      return;
    }
    const body = JSON.parse(raw) as MessagesRequest;
    const recorded = { path: url.pathname, body, at: Date.now() };
    this.requests.push(recorded);
    if (this.respond?.(recorded, res)) return;
    const reply = this.script(body);
    if (body.stream) await this.#stream(res, reply, body.model ?? "claude-scripted");
    else this.#json(res, reply, body.model ?? "claude-scripted");
  }

  /** Decides the reply from the conversation so far. */
  script(body: MessagesRequest): Reply {
    const { parts, results } = turnOf(body);
    const prompt = parts.map((p) => p.text ?? "").join("\n");
    const directive = /\[\[(\w+)([^\]]*)\]\]/.exec(prompt);
    const run = directive ? DIRECTIVES.get(directive[1] ?? "") : undefined;
    if (!run) {
      if (results.length > 0) return afterTool(results);
      return { blocks: [{ type: "text", text: `Echo: ${ownText(parts).slice(0, 200)}` }], stop: "end_turn" };
    }
    const args = Object.fromEntries(
      [...(directive?.[2] ?? "").matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]]),
    ) as Record<string, string>;
    return run({ args, results, body, nextId: () => `toolu_scripted_${++this.#ids}` });
  }

  async #stream(res: ServerResponse, reply: Reply, model: string): Promise<void> {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const send = (type: string, data: object) =>
      res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    const start = envelope(model, `msg_scripted_${++this.#ids}`, reply.inputTokens);
    send("message_start", { message: { ...start, content: [] } });
    for (const [index, block] of reply.blocks.entries()) {
      if (res.destroyed) return;
      await this.#streamBlock(send, index, block, reply, res);
    }
    send("message_delta", {
      delta: { stop_reason: reply.stop, stop_sequence: null },
      usage: { output_tokens: 12 },
    });
    send("message_stop", {});
    res.end();
  }

  async #streamBlock(
    send: (t: string, d: object) => void,
    index: number,
    block: Block,
    reply: Reply,
    res: ServerResponse,
  ): Promise<void> {
    if (block.type === "tool_use") {
      send("content_block_start", { index, content_block: { ...block, input: {} } });
      send("content_block_delta", {
        index,
        delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) },
      });
    } else if (block.type === "thinking") {
      send("content_block_start", { index, content_block: { type: "thinking", thinking: "" } });
      send("content_block_delta", { index, delta: { type: "thinking_delta", thinking: block.thinking } });
      send("content_block_delta", { index, delta: { type: "signature_delta", signature: "scripted" } });
    } else {
      send("content_block_start", { index, content_block: { type: "text", text: "" } });
      for (const [i, piece] of split(block.text, reply.chunks ?? 3).entries()) {
        send("content_block_delta", { index, delta: { type: "text_delta", text: piece } });
        if (i === 0 && reply.gate) await this.#gate(reply.gate).pass(() => send("ping", {}), res);
        if (reply.chunkMs) await new Promise((r) => setTimeout(r, reply.chunkMs));
      }
    }
    send("content_block_stop", { index });
  }

  #json(res: ServerResponse, reply: Reply, model: string): void {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        ...envelope(model, `msg_scripted_${++this.#ids}`, reply.inputTokens),
        content: reply.blocks,
        stop_reason: reply.stop,
      }),
    );
  }
}

/** A named hold in a stream: `pass` waits (pinging the client each second, as the API does) until `open`. */
class Gate {
  #open!: () => void;
  #reached!: () => void;
  readonly opened = new Promise<void>((r) => (this.#open = r));
  readonly reached = new Promise<void>((r) => (this.#reached = r));

  open(): void {
    this.#open();
  }

  /** Held until opened, or until the client went away (a killed CLI, a test that failed first). */
  async pass(ping: () => void, res: ServerResponse): Promise<void> {
    this.#reached();
    const gone = new Promise<void>((r) => res.once("close", () => r()));
    const timer = setInterval(ping, 1000);
    try {
      await Promise.race([this.opened, gone]);
    } finally {
      clearInterval(timer);
    }
  }
}

function envelope(model: string, id: string, inputTokens = 10) {
  return {
    id,
    type: "message",
    role: "assistant",
    model,
    stop_reason: null,
    stop_sequence: null,
    usage: {
      input_tokens: inputTokens,
      output_tokens: 1,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    },
  };
}

function split(text: string, n: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / n));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
