import { CliError } from "./options.ts";

/**
 * Reads a secret from the terminal without echoing it (raw mode, one key at a time). Enter ends
 * it, Backspace deletes, Ctrl-C or Ctrl-D gives up. Without a terminal there is no one to ask.
 */
export function askSecret(question: string, how: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) throw new CliError(`stdin is not a terminal, so the secret cannot be asked for: ${how}`);
  process.stderr.write(question);
  input.setRawMode(true);
  input.resume();
  input.setEncoding("utf8");
  return new Promise((resolve, reject) => {
    let secret = "";
    const done = (outcome: () => void) => {
      input.off("data", onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write("\n");
      outcome();
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") return done(() => resolve(secret));
        if (ch === "\u0003" || ch === "\u0004") return done(() => reject(new CliError("cancelled", 130)));
        if (ch === "\u007f" || ch === "\b") secret = secret.slice(0, -1);
        else secret += ch;
      }
    };
    input.on("data", onData);
  });
}
