import { describe, expect, it } from 'vitest';
import { parseDicom } from '../../../lib/dicom/parse.js';
import { colourToRgb } from '../../../lib/render/colour.js';
import { renderPixels } from '../../../lib/render/render-frame.js';
import { makeImageDicom } from '../../support/dicom-writer.js';

describe('colour stage (PS3.3 C.7.6.3.1.2)', () => {
  it('YBR_FULL -> RGB as dcmtk: primaries come back; neutral G is one lower (dcmtk truncates each chroma term)', () => {
    const v = new Int32Array([128, 128, 128, 76, 85, 255, 255, 128, 128, 0, 128, 128]);
    const rgb = Array.from(colourToRgb(v, 'YBR_FULL', 8, 8));
    // G = 128 - trunc(0.3441 * 128) - trunc(0.7141 * 128 - 0.5291 * 255) = 128 - 44 + 43 = 127,
    // bit-identical with dcm2pnm 3.6.7 on the corpus (test/conformance/render.test.ts).
    expect(rgb.slice(0, 3)).toEqual([128, 127, 128]);
    expect(rgb[3]).toBeGreaterThanOrEqual(253); // pure red
    expect(rgb[4]).toBeLessThanOrEqual(1);
    expect(rgb.slice(6, 9)).toEqual([255, 254, 255]);
    expect(rgb.slice(9, 12)).toEqual([0, 0, 0]);
  });

  it('YBR_RCT is exactly reversible (ISO 15444-1 G.2)', () => {
    // RGB (200, 100, 50): Y = floor((R + 2G + B) / 4) = 112, Cb = B - G + 128 = 78, Cr = R - G + 128 = 228.
    expect(Array.from(colourToRgb(new Int32Array([112, 78, 228]), 'YBR_RCT', 8, 8))).toEqual([200, 100, 50]);
  });

  it('keeps the top 8 bits of deeper samples for 8-bit output and scales 8-bit samples by 257 for 16-bit', () => {
    expect(Array.from(colourToRgb(new Uint16Array([0xffff, 0x8000, 0x00ff]), 'RGB', 16, 8))).toEqual([0xff, 0x80, 0x00]);
    expect(Array.from(colourToRgb(new Uint8Array([255, 1, 0]), 'RGB', 8, 16))).toEqual([65535, 257, 0]);
  });

  it('renders native YBR_FULL end to end as RGB', async () => {
    const parsed = parseDicom(
      makeImageDicom({ rows: 1, columns: 1, bitsAllocated: 8, samplesPerPixel: 3, extra: [{ tag: '00280004', vr: 'CS', value: 'YBR_FULL' }], pixel: (_f, _r, _c, s) => [255, 128, 128][s] }),
    );
    const r = await renderPixels(parsed, { frame: 1, bitDepth: 8 });
    expect(Array.from(r.data)).toEqual([255, 254, 255]);
  });
});
