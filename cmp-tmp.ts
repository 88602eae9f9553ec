import { readFileSync } from 'node:fs';
import { parseDicom } from '/work/wt/j2kres/lib/dicom/parse.js';
import { vrLookup } from '/work/wt/j2kres/lib/dicom/dictionary.js';
import { renderPixels, renderPng } from '/work/wt/j2kres/lib/render/render-frame.js';
import { fitWithin } from '/work/wt/j2kres/lib/render/fit-within.js';
import { PNG } from 'pngjs';
const decodePng = (b: Uint8Array) => PNG.sync.read(Buffer.from(b));
const files = process.argv.slice(2);
for (const f of files) {
  for (const size of [64, 128, 256]) {
    try {
      const parsed = parseDicom(new Uint8Array(readFileSync(f)), { vrLookup });
      const t0 = performance.now();
      const full = await renderPixels(parsed, { frame: 1, bitDepth: 8 });
      const ref = fitWithin(full, size);
      const t1 = performance.now();
      const parsed2 = parseDicom(new Uint8Array(readFileSync(f)), { vrLookup });
      const out = await renderPng(parsed2, { frame: 1, bitDepth: 8, size });
      const t2 = performance.now();
      const png = decodePng(out.png);
      let sum = 0, max = 0;
      const ch = ref.channels; for (let i = 0; i < ref.data.length; i++) { const px = Math.floor(i / ch), c = i % ch; const d = Math.abs(ref.data[i] - png.data[px * 4 + c]); sum += d; if (d > max) max = d; }
      console.log(f.split('/').pop(), size, `${full.width}x${full.height}`, `ref ${ref.width}x${ref.height} got ${out.width}x${out.height}`, 'mad', (sum / ref.data.length).toFixed(2), 'max', max, 'voi', JSON.stringify(full.voi), (t1 - t0).toFixed(0), (t2 - t1).toFixed(0));
    } catch (e) { console.log(f, size, 'ERR', (e as Error).message); }
  }
}
