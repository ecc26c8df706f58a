// Draws the app icon once: a grey structure on a dark rounded square, outlined by the blue the
// app uses for model masks. Writes resources/icon.png (256 px; electron-builder's buildResources
// icon) and resources/favicon.ico (16, 32 and 48 px PNG entries; the web host serves it).
// Run: npx tsx scripts/make-icon.ts

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { encode } from 'fast-png';

type Rgba = [number, number, number, number];
const BACKGROUND: Rgba = [26, 27, 30, 255]; // Mantine dark-7, the app's background
const STRUCTURE: Rgba = [134, 142, 150, 255];
const OUTLINE: Rgba = [77, 171, 247, 255]; // #4dabf7, model masks across the app

/** The colour at (x, y) in unit coordinates, or null outside the rounded square. */
function shade(x: number, y: number): Rgba | null {
  const r = 0.18; // corner radius
  const cx = Math.min(Math.max(x, r), 1 - r);
  const cy = Math.min(Math.max(y, r), 1 - r);
  if (Math.hypot(x - cx, y - cy) > r) return null;
  // a slightly irregular blob, as anatomy is
  const a = Math.atan2(y - 0.5, x - 0.5);
  const radius = 0.27 + 0.035 * Math.sin(3 * a + 0.6) + 0.02 * Math.cos(5 * a);
  const d = Math.hypot(x - 0.5, y - 0.5) - radius;
  if (Math.abs(d) < 0.045) return OUTLINE;
  return d < 0 ? STRUCTURE : BACKGROUND;
}

function draw(size: number): Uint8Array {
  const out = new Uint8Array(size * size * 4);
  const ss = 4; // 4×4 samples a pixel
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const acc = [0, 0, 0, 0];
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const c = shade((px + (sx + 0.5) / ss) / size, (py + (sy + 0.5) / ss) / size);
          if (!c) continue;
          for (let k = 0; k < 3; k++) acc[k] += c[k];
          acc[3] += 1;
        }
      }
      const o = (py * size + px) * 4;
      if (acc[3] === 0) continue;
      for (let k = 0; k < 3; k++) out[o + k] = Math.round(acc[k] / acc[3]);
      out[o + 3] = Math.round((255 * acc[3]) / (ss * ss));
    }
  }
  return out;
}

const png = (size: number): Uint8Array => encode({ width: size, height: size, data: draw(size), channels: 4, depth: 8 });

/** An ICO file whose entries are PNGs (read by browsers and Windows since Vista). */
function ico(sizes: number[]): Buffer {
  const images = sizes.map(png);
  const header = Buffer.alloc(6 + 16 * sizes.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // 1: icon
  header.writeUInt16LE(sizes.length, 4);
  let offset = header.length;
  sizes.forEach((s, i) => {
    const e = 6 + 16 * i;
    header.writeUInt8(s >= 256 ? 0 : s, e);
    header.writeUInt8(s >= 256 ? 0 : s, e + 1);
    header.writeUInt16LE(1, e + 4); // planes
    header.writeUInt16LE(32, e + 6); // bits per pixel
    header.writeUInt32LE(images[i].length, e + 8);
    header.writeUInt32LE(offset, e + 12);
    offset += images[i].length;
  });
  return Buffer.concat([header, ...images]);
}

const resources = (name: string) => fileURLToPath(new URL(`../resources/${name}`, import.meta.url));
writeFileSync(resources('icon.png'), png(256));
writeFileSync(resources('favicon.ico'), ico([16, 32, 48]));
console.log('wrote resources/icon.png and resources/favicon.ico');
