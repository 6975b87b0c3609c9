import type { ContenderId } from "./contenders.ts";
import { round } from "./stats.ts";

export const LABELS: Record<ContenderId, string> = {
  tether: "Tether",
  floor: "DO floor",
  ws: "bare ws (Node)",
  socketio: "Socket.IO + recovery",
};

/** One contender's result in a figure: a measured value, or why it has none. */
export type Entry = {
  contender: ContenderId;
  label: string;
  value: number | null;
  /** value ÷ Tether's value; null when either is missing. */
  ratioToTether: number | null;
  /** Why there is no value (the stack cannot do this), said instead of inventing one. */
  cannot?: string;
  /** The measurement failed on this run (the figure is kept, with the error, not dropped). */
  error?: string;
  detail?: Record<string, unknown>;
};

export type Figure = {
  id: string;
  name: string;
  unit: string;
  better: "lower" | "higher";
  method: string;
  entries: Entry[];
};

export type EntryInput = {
  contender: ContenderId;
  value: number | null;
  cannot?: string;
  error?: string;
  detail?: Record<string, unknown>;
};

export function figure(spec: Omit<Figure, "entries">, inputs: readonly EntryInput[]): Figure {
  const tether = inputs.find((e) => e.contender === "tether")?.value ?? null;
  const entries = inputs.map((e) => ({
    contender: e.contender,
    label: LABELS[e.contender],
    value: e.value,
    ratioToTether: e.value === null || tether === null || tether === 0 ? null : round(e.value / tether),
    ...(e.cannot === undefined ? {} : { cannot: e.cannot }),
    ...(e.error === undefined ? {} : { error: e.error }),
    ...(e.detail === undefined ? {} : { detail: e.detail }),
  }));
  return { ...spec, entries };
}

/** A figure whose measurement threw: it stays in the output with the error, no values. */
export function failed(
  spec: Omit<Figure, "entries">,
  contenders: readonly ContenderId[],
  err: unknown,
): Figure {
  const message = (err instanceof Error ? err.message : String(err)).split("\n")[0]!.slice(0, 300);
  return figure(
    spec,
    contenders.map((contender) => ({ contender, value: null, error: message })),
  );
}
