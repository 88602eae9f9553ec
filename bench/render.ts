/**
 * In-process render benchmark: DICOM bytes -> PNG bytes, 8-bit and 16-bit, with the floor
 * beside it: the same run's time for one lookup-table pass over the stored values plus a
 * node:zlib level-1 deflate of the output (what any correct renderer must at least do). The
 * floor's table yields exactly the service's rendered values, so both compress the same image.
 */
import { deflateSync } from 'node:zlib';
import { vrLookup } from '../lib/dicom/dictionary.js';
import { dataSetToJson } from '../lib/dicom/json-model.js';
import { parseDicom } from '../lib/dicom/parse.js';
import { renderPixels, renderPng } from '../lib/render/render-frame.js';
import type { BenchImage } from './fixtures.js';
import { type Timing, time } from './measure.js';

export interface RenderRow {
  image: string;
  bitDepth: 8 | 16;
  render: Timing;
  floor: Timing;
  ratio: number;
  pngBytes: number;
  /** Size of the floor's deflate stream (no PNG filter), beside the service's PNG size. */
  floorBytes: number;
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

/**
 * The floor's lookup table: the one that maps each stored cell to the value the service
 * rendered for it (built once, outside the timing), so the floor deflates the same image the
 * service writes. A made-up table (an earlier version used `cell >> 8`) turns a CT into a
 * near-blank image that deflates several times faster than any real rendering of it.
 */
function floorLut(stored: Uint8Array | Uint16Array, rendered: Uint8Array | Uint16Array, bitDepth: 8 | 16): Uint8Array | Uint16Array {
  const lut = bitDepth === 8 ? new Uint8Array(65536) : new Uint16Array(65536);
  if (stored.length !== rendered.length) throw new Error('floor: rendered output does not match the stored cells');
  for (let i = 0; i < stored.length; i++) lut[stored[i]] = rendered[i];
  return lut;
}

function floorRun(input: ReturnType<typeof floorInput>, lut: Uint8Array | Uint16Array, bitDepth: 8 | 16): number {
  const { rows, cols, spp, stored } = input;
  const rowBytes = cols * spp * (bitDepth === 16 ? 2 : 1);
  const out = new Uint8Array(rows * (rowBytes + 1));
  if (bitDepth === 8) {
    for (let r = 0, o = 0, p = 0; r < rows; r++) {
      out[o++] = 0; // PNG filter byte 'None': the floor does no filtering
      for (let c = 0; c < cols * spp; c++) out[o++] = lut[stored[p++]];
    }
  } else {
    for (let r = 0, o = 0, p = 0; r < rows; r++) {
      out[o++] = 0;
      for (let c = 0; c < cols * spp; c++) {
        const v = lut[stored[p++]];
        out[o++] = v >> 8;
        out[o++] = v & 0xff;
      }
    }
  }
  // node:zlib's level 1 with its default strategy: what "deflate at level 1" means to a reader.
  return deflateSync(out, { level: 1 }).length;
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
      const rendered = await renderPixels(parseDicom(img.bytes, { vrLookup }), { frame: 1, bitDepth });
      const lut = floorLut(input.stored, rendered.data, bitDepth);
      let floorBytes = 0;
      const floor = await time(() => (floorBytes = floorRun(input, lut, bitDepth)), { runs });
      rows.push({ image: img.name, bitDepth, render, floor, ratio: render.median / floor.median, pngBytes, floorBytes });
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
