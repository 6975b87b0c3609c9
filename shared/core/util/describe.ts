/**
 * Untrusted values, looked at without trusting them: never recursion, never a whole stringify.
 * Both walks are iterative and stop after a fixed number of nodes, so a body nested 10,000 deep or
 * a huge array costs the same bounded work as a small one.
 */

/** Nodes a walk visits at most. */
const BUDGET = 10_000;
/** Keys named at most in a description. */
const KEYS_SHOWN = 8;
/** Characters of one key shown at most. */
const KEY_CHARS = 24;

/**
 * A short, safe description of an untrusted value, for logs and notices: its type, its top-level
 * keys or length, and its approximate JSON size and depth, e.g.
 * `object {name, value} ~40 B, depth 2` or `array [3] ~1.2 MB, depth ≥10000`.
 */
export function describe(value: unknown): string {
  const head = shape(value);
  if (value === null || typeof value !== "object") return head;
  const m = measure(value);
  const more = m.complete ? "" : "≥";
  return `${head} ~${more}${bytes(m.bytes)}, depth ${more}${m.depth}`;
}

/**
 * Whether a JSON value nests deeper than `limit` (a scalar is depth 0, `[]` and `{}` depth 1).
 * Visits each node once at most, and returns as soon as it goes past the limit.
 */
export function nestedDeeper(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (d + 1 > limit) return true;
    for (const child of children(v)) stack.push([child, d + 1]);
  }
  return false;
}

function shape(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `array [${value.length}]`;
  switch (typeof value) {
    case "string":
      return `string (${value.length} chars)`;
    case "object": {
      const keys = Object.keys(value);
      const shown = keys.slice(0, KEYS_SHOWN).map(safeKey);
      const rest = keys.length > KEYS_SHOWN ? `, … ${keys.length - KEYS_SHOWN} more` : "";
      return `object {${shown.join(", ")}${rest}}`;
    }
    default:
      return typeof value;
  }
}

/** Keys are untrusted too: clipped, and nothing but printable ASCII kept. */
function safeKey(key: string): string {
  const clean = key.slice(0, KEY_CHARS).replace(/[^\x20-\x7e]/g, "?");
  return key.length > KEY_CHARS ? `${clean}…` : clean;
}

type Measure = { bytes: number; depth: number; complete: boolean };

/** Approximate JSON size (string lengths in UTF-16 units) and depth as nestedDeeper counts it, within the node budget. */
function measure(value: unknown): Measure {
  const stack: Array<[unknown, number]> = [[value, 0]];
  let size = 0;
  let depth = 0;
  let visited = 0;
  while (stack.length > 0) {
    if (++visited > BUDGET) return { bytes: size, depth, complete: false };
    const [v, d] = stack.pop()!;
    if (typeof v === "string") size += v.length + 2;
    else if (v === null || typeof v !== "object") size += String(v).length;
    else {
      depth = Math.max(depth, d + 1);
      const kids = children(v);
      size += 2 + Math.max(0, kids.length - 1);
      if (!Array.isArray(v)) for (const k of Object.keys(v)) size += k.length + 3;
      // Never more on the stack than the budget could visit, whatever the array's length.
      for (const child of kids.slice(-BUDGET)) stack.push([child, d + 1]);
      if (kids.length > BUDGET) return { bytes: size, depth: depth + 1, complete: false };
    }
  }
  return { bytes: size, depth, complete: true };
}

function children(v: object): unknown[] {
  return Array.isArray(v) ? v : Object.values(v);
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}
