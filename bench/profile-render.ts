/**
 * Where a render of one frame spends its time, stage by stage, in process (no S3): decode of the
 * stored cells, the greyscale table and its pass, the PNG scanlines (Up filter) and deflate.
 * For the generated CT 512 and DX 2048; median of BENCH_RUNS. `npx tsx bench/profile-render.ts`
 */
import './bench-env.js';
import { deflateSync, constants as zc } from 'node:zlib';
import { vrLookup } from '../lib/dicom/dictionary.js';
import { parseDicom } from '../lib/dicom/parse.js';
import { decodeFrame } from '../lib/pixels/decoders.js';
import { frameImageInfo } from '../lib/pixels/functional-groups.js';
import { readImageInfo } from '../lib/pixels/image-info.js';
import { encodePng } from '../lib/png/encode-png.js';
import { encodeRendered, renderPixels } from '../lib/render/render-frame.js';
import { ct512, dx2048 } from './fixtures.js';
import { ms, table, time, timeCpu } from './measure.js';

const runs = Number(process.env.BENCH_RUNS ?? 20);
const rows: (string | number)[][] = [];
for (const img of [ct512(), dx2048()]) {
  const parsed = parseDicom(img.bytes, { vrLookup });
  const info = readImageInfo(parsed);
  const fi = frameImageInfo(parsed, info, 0);
  let w = 0;
  const req = () => ({ frame: 1, bitDepth: 8 as const, window: { center: 1000 + (w++ % 50), width: 4000, fn: 'linear' as const } });
  const px = await renderPixels(parsed, req());
  const steps: Array<[string, () => unknown]> = [
    ['readImageInfo', () => readImageInfo(parsed)],
    ['decodeFrame', () => decodeFrame(parsed, fi, 0)],
    ['renderPixels (info, decode, table, pass)', () => renderPixels(parsed, req())],
    ['encodePng (filter + deflate + crc)', () => encodeRendered(px)],
    ['encodePng filter none', () => encodePng({ width: px.width, height: px.height, bitDepth: 8, channels: 1, data: px.data }, { filter: 'none' })],
  ];
  for (const level of [1]) {
    for (const [sn, s] of [['rle', zc.Z_RLE], ['default', zc.Z_DEFAULT_STRATEGY], ['huffman', zc.Z_HUFFMAN_ONLY], ['filtered', zc.Z_FILTERED]] as const) {
      if (s === zc.Z_HUFFMAN_ONLY && level > 1) continue;
      const size = encodePng({ width: px.width, height: px.height, bitDepth: 8, channels: 1, data: px.data }, { level, strategy: s }).length;
      steps.push([`encodePng up, level ${level} ${sn} (${size} B)`, () => encodePng({ width: px.width, height: px.height, bitDepth: 8, channels: 1, data: px.data }, { level, strategy: s })]);
    }
  }
  const raw = new Uint8Array(px.data.length + px.height);
  steps.push(['deflateSync level 0 (stored) of the raw rows', () => deflateSync(raw, { level: 0 })]);
  for (const [step, fn] of steps) {
    const t = await time(fn, { runs, warmup: 3 });
    const c = await timeCpu(fn, { runs, warmup: 0 });
    rows.push([img.name, step, ms(t.median), ms(t.min), ms(c.median)]);
  }
}
process.stdout.write(`${table(['image', 'step', 'wall median ms', 'wall min ms', 'CPU median ms'], rows)}\n`);
