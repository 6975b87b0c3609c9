import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");

/** Every module specifier of a file, type-only imports and re-exports included. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gms)].map((m) => m[1]!);
}

/** The repo files a file imports (relative specifiers only; packages and node: builtins are leaves). */
function localImports(file: string): string[] {
  return specifiers(file)
    .filter((s) => s.startsWith("."))
    .map((s) => resolve(dirname(file), s));
}

/** A cycle reachable from `start` in the graph `importsOf`, or null. */
function cycleFrom(start: string, importsOf: (file: string) => string[] = localImports): string[] | null {
  const path: string[] = [];
  const done = new Set<string>();
  const visit = (file: string): string[] | null => {
    const at = path.indexOf(file);
    if (at >= 0) return [...path.slice(at), file];
    if (done.has(file)) return null;
    path.push(file);
    for (const next of importsOf(file)) {
      const found = visit(next);
      if (found) return found;
    }
    path.pop();
    done.add(file);
    return null;
  };
  return visit(start);
}

describe("bridge/session imports", () => {
  const files = readdirSync(here)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .map((f) => join(here, f));

  it("form no cycle (type-only imports count too)", () => {
    expect(files.length).toBeGreaterThan(5);
    for (const f of files)
      expect(cycleFrom(f)?.map((x) => relative(root, x)) ?? null, relative(root, f)).toBeNull();
  });

  it("the session machine imports nothing but its own types: no Node, SDK or relay link", () => {
    const pure = ["session-machine.ts", "session-steps.ts", "session-types.ts"];
    for (const f of pure) {
      for (const s of specifiers(join(here, f))) expect(pure.map((p) => `./${p}`)).toContain(s);
    }
  });

  it("the check sees the imports and finds a cycle when there is one", () => {
    const runner = localImports(join(here, "session-runner.ts"));
    expect(runner).toContain(join(here, "session-control.ts"));
    expect(runner).toContain(join(here, "session-machine.ts"));
    // As it was before the machine: runner → control → runner (a type import).
    const before: Record<string, string[]> = {
      runner: ["control", "events", "registry"],
      control: ["runner"],
      events: ["runner"],
      registry: [],
    };
    expect(cycleFrom("runner", (f) => before[f] ?? [])).toEqual(["runner", "control", "runner"]);
    expect(cycleFrom("registry", (f) => before[f] ?? [])).toBeNull();
  });
});
