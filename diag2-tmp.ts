import { readFileSync } from 'node:fs';
import { parseDicom } from './lib/dicom/parse.js';
import { vrLookup } from './lib/dicom/dictionary.js';
import { renderPixels } from './lib/render/render-frame.js';
import * as dec from './lib/pixels/decoders.js';
import { fitWithin } from './lib/render/fit-within.js';
// (a) box-averaged stored values (2^r) rendered, vs full render; via monkeypatching decodeFrame is hard; emulate: render full with a window, and render a "stored-averaged" variant by building values.
const f = process.argv[2]; const r = Number(process.argv[3]); const size = Number(process.argv[4]);
const parsed = parseDicom(new Uint8Array(readFileSync(f)), { vrLookup });
const full = await renderPixels(parsed, { frame: 1, bitDepth: 8 });
const ref = fitWithin(full, size);
// build box-averaged stored frame at level r and render it via the store hook
const { readImageInfo } = await import('./lib/pixels/image-info.js');
const info = readImageInfo(parsed);
const d = await dec.decodeFrame(parsed, info, 0);
const W = info.columns, H = info.rows, k = 2 ** r, w = Math.ceil(W / k), h = Math.ceil(H / k);
const out = new Int32Array(w * h);
for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) { let a = 0, c = 0; for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) { const yy = y * k + dy, xx = x * k + dx; if (yy < H && xx < W) { a += (d.values as any)[yy * W + xx]; c++; } } out[y * w + x] = Math.round(a / c); }
const parsed2 = parseDicom(new Uint8Array(readFileSync(f)), { vrLookup });
dec.keepDecodedFrames(parsed2, { get: (i, l) => (l > 0 ? { values: out, photometric: d.photometric, resolutionLevel: r } : undefined), set: () => {} });
const { renderPng } = await import('./lib/render/render-frame.js');
const { PNG } = await import('pngjs');
const png = PNG.sync.read(Buffer.from((await renderPng(parsed2, { frame: 1, bitDepth: 8, size })).png));
let s = 0; for (let i = 0; i < ref.data.length; i++) s += Math.abs(ref.data[i] - png.data[i * 4]);
console.log('box-average-then-window vs window-then-average MAD', (s / ref.data.length).toFixed(2));
