import { z } from "zod";
import { hasControlChars } from "../core/util/text.ts";

export { hasControlChars, stripControlChars, stripControlCharsByLine } from "../core/util/text.ts";

export const CONTROL_CHARS_MESSAGE = "must not contain control characters";

/** A string of at most `max` chars without control characters. */
export function plainText(max: number) {
  return z
    .string()
    .max(max)
    .refine((s) => !hasControlChars(s), { message: CONTROL_CHARS_MESSAGE });
}
