// The realistic payloads: what a room carries while Claude Code works, made up by a seeded
// generator (no external data), so every run and every stack sends the very same bytes.
// Agent prose in Markdown, code in fenced blocks, tool calls (Read, Edit, Bash, Grep…) and their
// results, in the shapes the bridge sends (shared/protocol/agent.ts).
//   node bench/corpus.ts          prints the corpus' make-up and one example of each shape
import type { OutMsg } from "../shared/protocol/index.ts";

export const CORPUS_SEED = 14;
export const CORPUS_SIZE = 4096;

export const CORPUS_METHOD =
  `Realistic bodies come from bench/corpus.ts: a seeded generator (mulberry32, seed ${CORPUS_SEED}, ` +
  `${CORPUS_SIZE} bodies, used in turn) that writes agent.message bodies (Markdown prose ~40 %, code ` +
  `in fenced blocks ~15 %, tool_use calls ~20 %) and tool.result bodies (~25 %: file listings, test ` +
  `output, grep hits) from word and identifier lists: text that compresses like real transcripts, ` +
  `unlike the random base64 of the 1 KiB bodies.`;

export type Body = Pick<OutMsg, "kind" | "body">;

let corpus: Body[] | null = null;

/** The corpus, built once per process. */
export function realisticBodies(): readonly Body[] {
  corpus ??= build(CORPUS_SEED, CORPUS_SIZE);
  return corpus;
}

/** Mean JSON size of a body in the corpus, in bytes (for figure names and methods). */
export function meanBodyBytes(): number {
  const all = realisticBodies();
  return Math.round(all.reduce((s, b) => s + JSON.stringify(b.body).length, 0) / all.length);
}

function build(seed: number, n: number): Body[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const roll = r.next();
    const id = `msg_${seed}_${i}`;
    if (roll < 0.4) return agent(id, [{ type: "text", text: prose(r) }]);
    if (roll < 0.55) return agent(id, [{ type: "text", text: `${sentence(r)}\n\n${fenced(r)}` }]);
    if (roll < 0.75) return agent(id, [toolUse(r, i)]);
    return {
      kind: "tool.result",
      body: { toolUseId: `toolu_${i}`, isError: r.next() < 0.05, content: result(r) },
    };
  });
}

function agent(id: string, blocks: unknown[]): Body {
  return { kind: "agent.message", body: { id, blocks } };
}

const WORDS = (
  "the a this that it we I you file function test tests change changes error errors type types value " +
  "values module import export config build run runs running fix fixed update updated check checks " +
  "return returns call calls handler request response message messages session state room relay " +
  "bridge phone socket sockets queue outbox cursor sequence order before after because so then now " +
  "first next also only still again instead should would could must will can does not is are was be " +
  "here there when while which where why how all each every some none new old same other missing " +
  "failing passing unused duplicate async await promise callback timeout retry limit window page " +
  "schema parse valid invalid string number object array map set key index path folder repo branch"
).split(" ");
const IDENTS =
  "user room session message cursor outbox socket frame page event result token config state item".split(" ");
const FILES =
  "src/room.ts src/outbox.ts src/socket.ts src/index.ts test/room.test.ts lib/parse.ts README.md".split(" ");
const TOOLS = ["Read", "Edit", "Bash", "Grep", "Write", "Glob"] as const;

function sentence(r: Rng): string {
  const words = Array.from({ length: r.int(6, 22) }, () =>
    r.next() < 0.08 ? `\`${r.pick(IDENTS)}${cap(r.pick(IDENTS))}\`` : r.pick(WORDS),
  );
  return `${cap(words.join(" "))}${r.pick([".", ".", ".", ":", "?"])}`;
}

function prose(r: Rng): string {
  const paragraphs = Array.from({ length: r.int(1, 4) }, () => {
    if (r.next() < 0.25) return Array.from({ length: r.int(2, 5) }, () => `- ${sentence(r)}`).join("\n");
    return Array.from({ length: r.int(1, 5) }, () => sentence(r)).join(" ");
  });
  return paragraphs.join("\n\n");
}

