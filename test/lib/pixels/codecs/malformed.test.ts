/**
 * Malformed streams: truncated and garbage bitstreams give a DomainError from every codec —
 * never a raw number/string from WASM, a crash, a hang or a partly grey picture.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../../lib/errors.js';
import { parseDicom } from '../../../../lib/dicom/parse.js';
import { encapsulatedFrame } from '../../../../lib/pixels/encapsulated.js';
import { CODECS } from '../../../../lib/pixels/codecs/index.js';
import { corpusAvailable, corpusDir } from '../../../support/corpus.js';
import { decodeCorpusFile } from './corpus-helpers.js';
import { frameInfo } from './fixtures.js';

const garbage = (n: number, seed: number) => {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) out[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return out;
};

describe('garbage bytes -> DomainError for every transfer syntax', () => {
  for (const [uid, codec] of Object.entries(CODECS)) {
    it(uid, async () => {
      const info = frameInfo({ rows: 16, columns: 16, transferSyntaxUid: uid });
      for (const bytes of [new Uint8Array(0), garbage(300, 1), new Uint8Array([0xff, 0xd8, 0xff]), new Uint8Array([0xff, 0x4f, 0xff, 0x51, 0, 2])]) {
        await expect(codec(bytes, info)).rejects.toBeInstanceOf(DomainError);
      }
    });
  }
});

const SAMPLES: Array<[string, string]> = [
  ['1.2.840.10008.1.2.4.50', 'external/cornerstone3D/CTImage_jpeg_baseline_50.dcm'],
  ['1.2.840.10008.1.2.4.50', 'external/cornerstone3D/TestPattern_JPEG-Baseline_YBR422.dcm'],
  ['1.2.840.10008.1.2.4.51', 'external/cornerstone3D/CTImage_jpeg_extended_51.dcm'],
  ['1.2.840.10008.1.2.4.55', 'external/cornerstone3D/CTImage_jpeg_progressive_55.dcm'],
  ['1.2.840.10008.1.2.4.57', 'external/cornerstone3D/CTImage_jpeg_lossless_57.dcm'],
  ['1.2.840.10008.1.2.4.70', 'external/cornerstone3D/TestPattern_JPEG-Lossless_RGB.dcm'],
  ['1.2.840.10008.1.2.4.80', 'external/cornerstone3D/CTImage_jpegls_lossless_80.dcm'],
  ['1.2.840.10008.1.2.4.90', 'external/cornerstone3D/CTImage_j2k_lossless_90.dcm'],
  ['1.2.840.10008.1.2.4.91', 'external/cornerstone3D/CTImage_j2k_91.dcm'],
  ['1.2.840.10008.1.2.4.201', 'external/pydicom-data/HTJ2KLossless_08_RGB.dcm'],
  ['1.2.840.10008.1.2.5', 'external/cornerstone3D/CTImage_rle.dcm'],
];

describe.skipIf(!corpusAvailable)(`truncated and corrupted real streams${corpusAvailable ? '' : ' (NOT RUN: ../shared/corpus not found)'}`, () => {
  for (const [uid, path] of SAMPLES) {
    it(`${uid} ${path}`, { timeout: 60_000 }, async () => {
      const { info } = await decodeCorpusFile(path, 1);
      const parsed = parseDicom(new Uint8Array(readFileSync(join(corpusDir, path))));
      const stream = encapsulatedFrame(parsed, 0, 1);
      const codec = CODECS[uid];
      const outcomes: string[] = [];
      for (const cut of [0.5, 0.9]) {
        const truncated = stream.slice(0, Math.floor(stream.length * cut));
        const result = await codec(truncated, info).then(
          () => 'decoded',
          (e: unknown) => (e instanceof DomainError ? e.code : `raw throw ${String(e)}`),
        );
        outcomes.push(`cut ${cut}: ${result}`);
      }
      // Overwrite the middle of the entropy-coded data with garbage.
      const corrupted = stream.slice();
      corrupted.set(garbage(Math.min(2000, corrupted.length >> 2), 7), corrupted.length >> 1);
      const corruptResult = await codec(corrupted, info).then(
        () => 'decoded (corruption inside entropy data is not detectable by every codec)',
        (e: unknown) => (e instanceof DomainError ? e.code : `raw throw ${String(e)}`),
      );
      outcomes.push(`corrupted: ${corruptResult}`);
      console.log(`${uid} ${path}: ${outcomes.join('; ')}`);
      for (const o of outcomes) expect(o).not.toMatch(/raw throw/);
      // A truncated stream must never decode into a picture.
      expect(outcomes[0]).toMatch(/MalformedDicom/);
      expect(outcomes[1]).toMatch(/MalformedDicom/);
      // The codec still works after failures (a trapped WASM module is reloaded).
      await expect(codec(stream, info)).resolves.toBeDefined();
    });
  }
});
