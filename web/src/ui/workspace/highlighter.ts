import type { Root } from "hast";
import bash from "highlight.js/lib/languages/bash";
import diff from "highlight.js/lib/languages/diff";
import go from "highlight.js/lib/languages/go";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import markdown from "highlight.js/lib/languages/markdown";
import python from "highlight.js/lib/languages/python";
import rust from "highlight.js/lib/languages/rust";
import typescript from "highlight.js/lib/languages/typescript";
import xml from "highlight.js/lib/languages/xml";
import yaml from "highlight.js/lib/languages/yaml";
import { createLowlight, type LanguageFn } from "lowlight";
import type { Language } from "./file-language.ts";

// Its own chunk, fetched the first time a file's text is shown (file-text.tsx), and importing
// nothing of the app's: highlight.js's core with these grammars is about 17 KB gzipped. CSS's
// grammar alone would add 4 KB (its lists of properties), so .css files stay plain.
const grammars: Record<Language, LanguageFn> = {
  bash,
  diff,
  go,
  javascript,
  json,
  markdown,
  python,
  rust,
  typescript,
  xml,
  yaml,
};
const lowlight = createLowlight(grammars);

/** A file's text as a tree of spans with highlight.js's `hljs-*` classes (hast-to-preact.ts draws it). */
export function highlight(language: Language, text: string): Root {
  return lowlight.highlight(language, text);
}