function codeLines(r: Rng, n: number): string[] {
  const lines: string[] = [];
  let depth = 0;
  for (let i = 0; i < n; i++) {
    const a = r.pick(IDENTS);
    const b = r.pick(IDENTS);
    const pad = "  ".repeat(depth);
    const roll = r.next();
    if (roll < 0.15 && depth < 3) {
      lines.push(
        `${pad}${r.pick(["if", "for", "while"])} (${a}.${b}${r.pick([" > 0", " === null", ".length"])}) {`,
      );
      depth++;
    } else if (roll < 0.28 && depth > 0) {
      depth--;
      lines.push(`${"  ".repeat(depth)}}`);
    } else if (roll < 0.38) lines.push(`${pad}// ${sentence(r)}`);
    else if (roll < 0.7)
      lines.push(`${pad}const ${a}${cap(b)} = await ${b}.${r.pick(IDENTS)}(${a}, ${r.int(0, 999)});`);
    else lines.push(`${pad}return ${a}.${b} ?? ${r.pick(["null", "[]", "{}", "0"])};`);
  }
  while (depth-- > 0) lines.push(`${"  ".repeat(depth)}}`);
  return lines;
}

function fenced(r: Rng): string {
  const name = `${r.pick(IDENTS)}${cap(r.pick(IDENTS))}`;
  return `\`\`\`ts\nexport async function ${name}(${r.pick(IDENTS)}: ${cap(r.pick(IDENTS))}) {\n${codeLines(
    r,
    r.int(4, 30),
  )
    .map((l) => `  ${l}`)
    .join("\n")}\n}\n\`\`\``;
}

function toolUse(r: Rng, i: number): unknown {
  const name = r.pick(TOOLS);
  const file_path = `/home/dev/project/${r.pick(FILES)}`;
  const input =
    name === "Edit"
      ? {
          file_path,
          old_string: codeLines(r, r.int(2, 12)).join("\n"),
          new_string: codeLines(r, r.int(2, 14)).join("\n"),
        }
      : name === "Write"
        ? { file_path, content: codeLines(r, r.int(10, 40)).join("\n") }
        : name === "Bash"
          ? {
              command: r.pick([
                "npm test",
                "npx tsc --noEmit",
                "git status",
                "git diff --stat",
                "npm run build",
              ]),
              description: sentence(r),
            }
          : name === "Grep"
            ? {
                pattern: `${r.pick(IDENTS)}${cap(r.pick(IDENTS))}`,
                path: "/home/dev/project",
                output_mode: "content",
              }
            : { file_path };
  return { type: "tool_use", id: `toolu_${i}`, name, input };
}

function result(r: Rng): string {
  const roll = r.next();
  if (roll < 0.4) {
    const start = r.int(1, 400);
    return codeLines(r, r.int(5, 50))
      .map((l, k) => `${String(start + k).padStart(6)}\t${l}`)
      .join("\n");
  }
  if (roll < 0.7) {
    const tests = Array.from(
      { length: r.int(3, 25) },
      () => ` ✓ ${r.pick(FILES)} > ${sentence(r)} ${r.int(1, 90)}ms`,
    );
    return `\n> vitest run\n\n${tests.join("\n")}\n\n Test Files  ${r.int(1, 30)} passed\n      Tests  ${tests.length} passed`;
  }
  return Array.from(
    { length: r.int(2, 20) },
    () => `${r.pick(FILES)}:${r.int(1, 300)}:  ${codeLines(r, 1)[0]}`,
  ).join("\n");
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

type Rng = { next(): number; int(lo: number, hi: number): number; pick<T>(xs: readonly T[]): T };

/** mulberry32: small, fast, and the same numbers on every machine for a seed. */
function rng(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  return { next, int, pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]! };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const all = realisticBodies();
  const sizes = all.map((b) => JSON.stringify(b.body).length).sort((x, y) => x - y);
  const { gzipSync } = await import("node:zlib");
  const text = all.map((b) => JSON.stringify(b.body)).join("\n");
  process.stdout.write(
    `${JSON.stringify({ bodies: all.length, meanBytes: meanBodyBytes(), p50: sizes[sizes.length >> 1], max: sizes.at(-1), gzipRatio: +(gzipSync(text).length / text.length).toFixed(3) })}\n`,
  );
  for (const i of [0, 1, 2, 3, 5, 8]) process.stdout.write(`${JSON.stringify(all[i])}\n`);
}
