/**
 * A session a terminal runs (docs/protocol.md §9.6.2), as the phone shows it: while the terminal
 * lives, a message waits for the end of Claude's turn; after it ended, sending continues the
 * session here. Null for a session the bridge runs.
 */
export type TerminalMode = "live" | "ended" | null;

export function terminalMode(origin: string | undefined, state: string | undefined): TerminalMode {
  if (origin !== "terminal") return null;
  return state === "ended" ? "ended" : "live";
}

/** The composer's placeholder for a terminal session; null for the usual one. */
export function terminalHint(mode: TerminalMode): string | null {
  if (mode === "live") return "Runs in a terminal: delivered when Claude's turn ends…";
  if (mode === "ended") return "Ended in the terminal: sending continues it here…";
  return null;
}
