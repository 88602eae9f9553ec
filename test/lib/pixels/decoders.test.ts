import { describe, expect, it } from 'vitest';
import { deflateRawSync } from 'node:zlib';
import { parseDicom } from '../../../lib/dicom/parse.js';
import { readImageInfo } from '../../../lib/pixels/image-info.js';
import { FRAME_DECODERS, NATIVE_TRANSFER_SYNTAXES, decodeFrame, decoderFor, withinBitsStored } from '../../../lib/pixels/decoders.js';
import { CODECS } from '../../../lib/pixels/codecs/index.js';
import { DomainError } from '../../../lib/errors.js';
import { makeImageElements, writeDicom } from '../../support/dicom-writer.js';

describe('transfer syntax -> frame decoder table', () => {
  it('has the native transfer syntaxes and every codec of lib/pixels/codecs', () => {
    expect(Object.keys(FRAME_DECODERS).sort()).toEqual(
      [...NATIVE_TRANSFER_SYNTAXES, '1.2.840.10008.1.2.1.98', '1.2.840.10008.1.2.8.1', ...Object.keys(CODECS)].sort(),
    );
    for (const uid of ['1.2.840.10008.1.2.5', '1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.70', '1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.201']) {
      expect(FRAME_DECODERS[uid], uid).toBeTypeOf('function');
    }
  });

  it('refuses every other transfer syntax with UnsupportedTransferSyntax (422) naming UID and name', () => {
    for (const [uid, name] of [
      ['1.2.840.10008.1.2.4.100', 'unknown transfer syntax'],
      ['1.2.3.4.5', 'unknown transfer syntax'],
    ]) {
      try {
        decoderFor(uid);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(DomainError);
        expect((e as DomainError).code).toBe('UnsupportedTransferSyntax');
        expect((e as DomainError).status).toBe(422);
        expect((e as DomainError).message).toContain(uid);
        expect((e as DomainError).message).toContain(name);
      }
    }
  });

  it('refuses an unsupported encapsulated object end to end, naming the UID', async () => {
    const elements = makeImageElements({ rows: 2, columns: 2, bitsAllocated: 8, pixel: () => 0 }).map((e) =>
      e.tag === '7FE00010' ? { ...e, value: new Uint8Array([0, 0, 1, 0xb3]), undefinedLength: true } : e,
    );
    const parsed = parseDicom(writeDicom({ transferSyntaxUid: '1.2.840.10008.1.2.4.100', elements }));
    await expect(decodeFrame(parsed, readImageInfo(parsed), 0)).rejects.toThrow(/1\.2\.840\.10008\.1\.2\.4\.100 \(/);
  });

  it('decodes RLE Lossless through the codec table (PS3.5 Annex G)', async () => {
    // One segment: literal run of 4 bytes 1 2 3 4.
    const header = new Uint8Array(64);
    new DataView(header.buffer).setUint32(0, 1, true);
    new DataView(header.buffer).setUint32(4, 64, true);
    const fragment = new Uint8Array([...header, 3, 1, 2, 3, 4, 0x80]);
    const elements = makeImageElements({ rows: 2, columns: 2, bitsAllocated: 8, pixel: () => 0 }).map((e) =>
      e.tag === '7FE00010' ? { ...e, value: fragment, undefinedLength: true } : e,
    );
    const parsed = parseDicom(writeDicom({ transferSyntaxUid: '1.2.840.10008.1.2.5', elements }));
    const d = await decodeFrame(parsed, readImageInfo(parsed), 0);
    expect(Array.from(d.values)).toEqual([1, 2, 3, 4]);
    expect(d.photometric).toBe('MONOCHROME2');
  });

  it('decodes Deflated Image Frame Compression and Encapsulated Uncompressed frames (PS3.5 A.4.11, A.4.12)', async () => {
    const frames = [new Uint8Array([1, 2, 3, 4]), new Uint8Array([5, 6, 7, 8])];
    for (const [uid, encode] of [
      ['1.2.840.10008.1.2.8.1', (b: Uint8Array) => new Uint8Array(deflateRawSync(b))],
      ['1.2.840.10008.1.2.1.98', (b: Uint8Array) => b],
    ] as const) {
      const elements = makeImageElements({ rows: 2, columns: 2, bitsAllocated: 8, frames: 2, pixel: () => 0 }).map((e) =>
        e.tag === '7FE00010' ? { ...e, value: new Uint8Array(0), fragments: frames.map(encode), undefinedLength: true } : e,
      );
      const parsed = parseDicom(writeDicom({ transferSyntaxUid: uid, elements }));
      const info = readImageInfo(parsed);
      expect(Array.from((await decodeFrame(parsed, info, 1)).values), uid).toEqual([5, 6, 7, 8]);
    }
  });

  it('keeps codec output within Bits Stored (PS3.5 8.1.1): high bits cleared, sign from the high bit', () => {
    expect(Array.from(withinBitsStored(new Uint16Array([0x0fff, 0x1001]), 12, false))).toEqual([0x0fff, 1]);
    expect(Array.from(withinBitsStored(new Int16Array([0x3fff, 0x4000, -1]), 15, true))).toEqual([0x3fff, -0x4000, -1]);
    const inRange = new Int16Array([-5, 5]);
    expect(withinBitsStored(inRange, 12, true)).toBe(inRange);
  });

  it('refuses encapsulated pixel data under a native transfer syntax as MalformedDicom', async () => {
    const elements = makeImageElements({ rows: 2, columns: 2, bitsAllocated: 8, pixel: () => 0 }).map((e) =>
      e.tag === '7FE00010' ? { ...e, value: new Uint8Array([1, 2, 3, 4]), undefinedLength: true } : e,
    );
    const parsed = parseDicom(writeDicom({ elements }));
    try {
      await decodeFrame(parsed, readImageInfo(parsed), 0);
      expect.unreachable();
    } catch (e) {
      expect((e as DomainError).code).toBe('MalformedDicom');
      expect((e as DomainError).message).toMatch(/encapsulated/);
    }
  });
});
