// Draws the app icon (two linked nodes on a rounded square) as SVG and as PNGs for the web app
// manifest. Run once after changing the design: `node web/scripts/make-icons.mjs`. No image library:
// a supersampled signed-distance rasterizer and a minimal PNG encoder are enough for flat shapes.
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";

const out = join(dirname(fileURLToPath(import.meta.url)), "..", "public");
const BG = [47, 91, 211];
const FG = [255, 255, 255];

// Shapes in a 0..1 square: a rounded background, two rings and the line between them.
const a = { x: 0.34, y: 0.64 };
const b = { x: 0.66, y: 0.36 };
const R = 0.12;
const W = 0.055;

writeFileSync(join(out, "icon.svg"), svg());
for (const [name, size, inset] of [
  ["icon-192.png", 192, 0],
  ["icon-512.png", 512, 0],
  ["icon-maskable-512.png", 512, 0.1],
]) {
  writeFileSync(join(out, name), png(size, inset));
}

function svg() {
  const p = (v) => +(v * 512).toFixed(1);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512"><title>Tether</title><rect width="512" height="512" rx="${p(0.22)}" fill="rgb(${BG})"/><g fill="none" stroke="rgb(${FG})" stroke-width="${p(W)}" stroke-linecap="round"><circle cx="${p(a.x)}" cy="${p(a.y)}" r="${p(R)}"/><circle cx="${p(b.x)}" cy="${p(b.y)}" r="${p(R)}"/><path d="M${p(a.x + R * Math.SQRT1_2)} ${p(a.y - R * Math.SQRT1_2)}L${p(b.x - R * Math.SQRT1_2)} ${p(b.y + R * Math.SQRT1_2)}"/></g></svg>\n`;
}

/** Coverage of the foreground at a point (1 inside the strokes). */
function fg(x, y) {
  const ring = (c) => Math.abs(Math.hypot(x - c.x, y - c.y) - R) - W / 2;
  const s = { x: a.x + R * Math.SQRT1_2, y: a.y - R * Math.SQRT1_2 };
  const e = { x: b.x - R * Math.SQRT1_2, y: b.y + R * Math.SQRT1_2 };
  const t = Math.max(
    0,
    Math.min(1, ((x - s.x) * (e.x - s.x) + (y - s.y) * (e.y - s.y)) / ((e.x - s.x) ** 2 + (e.y - s.y) ** 2)),
  );
  const line = Math.hypot(x - (s.x + t * (e.x - s.x)), y - (s.y + t * (e.y - s.y))) - W / 2;
  return Math.min(ring(a), ring(b), line) <= 0;
}

function inRounded(x, y, r) {
  const dx = Math.max(r - x, 0, x - (1 - r));
  const dy = Math.max(r - y, 0, y - (1 - r));
  return dx * dx + dy * dy <= r * r;
}

/** `inset`: maskable icons keep their content inside the safe zone and fill the whole square. */
function png(size, inset) {
  const N = 4;
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let py = 0; py < size; py++) {
    raw[py * (size * 4 + 1)] = 0;
    for (let px = 0; px < size; px++) {
      let cover = 0;
      let ink = 0;
      for (let sy = 0; sy < N; sy++)
        for (let sx = 0; sx < N; sx++) {
          const x = (px + (sx + 0.5) / N) / size;
          const y = (py + (sy + 0.5) / N) / size;
          if (inset === 0 && !inRounded(x, y, 0.22)) continue;
          cover++;
          const u = inset === 0 ? x : (x - inset) / (1 - 2 * inset);
          const v = inset === 0 ? y : (y - inset) / (1 - 2 * inset);
          if (fg(u, v)) ink++;
        }
      const o = py * (size * 4 + 1) + 1 + px * 4;
      const k = cover === 0 ? 0 : ink / cover;
      for (let c = 0; c < 3; c++) raw[o + c] = Math.round(BG[c] * (1 - k) + FG[c] * k);
      raw[o + 3] = Math.round((cover / (N * N)) * 255);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const sig = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([
    sig,
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function crc32(buf) {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}
