import { type Logger, makeLogger } from "../log.ts";

/**
 * Where the CLI's output goes. On a TTY (and without --json) one status line at the bottom of
 * stdout is redrawn in place, and log lines (stderr) and printed blocks go above it; otherwise
 * each new status becomes an ordinary log line, so logs stay greppable.
 */
export type Terminal = {
  log: Logger;
  json: boolean;
  /** Replaces the status line (TTY) or logs it when it changed (otherwise). */
  status(text: string): void;
  /** Text for the person at the terminal, on stdout, above the status line. */
  print(text: string): void;
  /** Leaves the cursor on a clean line. */
  close(): void;
};

const CLEAR_LINE = "\r\x1b[2K";

export function makeTerminal(
  json: boolean,
  out: NodeJS.WriteStream = process.stdout,
  err: NodeJS.WriteStream = process.stderr,
): Terminal {
  const live = out.isTTY === true && !json;
  let line = "";
  const around = (write: () => void) => {
    if (live && line) out.write(CLEAR_LINE);
    write();
    if (live && line) out.write(fitRow(line, out.columns));
  };
  const log = makeLogger(json, (text) => around(() => err.write(`${text}\n`)));
  return {
    log,
    json,
    status(text) {
      if (text === line) return;
      line = text;
      if (live) out.write(`${CLEAR_LINE}${fitRow(text, out.columns)}`);
      else log.info(text);
    },
    print(text) {
      around(() => out.write(text.endsWith("\n") ? text : `${text}\n`));
    },
    close() {
      if (live && line) out.write(`${CLEAR_LINE}`);
      line = "";
    },
  };
}

/** One row only: a wrapped status line could not be cleared with a carriage return. */
function fitRow(text: string, columns: number | undefined): string {
  const width = Math.max(20, (columns ?? 80) - 1);
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}
