/**
 * A response body read with a deadline and a size cap. A fetch's timeout signal does not bound
 * reading the body on every path (a server that sends its headers and then stalls left
 * `res.text()` waiting for ever in the battery), and a hostile or broken server could send
 * without end; neither may hang or bloat the bridge or a CLI command.
 */

export class BodyError extends Error {
  readonly code: "body_timeout" | "body_too_large";

  constructor(code: BodyError["code"], message: string) {
    super(message);
    this.code = code;
  }
}

export type BodyLimits = { ms: number; maxBytes: number };

/** The whole body as UTF-8 text, or a BodyError once it takes longer than `ms` or exceeds `maxBytes`. */
export async function boundedText(res: Response, limits: BodyLimits): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return "";
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new BodyError("body_timeout", `the answer stopped arriving (${limits.ms / 1000} s)`));
    }, limits.ms);
    timer.unref();
  });
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), late]);
      if (done) break;
      size += value.byteLength;
      if (size > limits.maxBytes)
        throw new BodyError("body_too_large", `the answer is larger than ${limits.maxBytes} bytes`);
      chunks.push(value);
    }
  } catch (err) {
    void reader.cancel().catch(() => undefined);
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The body parsed as JSON; for a body that is not, what went wrong (for the caller's message). */
export function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    return { notJson: (err as Error).message };
  }
}
