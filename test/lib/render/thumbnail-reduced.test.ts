/**
 * Thumbnails of JPEG 2000 / HTJ2K frames decoded at a reduced resolution (issue 15): same size as
 * a full decode + downscale, pixel values close, and the reduced path really taken.
 */
import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { vrLookup } from '../../../lib/dicom/dictionary.js';
import { parseDicom, type ParsedDicom } from '../../../lib/dicom/parse.js';
import { keepDecodedFrames, type DecodedStored } from '../../../lib/pixels/decoders.js';
import { fitWithin } from '../../../lib/render/fit-within.js';
import { renderPixels, renderPng, type RenderRequest } from '../../../lib/render/render-frame.js';
import { makeOverlayElements } from '../../support/dicom-writer.js';
import { makeJ2kImageDicom, type J2kImageOptions } from '../../support/j2k-dicom.js';

const ROWS = 384;
const COLUMNS = 512;
const MAX = 4095;

/**
 * A 12-bit scene: a diagonal gradient, a bright disk and a dark rectangle with sharp edges, and
 * a little deterministic noise (+-16) so the codestream is not trivially flat.
 */
function scene(r: number, c: number): number {
  let v = ((r + c) / (ROWS + COLUMNS)) * 2400 + 400;
  if ((r - 190) ** 2 + (c - 300) ** 2 < 90 ** 2) v = 3600;
  if (r >= 40 && r < 120 && c >= 50 && c < 180) v = 150;
  const noise = ((Math.imul(r * 7919 + c, 2654435761) >>> 0) % 33) - 16;
  return Math.max(0, Math.min(MAX, Math.round(v + noise)));
}

const base: J2kImageOptions = { rows: ROWS, columns: COLUMNS, bitsStored: 12, pixel: scene, window: { center: 2048, width: 4096 } };

/** Parsed with a spy store (decodeFrame's hook for kept frames): records the level asked and what the decoder gave. */
function parsedWithSpy(bytes: Uint8Array): { parsed: ParsedDicom; decodes: { level: number; decoded: DecodedStored }[] } {
  const parsed = parseDicom(bytes, { vrLookup });
  const decodes: { level: number; decoded: DecodedStored }[] = [];
  keepDecodedFrames(parsed, { get: () => undefined, set: (_frame, level, decoded) => decodes.push({ level, decoded }) });
  return { parsed, decodes };
}

/** The 8-bit greyscale samples of a PNG (pngjs hands back RGBA). */
function greyOf(png: Uint8Array): { width: number; height: number; data: number[] } {
  const img = PNG.sync.read(Buffer.from(png));
  const data: number[] = [];
  for (let i = 0; i < img.width * img.height; i++) data.push(img.data[i * 4]);
  return { width: img.width, height: img.height, data };
}

/** Full decode + downscale (what the service did before) against renderPng's thumbnail. */
async function compare(bytes: Uint8Array, req: RenderRequest) {
  const full = fitWithin(await renderPixels(parseDicom(bytes, { vrLookup }), { ...req, size: undefined }), req.size!);
  const { parsed, decodes } = parsedWithSpy(bytes);
  const out = await renderPng(parsed, req);
  const got = greyOf(out.png);
  let sum = 0;
  let max = 0;
  for (let i = 0; i < full.data.length; i++) {
    const d = Math.abs(full.data[i] - got.data[i]);
    sum += d;
    max = Math.max(max, d);
  }
  return { full, out, got, mad: sum / full.data.length, max, decodes };
}

