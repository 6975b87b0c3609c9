/** The languages the file view highlights; each grammar adds to the highlighter's chunk. */
export type Language =
  | "bash"
  | "diff"
  | "go"
  | "javascript"
  | "json"
  | "markdown"
  | "python"
  | "rust"
  | "typescript"
  | "xml"
  | "yaml";

/**
 * Larger files are shown as plain text: highlighting makes a span per token, which a phone
 * would spend seconds on, and the text is what matters in a file that size.
 */
export const MAX_HIGHLIGHT_BYTES = 200 * 1024;

// A Map, so that a name like `x.constructor` finds nothing rather than Object's prototype.
const BY_EXTENSION = new Map<string, Language>([
  ["ts", "typescript"],
  ["tsx", "typescript"],
  ["mts", "typescript"],
  ["cts", "typescript"],
  ["js", "javascript"],
  ["jsx", "javascript"],
  ["mjs", "javascript"],
  ["cjs", "javascript"],
  ["py", "python"],
  ["pyi", "python"],
  ["json", "json"],
  ["sh", "bash"],
  ["bash", "bash"],
  ["zsh", "bash"],
  ["html", "xml"],
  ["htm", "xml"],
  ["xml", "xml"],
  ["svg", "xml"],
  ["md", "markdown"],
  ["markdown", "markdown"],
  ["yml", "yaml"],
  ["yaml", "yaml"],
  ["go", "go"],
  ["rs", "rust"],
  ["diff", "diff"],
  ["patch", "diff"],
]);

/**
 * The language a file is highlighted as, from its extension, or null for plain text (no
 * extension, an unknown one, or a file over MAX_HIGHLIGHT_BYTES). Pure.
 */
export function languageOf(path: string, size: number): Language | null {
  if (size > MAX_HIGHLIGHT_BYTES) return null;
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  // A dotfile's name (".bashrc") is not an extension.
  if (dot <= 0) return null;
  return BY_EXTENSION.get(name.slice(dot + 1).toLowerCase()) ?? null;
}
