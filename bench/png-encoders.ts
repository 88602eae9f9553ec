/**
 * PNG encoder benchmark: `npx tsx bench/png-encoders.ts [runs]`.
 *
 * Compares upng-js 2.1.0 (the design card's choice), pngjs (default and tuned options) and
 * lib/png/encode-png.ts on a 512x512 16-bit image and 2048x2048 8-bit / 16-bit images with
 * CT-like content (smooth anatomy-like shapes + noise), printing median ms and output bytes.
 * upng-js only writes RGBA8, so for 16-bit input it is given the image reduced to 8 bits and
 * expanded to RGBA (its row is marked "8-bit only": it cannot produce the requested output).
 */
import './bench-env.js';
import { createRequire } from 'node:module';
import { PNG } from 'pngjs';
import { constants as zlib } from 'node:zlib';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePng } from '../lib/png/encode-png.js';
import { parseDicom } from '../lib/dicom/parse.js';
import { renderPixels } from '../lib/render/render-frame.js';

const require = createRequire(import.meta.url);
// upng-js has no types and is CommonJS.
const UPNG = require('upng-js') as { encode(bufs: ArrayBuffer[], w: number, h: number, cnum: number): ArrayBuffer };

interface Case {
  name: string;
  width: number;
  height: number;
  bitDepth: 8 | 16;
  data: Uint8Array | Uint16Array;
}

/** Deterministic CT-like test image: body ellipse, "organs", a bone ring, gradient and noise. */
function makeImage(width: number, height: number, bitDepth: 8 | 16): Uint8Array | Uint16Array {
  const max = bitDepth === 16 ? 4095 : 255; // 12-bit content in 16-bit cells, as CT/MR store it
  const out = bitDepth === 16 ? new Uint16Array(width * height) : new Uint8Array(width * height);
  let seed = 12345;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return (seed / 0x7fffffff - 0.5) * 0.04;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = (x / width) * 2 - 1;
      const v = (y / height) * 2 - 1;
      const body = u * u / 0.8 + v * v / 0.6;
      let t = 0;
      if (body < 1) {
        t = 0.45 + 0.1 * Math.sin(6 * u) * Math.cos(4 * v);
        if (body > 0.85) t = 0.9; // bone-like ring
        if ((u + 0.3) ** 2 + v * v < 0.05) t = 0.2; // lung-like hole
        t += noise();
      }
      out[y * width + x] = Math.max(0, Math.min(max, Math.round(t * max)));
    }
  }
  return out;
}

function toRgba8(c: Case): ArrayBuffer {
  const n = c.width * c.height;
  const rgba = new Uint8Array(n * 4);
  const shift = c.bitDepth === 16 ? 4 : 0; // 12-bit content -> 8 bits
  for (let i = 0; i < n; i++) {
    const g = c.data[i] >> shift;
    rgba[i * 4] = g;
    rgba[i * 4 + 1] = g;
    rgba[i * 4 + 2] = g;
    rgba[i * 4 + 3] = 255;
  }
  return rgba.buffer;
}

function pngjsInput(c: Case): Buffer {
  // pngjs takes native-endian 16-bit samples in a Buffer and swaps them itself.
  return Buffer.from(c.data.buffer, c.data.byteOffset, c.data.byteLength);
}

const DEFAULT = zlib.Z_DEFAULT_STRATEGY;
const RLE = zlib.Z_RLE;

type Encoder = { name: string; note?: (c: Case) => string | undefined; run: (c: Case) => Uint8Array | ArrayBuffer | Buffer };

const encoders: Encoder[] = [
  {
    name: 'upng-js 2.1.0 (RGBA8, lossless)',
    note: (c) => (c.bitDepth === 16 ? '8-bit only' : undefined),
    run: (c) => UPNG.encode([toRgba8(c)], c.width, c.height, 0),
  },
  {
    name: 'pngjs default (level 9, adaptive)',
    run: (c) => {
      const png = new PNG({ width: c.width, height: c.height, colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: c.bitDepth });
      png.data = pngjsInput(c);
      return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: c.bitDepth });
    },
  },
  {
    name: 'pngjs tuned (level 1, filter Up)',
    run: (c) => {
      const png = new PNG({ width: c.width, height: c.height, colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: c.bitDepth });
      png.data = pngjsInput(c);
      return PNG.sync.write(png, {
        colorType: 0,
        inputColorType: 0,
        inputHasAlpha: false,
        bitDepth: c.bitDepth,
        deflateLevel: 1,
        filterType: 2,
      });
    },
  },
  { name: 'ours (level 1, none, default strategy)', run: (c) => encodePng({ ...c, channels: 1 }, { level: 1, filter: 'none', strategy: DEFAULT }) },
  { name: 'ours (level 1, Up, default strategy)', run: (c) => encodePng({ ...c, channels: 1 }, { level: 1, filter: 'up', strategy: DEFAULT }) },
  { name: 'ours (level 1, none, Z_RLE)', run: (c) => encodePng({ ...c, channels: 1 }, { level: 1, filter: 'none', strategy: RLE }) },
  { name: 'ours (level 1, Up, Z_RLE) [default]', run: (c) => encodePng({ ...c, channels: 1 }) },
  { name: 'ours (level 6, Up, Z_RLE)', run: (c) => encodePng({ ...c, channels: 1 }, { level: 6, filter: 'up', strategy: RLE }) },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const runs = Number(process.argv[2] ?? 7);
const cases: Case[] = [
  { name: '512x512 16-bit', width: 512, height: 512, bitDepth: 16, data: makeImage(512, 512, 16) },
  { name: '2048x2048 8-bit', width: 2048, height: 2048, bitDepth: 8, data: makeImage(2048, 2048, 8) },
  { name: '2048x2048 16-bit', width: 2048, height: 2048, bitDepth: 16, data: makeImage(2048, 2048, 16) },
];

// A real CT slice from the shared corpus, when present: 8-bit window rendering and 16-bit output.
const corpus = resolve(process.env.DICOM_CORPUS ?? join(fileURLToPath(import.meta.url), '..', '..', '..', 'shared', 'corpus'));
const ctFile = join(corpus, 'external/cornerstone3D/CTImage_explicit_le.dcm');
if (existsSync(ctFile)) {
  const parsed = parseDicom(new Uint8Array(readFileSync(ctFile)));
  for (const bitDepth of [8, 16] as const) {
    const r = await renderPixels(parsed, { frame: 1, bitDepth });
    cases.unshift({ name: `CT 512x512 ${bitDepth}-bit`, width: r.width, height: r.height, bitDepth, data: r.data });
  }
}

console.log(`PNG encoders, median of ${runs} runs (Node ${process.version})\n`);
console.log(`${'image'.padEnd(18)} ${'encoder'.padEnd(38)} ${'ms'.padStart(9)} ${'bytes'.padStart(11)}  note`);
for (const c of cases) {
  for (const e of encoders) {
    for (let w = 0; w < 3; w++) e.run(c); // warm-up (JIT, zlib)
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const out = e.run(c);
      times.push(performance.now() - t0);
      bytes = out.byteLength;
    }
    console.log(`${c.name.padEnd(18)} ${e.name.padEnd(38)} ${median(times).toFixed(1).padStart(9)} ${String(bytes).padStart(11)}  ${e.note?.(c) ?? ''}`);
  }
  console.log('');
}
