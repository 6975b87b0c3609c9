import { stripControlCharsByLine } from "../shared/core/util/text.ts";

/** Plain or JSON log lines on stderr; one logger per process. */
export type Logger = {
  info(msg: string, extra?: Record<string, unknown>): void;
  warn(msg: string, extra?: Record<string, unknown>): void;
  error(msg: string, extra?: Record<string, unknown>): void;
};

export function makeLogger(
  json: boolean,
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Logger {
  const line = (level: string, msg: string, extra?: Record<string, unknown>) => {
    if (json) return write(JSON.stringify({ at: new Date().toISOString(), level, msg, ...extra }));
    const tail = extra && Object.keys(extra).length > 0 ? ` ${JSON.stringify(extra)}` : "";
    // A message may carry text from a phone or the relay; the terminal gets it without control characters.
    write(`${new Date().toISOString()} ${level.padEnd(5)} ${stripControlCharsByLine(msg)}${tail}`);
  };
  return {
    info: (m, e) => line("info", m, e),
    warn: (m, e) => line("warn", m, e),
    error: (m, e) => line("error", m, e),
  };
}
