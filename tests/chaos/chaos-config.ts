/** How a chaos run is set up (run-chaos.ts runs it, report.ts records it). */
export type ChaosConfig = {
  seed: number;
  /** Sends to invoke, all actors together. */
  messages: number;
  /** Faults of each kind. */
  faultsPerKind: number;
  /** Node phones (transport children); the browser is one more phone. */
  phones: number;
  browser: boolean;
  stormSize: number;
  /** Scales fault durations and gaps. */
  pace: number;
  /** PROTOCOL: clients converge within 10 s after the faults stop. */
  convergeWithinMs: number;
  /** The run fails with a stall report after this long without a history event (default 120 s). */
  stallAfterMs?: number;
  /** Where the history is mirrored as JSONL (null: memory only). */
  historyFile: string | null;
  log: (line: string) => void;
};
