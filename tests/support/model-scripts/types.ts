/** The scripted Messages API's vocabulary (scripted-model.ts), shared by its directive files. */

export type Block =
  | { type: "text"; text: string }
  | { type: "thinking"; thinking: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

/** `inputTokens`: what the reply's usage reports as its prompt's size (default 10), e.g. for a full context. */
export type Reply = {
  blocks: Block[];
  stop: "end_turn" | "tool_use";
  chunks?: number;
  chunkMs?: number;
  inputTokens?: number;
  /** After the first chunk, the stream waits until the test opens this gate (`ScriptedModel.open`). */
  gate?: string;
};

export type ContentPart = {
  type: string;
  text?: string;
  tool_use_id?: string;
  is_error?: boolean;
  content?: unknown;
};

export type MessagesRequest = {
  model?: string;
  stream?: boolean;
  messages: { role: "user" | "assistant" | "system"; content: string | ContentPart[] }[];
};

/**
 * What a directive decides from: its `key=value` arguments, the tool results that came back since
 * the prompt that holds it (oldest first; empty on the first request of the turn), the whole
 * request, and fresh tool_use ids.
 */
export type ScriptContext = {
  args: Record<string, string>;
  results: ContentPart[];
  body: MessagesRequest;
  nextId(): string;
};

/** One `[[name …]]` directive: the model's next reply, step by step through `results`. */
export type Directive = (ctx: ScriptContext) => Reply;
