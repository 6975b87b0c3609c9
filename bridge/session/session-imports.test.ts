import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// Import cycles anywhere in the repo are Biome's noImportCycles (type-only imports count), run by
// `npm test`; this file keeps the session machine pure.

const here = dirname(fileURLToPath(import.meta.url));

/** Every module specifier of a file, type-only imports and re-exports included. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gms)].map((m) => m[1]!);
}

describe("bridge/session imports", () => {
  it("the session machine imports only its own files and the shared protocol: no Node, SDK or relay link", () => {
    const pure = ["session-machine.ts", "session-steps.ts", "session-types.ts"];
    const allowed = [...pure.map((p) => `./${p}`), "../../shared/protocol/index.ts"];
    let seen = 0;
    for (const f of pure) {
      for (const s of specifiers(join(here, f))) {
        seen++;
        expect(allowed, `${f} imports ${s}`).toContain(s);
      }
    }
    expect(seen).toBeGreaterThan(2);
  });
});
