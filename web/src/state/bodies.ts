import type { z } from "zod";
import { kinds, type ReadOf } from "../../../shared/protocol/kinds.ts";

/**
 * Reading session-layer bodies (docs/protocol.md §9; schemas: shared/protocol/). Bodies come from the room log, so each
 * is parsed where it is folded, with its kind's `read` schema (tolerant of older and newer
 * bridges); a body that does not parse is skipped, never trusted. Unknown fields are dropped.
 */
export function readBody<K extends keyof typeof kinds>(kind: K, body: unknown): ReadOf<K> | null {
  // The table pairs each kind with its schema; TypeScript cannot follow that pairing through a
  // generic index, so the result is named by kind here, once.
  return read(kinds[kind].read, body) as ReadOf<K> | null;
}

/** Parsed bodies by body object: the log's bodies never change, and the folds re-read them often. */
const parsed = new WeakMap<object, Map<z.ZodType, unknown>>();

/** Parses a body or returns null (the caller skips it). Callers must not mutate the result. */
export function read<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> | null {
  if (typeof body !== "object" || body === null) return parse(schema, body);
  let bySchema = parsed.get(body);
  if (!bySchema) {
    bySchema = new Map();
    parsed.set(body, bySchema);
  }
  if (bySchema.has(schema)) return bySchema.get(schema) as z.infer<S> | null;
  const value = parse(schema, body);
  bySchema.set(schema, value);
  return value;
}

function parse<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> | null {
  const r = schema.safeParse(body);
  return r.success ? r.data : null;
}
