/**
 * Thumbnails of the corpus's JPEG 2000 (.90/.91) and HTJ2K (.201/.203) files decoded at a reduced
 * resolution (issue 15) against a full decode + the same downscale, at size=128: the same
 * dimensions exactly, pixel values close. A file neither path can render fails the same way.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { corpusAvailable, corpusDir, corpusPath, loadManifest } from '../support/corpus.js';
import { parseDicom } from '../../lib/dicom/parse.js';
import { vrLookup } from '../../lib/dicom/dictionary.js';
import { keepDecodedFrames } from '../../lib/pixels/decoders.js';
import { fitWithin } from '../../lib/render/fit-within.js';
import { renderPixels, renderPng } from '../../lib/render/render-frame.js';
import { DomainError } from '../../lib/errors.js';

const WAVELET = new Set(['1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.91', '1.2.840.10008.1.2.4.201', '1.2.840.10008.1.2.4.203']);
const SIZE = 128;
/**
 * Mean absolute difference on the 8-bit output. Where the VOI is a narrow window over sharp
 * edges (CT 40/400 at air, bone), a full decode windows then averages, the reduced one averages
 * (the LL band) then windows, and the two differ along those edges; the worst in the corpus is
 * a 512 x 512 CT at 4.7. Elsewhere it stays under 3.
 */
const MAX_MEAN_DIFF = 6;

if (!corpusAvailable) console.warn(`JPEG 2000 thumbnail conformance NOT RUN: no corpus at ${corpusDir} (set DICOM_CORPUS)`);

const files = corpusAvailable ? loadManifest().files.filter((f) => WAVELET.has(f.transfer_syntax_uid ?? '')) : [];

const outcome = async <T>(f: () => Promise<T>): Promise<{ ok: T } | { error: string }> => {
  try {
    return { ok: await f() };
  } catch (e) {
    if (e instanceof DomainError) return { error: e.code };
    throw e;
  }
};

describe.skipIf(!corpusAvailable)(`JPEG 2000 thumbnails at a reduced resolution (corpus)${corpusAvailable ? '' : ' (NOT RUN: ../shared/corpus not found)'}`, () => {
  const reducedLevels = new Map<string, number>();

  it.each(files.map((f) => [f.path]))('%s: size=128 has the full decode + downscale dimensions and close values', async (path) => {
    const bytes = new Uint8Array(readFileSync(corpusPath(path)));
    const full = await outcome(async () => fitWithin(await renderPixels(parseDicom(bytes, { vrLookup }), { frame: 1, bitDepth: 8 }), SIZE));
    const parsed = parseDicom(bytes, { vrLookup });
    let level = 0;
    keepDecodedFrames(parsed, { get: () => undefined, set: (_frame, _asked, decoded) => void (level = decoded.resolutionLevel ?? 0) });
    const thumb = await outcome(() => renderPng(parsed, { frame: 1, bitDepth: 8, size: SIZE }));
    if ('error' in full || 'error' in thumb) {
      expect(thumb).toEqual(full);
      return;
    }
    reducedLevels.set(path, level);
    const expected = full.ok;
    const png = PNG.sync.read(Buffer.from(thumb.ok.png));
    expect([thumb.ok.width, thumb.ok.height]).toEqual([expected.width, expected.height]);
    expect([png.width, png.height]).toEqual([expected.width, expected.height]);
    let sum = 0;
    const ch = expected.channels;
    for (let i = 0; i < expected.data.length; i++) sum += Math.abs(expected.data[i] - png.data[Math.floor(i / ch) * 4 + (i % ch)]);
    const mean = sum / expected.data.length;
    expect(mean, `level ${level}`).toBeLessThanOrEqual(MAX_MEAN_DIFF);
  });

  it('the reduced path was taken where it should be: RG2_J2KR (1760 x 2140) at level 4', () => {
    expect(reducedLevels.get('external/wg04/RG2_J2KR.dcm')).toBe(4);
    expect([...reducedLevels.values()].filter((l) => l > 0).length).toBeGreaterThanOrEqual(5);
  });
});
