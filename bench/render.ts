/**
 * In-process render benchmark: DICOM bytes -> PNG bytes, 8-bit and 16-bit, with the floor
 * beside it: the same run's time for one lookup-table pass over the stored values plus a
 * node:zlib level-1 deflate of the output (what any correct renderer must at least do).
 */
import { deflateSync } from 'node:zlib';
import { vrLookup } from '../lib/dicom/dictionary.js';
import { dataSetToJson } from '../lib/dicom/json-model.js';
import { parseDicom } from '../lib/dicom/parse.js';
import { renderPng } from '../lib/render/render-frame.js';
import type { BenchImage } from './fixtures.js';
import { type Timing, time } from './measure.js';

export interface RenderRow {
  image: string;
  bitDepth: 8 | 16;
  render: Timing;
  floor: Timing;
  ratio: number;
  pngBytes: number;
}

/** Pixels of the first frame as the floor sees them: a plain view, no DICOM logic. */
function floorInput(img: BenchImage) {
  const parsed = parseDicom(img.bytes);
  const el = parsed.pixelElement!;
  const rows = parsed.dataSet.uint16('x00280010')!;
  const cols = parsed.dataSet.uint16('x00280011')!;
  const spp = parsed.dataSet.uint16('x00280002') ?? 1;
  const bits = parsed.dataSet.uint16('x00280100')!;
  const n = rows * cols * spp;
  const start = parsed.byteArray.byteOffset + el.dataOffset;
  const stored =
    bits === 16 ? new Uint16Array(parsed.byteArray.buffer.slice(start, start + n * 2)) : parsed.byteArray.slice(el.dataOffset, el.dataOffset + n);
  return { rows, cols, spp, stored };
}

function floorRun(input: ReturnType<typeof floorInput>, bitDepth: 8 | 16): void {
  const { rows, cols, spp, stored } = input;
  const rowBytes = cols * spp * (bitDepth === 16 ? 2 : 1);
  const out = new Uint8Array(rows * (rowBytes + 1));
  if (bitDepth === 8) {
    const lut = new Uint8Array(65536);
    for (let i = 0; i < 65536; i++) lut[i] = i >> 8;
    for (let r = 0, o = 0, p = 0; r < rows; r++) {
      out[o++] = 2; // PNG 'Up' filter byte (the values are not filtered: a floor, not a PNG)
      for (let c = 0; c < cols * spp; c++) out[o++] = lut[stored[p++]];
    }
  } else {
    const lut = new Uint16Array(65536);
    for (let i = 0; i < 65536; i++) lut[i] = i;
    for (let r = 0, o = 0, p = 0; r < rows; r++) {
      out[o++] = 2;
      for (let c = 0; c < cols * spp; c++) {
        const v = lut[stored[p++]];
        out[o++] = v >> 8;
        out[o++] = v & 0xff;
      }
    }
  }
  deflateSync(out, { level: 1 });
}

export async function benchRender(images: BenchImage[], runs: number): Promise<RenderRow[]> {
  const rows: RenderRow[] = [];
  for (const img of images) {
    const input = floorInput(img);
    for (const bitDepth of [8, 16] as const) {
      if (bitDepth === 16 && input.spp !== 1) continue; // 16-bit output is greyscale only
      let pngBytes = 0;
      const render = await time(
        async () => {
          const out = await renderPng(parseDicom(img.bytes, { vrLookup }), { frame: 1, bitDepth });
          pngBytes = out.png.length;
        },
        { runs },
      );
      const floor = await time(() => floorRun(input, bitDepth), { runs });
      rows.push({ image: img.name, bitDepth, render, floor, ratio: render.median / floor.median, pngBytes });
    }
  }
  return rows;
}

export interface HeaderParseRow {
  image: string;
  parse: Timing;
  json: Timing;
}

export async function benchHeaderParse(images: BenchImage[], runs: number): Promise<HeaderParseRow[]> {
  const out: HeaderParseRow[] = [];
  for (const img of images) {
    const head = img.bytes.subarray(0, Math.min(img.bytes.length, 64 * 1024));
    const parse = await time(() => parseDicom(head, { untilPixelData: true, complete: false, vrLookup }), { runs });
    const parsed = parseDicom(head, { untilPixelData: true, complete: false, vrLookup });
    const json = await time(() => dataSetToJson(parsed), { runs });
    out.push({ image: img.name, parse, json });
  }
  return out;
}
