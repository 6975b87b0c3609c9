import type { Entry, Figure } from "./figure.ts";

const WIDTH = 860;
const LABEL_W = 190;
const BAR_X = LABEL_W + 10;
const BAR_MAX = 300;
const ROW_H = 34;
const TOP = 64;

/** A small horizontal bar chart of one figure, hand-written SVG (no chart library). */
export function chartSvg(fig: Figure, footer: string): string {
  const max = Math.max(0, ...fig.entries.map((e) => e.value ?? 0));
  const height = TOP + fig.entries.length * ROW_H + 36;
  const rows = fig.entries.map((e, i) => row(e, i, max, fig.unit)).join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="13">
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="12" y="24" font-size="15" font-weight="600" fill="#1a202c">${esc(fig.name)}</text>
<text x="12" y="44" fill="#4a5568">${esc(fig.unit)}, ${fig.better} is better; ratio = value ÷ Tether's</text>
${rows}
<text x="12" y="${height - 12}" font-size="11" fill="#718096">${esc(footer)}</text>
</svg>
`;
}

function row(e: Entry, i: number, max: number, unit: string): string {
  const y = TOP + i * ROW_H;
  const label = `<text x="${LABEL_W}" y="${y + 17}" text-anchor="end" fill="#2d3748">${esc(e.label)}</text>`;
  if (e.value === null) {
    const why = e.error ? `failed: ${e.error}` : `n/a: ${e.cannot ?? "no value"}`;
    return `${label}\n<text x="${BAR_X}" y="${y + 17}" fill="#a0aec0" font-style="italic">${esc(clip(why, 92))}</text>`;
  }
  const w = max > 0 ? Math.max(1, (e.value / max) * BAR_MAX) : 1;
  const color = e.contender === "tether" ? "#2b6cb0" : "#a0aec0";
  const ratio =
    e.contender === "tether" || e.ratioToTether === null ? "" : `  (${format(e.ratioToTether)}× Tether)`;
  return `${label}
<rect x="${BAR_X}" y="${y + 4}" width="${w.toFixed(1)}" height="${ROW_H - 12}" rx="3" fill="${color}"/>
<text x="${BAR_X + w + 6}" y="${y + 17}" fill="#1a202c">${esc(`${format(e.value)} ${unit}${ratio}`)}</text>`;
}

export function format(n: number): string {
  const digits = Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : Math.abs(n) >= 1 ? 2 : 3;
  return n.toLocaleString("en", { maximumFractionDigits: digits });
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
