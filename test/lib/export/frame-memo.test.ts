import { describe, expect, it } from 'vitest';
import { vrLookup } from '../../../lib/dicom/dictionary.js';
import { parseDicom } from '../../../lib/dicom/parse.js';
import { FrameMemo } from '../../../lib/export/frame-memo.js';
import { decodeFrame } from '../../../lib/pixels/decoders.js';
import { readImageInfo } from '../../../lib/pixels/image-info.js';
import { makeImageDicom, makeImageElements, writeDicom } from '../../support/dicom-writer.js';
import { encodeRleFrame } from '../pixels/codecs/fixtures.js';
import { makeJ2kImageDicom } from '../../support/j2k-dicom.js';
import { renderPng } from '../../../lib/render/render-frame.js';

const RLE = '1.2.840.10008.1.2.5';
const image = { rows: 2, columns: 3, bitsAllocated: 8 as const, pixel: (_f: number, r: number, c: number) => r * 3 + c };

/** A 3 x 2 8-bit RLE Lossless file (PS3.5 Annex G), parsed anew each call (a new download). */
function rleFile() {
  const elements = makeImageElements(image).map((e) =>
    e.tag === '7FE00010' ? { tag: '7FE00010', vr: 'OB', undefinedLength: true, fragments: [encodeRleFrame([0, 1, 2, 3, 4, 5], 1, 1)] } : e,
  );
  return parseDicom(writeDicom({ transferSyntaxUid: RLE, elements: elements as never }), { vrLookup });
}

const decode = (parsed: ReturnType<typeof parseDicom>) => decodeFrame(parsed, readImageInfo(parsed), 0);

describe('FrameMemo', () => {
  it('keeps a compressed frame decoded: the next window on the file (even parsed again) skips the decode', async () => {
    const memo = new FrameMemo({ ttlMs: 60_000 });
    const first = rleFile();
    memo.attach(first, 'uploads/a.dcm');
    const decoded = await decode(first);
    expect(Array.from(decoded.values)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(memo.size).toBe(1);
    expect(memo.totalBytes).toBeGreaterThanOrEqual(6);
    expect(await decode(first)).toBe(decoded);
    // The same file read again from S3 after its parsed form left the memo of ready files.
    const again = rleFile();
    memo.attach(again, 'uploads/a.dcm');
    expect(await decode(again)).toBe(decoded);
    // Another file's key decodes its own.
    const other = rleFile();
    memo.attach(other, 'uploads/b.dcm');
    expect(await decode(other)).not.toBe(decoded);
    expect(memo.size).toBe(2);
  });

  it('leaves native files alone and keeps nothing when the memo is off or too small', async () => {
    const native = new FrameMemo({ ttlMs: 60_000 });
    const parsed = parseDicom(makeImageDicom(image), { vrLookup });
    native.attach(parsed, 'uploads/n.dcm');
    await decode(parsed);
    expect(native.size).toBe(0);

    for (const memo of [new FrameMemo({ ttlMs: 0 }), new FrameMemo({ ttlMs: 60_000, maxBytes: 10 })]) {
      const file = rleFile();
      memo.attach(file, 'uploads/a.dcm');
      const d = await decode(file);
      expect(await decode(file)).not.toBe(d);
      expect(memo.size).toBe(0);
    }
  });

  it('drops the least recently used frame beyond its byte bound', async () => {
    const memo = new FrameMemo({ ttlMs: 60_000, maxBytes: 2 * (6 + 100) });
    for (const key of ['a', 'b', 'c']) {
      const f = rleFile();
      memo.attach(f, key);
      await decode(f);
    }
    expect(memo.size).toBe(2);
    expect(memo.totalBytes).toBeLessThanOrEqual(2 * (6 + 100));
  });

  it('keeps a JPEG 2000 frame decoded at a reduced resolution apart: it never answers a full-size request', async () => {
    const bytes = await makeJ2kImageDicom({ rows: 64, columns: 96, bitsStored: 12, pixel: (r, c) => (r * 40 + c * 11) & 0xfff, window: { center: 2048, width: 4096 } });
    const memo = new FrameMemo({ ttlMs: 60_000 });
    const parsed = parseDicom(bytes, { vrLookup });
    memo.attach(parsed, 'uploads/j.dcm');
    const info = readImageInfo(parsed);
    const reduced = await decodeFrame(parsed, info, 0, { resolutionLevel: 2 });
    expect(reduced.resolutionLevel).toBe(2);
    expect(reduced.values.length).toBe(24 * 16);
    expect(memo.size).toBe(1);
    // The full-size request decodes the full frame, kept beside the reduced one.
    const full = await decodeFrame(parsed, info, 0);
    expect(full.resolutionLevel).toBeUndefined();
    expect(full.values.length).toBe(96 * 64);
    expect(memo.size).toBe(2);
    expect(await decodeFrame(parsed, info, 0)).toBe(full);
    expect(await decodeFrame(parsed, info, 0, { resolutionLevel: 2 })).toBe(reduced);
    // Through the renderer: a thumbnail, then the full PNG of the same file parsed anew.
    const again = parseDicom(bytes, { vrLookup });
    memo.attach(again, 'uploads/k.dcm');
    expect((await renderPng(again, { frame: 1, bitDepth: 8, size: 24 })).width).toBe(24);
    expect(memo.size).toBe(3);
    const png = await renderPng(again, { frame: 1, bitDepth: 8 });
    expect([png.width, png.height]).toEqual([96, 64]);
    expect(memo.size).toBe(4);
  });

  it('a decoder that cannot reduce (RLE) keeps its frame once, whatever level was asked', async () => {
    const memo = new FrameMemo({ ttlMs: 60_000 });
    const file = rleFile();
    memo.attach(file, 'uploads/a.dcm');
    const info = readImageInfo(file);
    const asked = await decodeFrame(file, info, 0, { resolutionLevel: 3 });
    expect(asked.resolutionLevel).toBeUndefined();
    expect(await decodeFrame(file, info, 0)).toBe(asked);
    expect(memo.size).toBe(1);
  });
});
