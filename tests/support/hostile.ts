import fc from "fast-check";
import { Limits } from "../../shared/protocol/index.ts";

/**
 * Generators of what a hostile controller may store in a room: every kind a controller may send,
 * in valid shapes with hostile values, wrong types, deep nesting, huge strings, and unknown kinds.
 */

/** A body nested `depth` deep ([] is 1). */
export function nest(depth: number): unknown {
  let v: unknown = [];
  for (let i = 1; i < depth; i++) v = [v];
  return v;
}

/** 200 KB with a terminal escape up front: fits a stored body, must never reach a log whole. */
export const HUGE = `\u001b]52;c;${"A".repeat(200_000)}\u0007`;
const TOO_DEEP = nest(10_000);

export const hostileString = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "",
      "   ",
      "\n\t",
      "\u0000",
      "\u001b[2J\u001b]0;owned\u0007",
      "/",
      "/etc",
      "../../..",
      "bypassPermissions",
      "default",
      "plan",
      "haiku",
      "claude-no-such-model",
      "x".repeat(257),
      "__proto__",
      "constructor",
    ),
  },
  { weight: 1, arbitrary: fc.constant(HUGE) },
);

/** Depths around the limit, and one far past it. */
export const deepValue = fc.oneof(
  fc.integer({ min: 1, max: Limits.bodyDepth + 8 }).map(nest),
  fc.constant(TOO_DEEP),
);

export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 3, arbitrary: hostileString },
  { weight: 1, arbitrary: deepValue },
  { weight: 1, arbitrary: fc.constantFrom(null, true, 0, -1, 1e308, [], {}) },
);

const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

/** `{...}` with some keys absent; an absent key is left out, not set to undefined. */
function partial(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .record(Object.fromEntries(Object.entries(fields).map(([k, a]) => [k, maybe(a)])))
    .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)));
}

export const sessionBodies = {
  "user.message": fc.oneof(partial({ text: fc.oneof(hostileString, anyValue) }), anyValue),
  "session.command": fc.oneof(
    partial({
      name: fc.oneof(
        fc.constantFrom("clear", "end", "set_permission_mode", "set_model", "compact", "SET_MODEL"),
        hostileString,
      ),
      value: fc.oneof(hostileString, anyValue),
    }),
    anyValue,
  ),
  "permission.response": fc.oneof(
    partial({
      requestId: hostileString,
      decision: fc.oneof(fc.constantFrom("allow", "deny"), hostileString),
      remember: anyValue,
      message: fc.oneof(hostileString, anyValue),
      updatedInput: anyValue,
    }),
    anyValue,
  ),
  "session.interrupt": fc.oneof(fc.constant({}), anyValue),
} as const;

export const machineBodies = (root: string) => ({
  "machine.create_session": fc.oneof(
    partial({
      cwd: fc.oneof(fc.constantFrom(root, `${root}/..`, `${root}/missing`, "/", "/etc"), hostileString),
      title: fc.oneof(hostileString, anyValue),
      permissionMode: fc.oneof(fc.constantFrom("default", "acceptEdits", "bypassPermissions"), hostileString),
      resumeClaudeSessionId: fc.oneof(fc.uuid(), hostileString, anyValue),
      prompt: fc.oneof(hostileString, anyValue),
    }),
    anyValue,
  ),
  "machine.end_session": fc.oneof(partial({ room: fc.oneof(hostileString, anyValue) }), anyValue),
  "machine.list_resumable": fc.oneof(partial({ cwd: fc.oneof(hostileString, anyValue) }), anyValue),
});

/** Kinds no handler declares, and bridge kinds a controller could not store (sent here anyway). */
export const unknownKind = fc.constantFrom(
  "session.nope",
  "machine.nope",
  "turn.result",
  "agent.message",
  "typing",
);
