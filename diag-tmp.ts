import { readFileSync } from 'node:fs';
import { parseDicom } from './lib/dicom/parse.js';
import { vrLookup } from './lib/dicom/dictionary.js';
import { readImageInfo } from './lib/pixels/image-info.js';
import { decodeFrame } from './lib/pixels/decoders.js';
const f = process.argv[2]; const r = Number(process.argv[3]);
const parsed = parseDicom(new Uint8Array(readFileSync(f)), { vrLookup });
const info = readImageInfo(parsed);
const full = await decodeFrame(parsed, info, 0);
const red = await decodeFrame(parsed, info, 0, { resolutionLevel: r });
const W = info.columns, H = info.rows, k = 2 ** red.resolutionLevel!, w = Math.ceil(W / k), h = Math.ceil(H / k);
const range = (v: ArrayLike<number>) => { let a = Infinity, b = -Infinity; for (let i = 0; i < v.length; i++) { a = Math.min(a, v[i]); b = Math.max(b, v[i]); } return [a, b]; };
console.log('level', red.resolutionLevel, 'full range', range(full.values as any), 'reduced range', range(red.values as any), 'window', info.windows?.[0]);
for (const shift of [0, (k - 1) / 2, k / 2]) {
  let sum = 0, n = 0;
  for (let y = 0; y < h - 1; y++) for (let x = 0; x < w - 1; x++) {
    // box average of full pixels [x*k+shift, +k) (integer shift only; half shift by averaging two)
    let acc = 0, c = 0;
    const s0 = Math.floor(shift), frac = shift - s0;
    for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) {
      const yy = Math.min(H - 1, y * k + dy + s0), xx = Math.min(W - 1, x * k + dx + s0);
      let v = (full.values as any)[yy * W + xx];
      if (frac) v = (v + (full.values as any)[Math.min(H - 1, yy + 1) * W + Math.min(W - 1, xx + 1)]) / 2;
      acc += v; c++;
    }
    sum += Math.abs(acc / c - (red.values as any)[y * w + x]); n++;
  }
  console.log('shift', shift, 'stored MAD', (sum / n).toFixed(2));
}