describe('thumbnails of JPEG 2000 decoded at a reduced resolution', () => {
  for (const htj2k of [false, true]) {
    const name = htj2k ? 'HTJ2K (OpenJPH)' : 'JPEG 2000 (OpenJPEG)';
    it(`${name} 512 x 384 12-bit, size=64: level 3 decoded (64 x 48), the same 64 x 48 PNG as full decode + downscale, values close`, async () => {
      const bytes = await makeJ2kImageDicom({ ...base, htj2k });
      const { full, out, got, mad, max, decodes } = await compare(bytes, { frame: 1, bitDepth: 8, size: 64 });
      // 512 / 2^3 = 64 equals the target's width: level 3 is the deepest not below the target.
      expect(decodes).toHaveLength(1);
      expect(decodes[0].level).toBe(3);
      expect(decodes[0].decoded.resolutionLevel).toBe(3);
      expect(decodes[0].decoded.values.length).toBe(64 * 48);
      expect([out.width, out.height]).toEqual([full.width, full.height]);
      expect([got.width, got.height]).toEqual([64, 48]);
      // Mean: the LL band is a low-pass image of the same area, so only edges differ.
      expect(mad).toBeLessThanOrEqual(2);
      // Max: only at the disk's and the rectangle's edges, where the 5/3 low-pass and the box
      // put a different share of each side into the pixel. The sharpest edge is 150 -> 3600
      // stored, 215 8-bit levels under this window. Both step responses are 1/2 at the edge; the
      // level-3 LL band's spreads over about 29 full-size pixels (5 taps at each of 3 levels)
      // against the box's 8, so 4 pixels from the edge, where the box is already at 0 or 1, it
      // is still about a quarter short: 215 / 4 ~ 54, plus the noise (+-16 stored, 1 level): 56.
      // Measured: 23.
      expect(max).toBeLessThanOrEqual(56);
    });
  }

  it('size=100 of 512 x 384 (target 100 x 75): level 2 (128 x 96), never a level below the target', async () => {
    const bytes = await makeJ2kImageDicom(base);
    const { out, mad, decodes } = await compare(bytes, { frame: 1, bitDepth: 8, size: 100 });
    expect(decodes[0].level).toBe(2);
    expect(decodes[0].decoded.values.length).toBe(128 * 96);
    expect([out.width, out.height]).toEqual([100, 75]);
    expect(mad).toBeLessThanOrEqual(2);
  });

  it('the level is capped by the codestream’s decomposition levels (COD NL = 1)', async () => {
    const bytes = await makeJ2kImageDicom({ ...base, levels: 1 });
    const { out, decodes, mad } = await compare(bytes, { frame: 1, bitDepth: 8, size: 64 });
    expect(decodes[0].level).toBe(3); // asked
    expect(decodes[0].decoded.resolutionLevel).toBe(1); // what the codestream allows
    expect(decodes[0].decoded.values.length).toBe(256 * 192);
    expect([out.width, out.height]).toEqual([64, 48]);
    expect(mad).toBeLessThanOrEqual(2);
  });

  it('full size when something needs it: no size, a thumbnail no smaller than the image, overlays burned in, a min-max window', async () => {
    const bytes = await makeJ2kImageDicom(base);
    const levelsFor = async (b: Uint8Array, req: RenderRequest) => {
      const { parsed, decodes } = parsedWithSpy(b);
      await renderPng(parsed, req);
      return decodes.map((d) => d.decoded.resolutionLevel ?? 0);
    };
    expect(await levelsFor(bytes, { frame: 1, bitDepth: 8 })).toEqual([0]);
    expect(await levelsFor(bytes, { frame: 1, bitDepth: 8, size: 512 })).toEqual([0]);
    // renderPixels (conformance, pre-render) is always full size.
    const { parsed, decodes } = parsedWithSpy(bytes);
    expect((await renderPixels(parsed, { frame: 1, bitDepth: 8, size: 64 })).width).toBe(COLUMNS);
    expect(decodes[0].level).toBe(0);

    const overlay = makeOverlayElements({ rows: ROWS, columns: COLUMNS, bit: (_f, r, c) => r === c });
    const withOverlay = await makeJ2kImageDicom({ ...base, extra: overlay });
    expect(await levelsFor(withOverlay, { frame: 1, bitDepth: 8, size: 64 })).toEqual([0]);
    // overlays=false: nothing needs the full frame any more.
    expect(await levelsFor(withOverlay, { frame: 1, bitDepth: 8, size: 64, overlays: false })).toEqual([3]);

    const noWindow = await makeJ2kImageDicom({ ...base, window: undefined });
    expect(await levelsFor(noWindow, { frame: 1, bitDepth: 8, size: 64 })).toEqual([0]);
    // A requested window does not depend on the frame's range.
    expect(await levelsFor(noWindow, { frame: 1, bitDepth: 8, size: 64, window: { center: 2000, width: 3000, fn: 'linear' } })).toEqual([3]);
  });

  it('bitDepth=16 thumbnails are reduced too, with the same dimensions', async () => {
    const bytes = await makeJ2kImageDicom(base);
    const full = fitWithin(await renderPixels(parseDicom(bytes, { vrLookup }), { frame: 1, bitDepth: 16 }), 64);
    const { parsed, decodes } = parsedWithSpy(bytes);
    const out = await renderPng(parsed, { frame: 1, bitDepth: 16, size: 64 });
    expect(decodes[0].decoded.resolutionLevel).toBe(3);
    expect([out.width, out.height]).toEqual([full.width, full.height]);
  });
});
