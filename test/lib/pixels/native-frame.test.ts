import { describe, expect, it } from 'vitest';
import { parseDicom } from '../../../lib/dicom/parse.js';
import { readImageInfo } from '../../../lib/pixels/image-info.js';
import { decodeFrame } from '../../../lib/pixels/decoders.js';
import { extractNativeFrame } from '../../../lib/pixels/native-frame.js';
import { DomainError } from '../../../lib/errors.js';
import {
  TS_DEFLATED_LE,
  TS_EXPLICIT_BE,
  TS_EXPLICIT_LE,
  TS_IMPLICIT_LE,
  makeImageDicom,
  writeDicom,
  makeImageElements,
  type MakeImageOptions,
} from '../../support/dicom-writer.js';

const decode = (o: MakeImageOptions, frame = 0) => {
  const parsed = parseDicom(makeImageDicom(o));
  return Array.from(decodeFrame(parsed, readImageInfo(parsed), frame));
};

const ALL_NATIVE = [TS_IMPLICIT_LE, TS_EXPLICIT_LE, TS_EXPLICIT_BE, TS_DEFLATED_LE];

describe('native frame extraction (PS3.5 8.1.1, 8.2)', () => {
  it('reads 8-bit unsigned values in every native transfer syntax', () => {
    for (const transferSyntaxUid of ALL_NATIVE) {
      // 3 x 3 = 9 bytes: odd length, padded on disk.
      expect(decode({ rows: 3, columns: 3, bitsAllocated: 8, transferSyntaxUid, pixel: (_f, r, c) => r * 100 + c * 20 + 5 })).toEqual([
        5, 25, 45, 105, 125, 145, 205, 225, 245,
      ]);
    }
  });

  it('reads 16-bit signed and unsigned values in every native transfer syntax', () => {
    for (const transferSyntaxUid of ALL_NATIVE) {
      const signed = [-32768, -1024, -1, 0, 1, 32767];
      expect(decode({ rows: 2, columns: 3, bitsAllocated: 16, pixelRepresentation: 1, transferSyntaxUid, pixel: (_f, r, c) => signed[r * 3 + c] })).toEqual(signed);
      const unsigned = [0, 1, 255, 256, 4095, 65535];
      expect(decode({ rows: 2, columns: 3, bitsAllocated: 16, transferSyntaxUid, pixel: (_f, r, c) => unsigned[r * 3 + c] })).toEqual(unsigned);
    }
  });

  it('masks bits above High Bit (Bits Stored 12 with overlay/garbage bits 12-15)', () => {
    // Cell = garbage nibble 0xA in bits 12-15 | 12-bit value.
    const values = [0, 1, 2047, 2048, 4095, 1234];
    const cells = values.map((v) => 0xa000 | v);
    expect(decode({ rows: 1, columns: 6, bitsAllocated: 16, bitsStored: 12, pixel: (_f, _r, c) => cells[c] })).toEqual(values);
  });

  it('sign-extends from High Bit for signed Bits Stored 12 (two\'s complement in 12 bits)', () => {
    // 12-bit two's complement: 0x800 = -2048, 0xFFF = -1, 0x7FF = 2047; top nibble is garbage.
    const cells = [0xf800, 0x5fff, 0x07ff, 0x3000, 0xcffb];
    expect(decode({ rows: 1, columns: 5, bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 1, pixel: (_f, _r, c) => cells[c] })).toEqual([
      -2048, -1, 2047, 0, -5,
    ]);
  });

  it('honours a High Bit other than Bits Stored - 1 (value in bits 4-15)', () => {
    const cells = [(100 << 4) | 0xf, (4095 << 4) | 0x3];
    expect(decode({ rows: 1, columns: 2, bitsAllocated: 16, bitsStored: 12, highBit: 15, pixel: (_f, _r, c) => cells[c] })).toEqual([100, 4095]);
  });

  it('reads each frame of a multi-frame image at its own offset', () => {
    const o: MakeImageOptions = { rows: 2, columns: 2, bitsAllocated: 16, frames: 3, pixel: (f, r, c) => f * 1000 + r * 10 + c };
    expect(decode(o, 0)).toEqual([0, 1, 10, 11]);
    expect(decode(o, 1)).toEqual([1000, 1001, 1010, 1011]);
    expect(decode(o, 2)).toEqual([2000, 2001, 2010, 2011]);
  });

  it('reads 32-bit unsigned and signed cells', () => {
    expect(decode({ rows: 1, columns: 3, bitsAllocated: 32, pixel: (_f, _r, c) => [0, 70000, 0xffffffff][c] })).toEqual([0, 70000, 4294967295]);
    for (const transferSyntaxUid of [TS_EXPLICIT_LE, TS_EXPLICIT_BE]) {
      expect(decode({ rows: 1, columns: 3, bitsAllocated: 32, pixelRepresentation: 1, transferSyntaxUid, pixel: (_f, _r, c) => [-70000, -1, 5][c] })).toEqual([
        -70000, -1, 5,
      ]);
    }
  });

  it('unpacks 1-bit cells LSB first, with frames that do not start on a byte boundary', () => {
    // 3 x 3 = 9 bits per frame: frame 2 starts at bit 9.
    const frame0 = [1, 0, 1, 1, 0, 0, 0, 1, 1];
    const frame1 = [0, 1, 1, 0, 1, 0, 1, 0, 0];
    const bits = [...frame0, ...frame1];
    const bytes = new Uint8Array(4);
    bits.forEach((b, i) => (bytes[i >> 3] |= b << (i & 7)));
    const elements = makeImageElements({ rows: 3, columns: 3, bitsAllocated: 8, frames: 2, pixel: () => 0 }).map((e) =>
      e.tag === '7FE00010' ? { ...e, vr: 'OB', value: bytes } : ['00280100', '00280101', '00280102'].includes(e.tag) ? { ...e, value: e.tag === '00280102' ? 0 : 1 } : e,
    );
    const parsed = parseDicom(writeDicom({ elements }));
    const info = readImageInfo(parsed);
    expect(info.bitsAllocated).toBe(1);
    expect(Array.from(decodeFrame(parsed, info, 0))).toEqual(frame0);
    expect(Array.from(decodeFrame(parsed, info, 1))).toEqual(frame1);
  });

  it('returns colour-by-plane data sample-interleaved', () => {
    const o = (planarConfiguration: 0 | 1): MakeImageOptions => ({
      rows: 1,
      columns: 2,
      bitsAllocated: 8,
      photometric: 'RGB',
      planarConfiguration,
      pixel: (_f, _r, c, s) => c * 100 + s,
    });
    expect(decode(o(1))).toEqual([0, 1, 2, 100, 101, 102]);
    expect(decode(o(0))).toEqual([0, 1, 2, 100, 101, 102]);
  });

  it('swaps byte pairs of 8-bit cells in a big endian OW element (PS3.5 A.3)', () => {
    // 8-bit cells packed in 16-bit words: the first cell is the low-order byte of the word
    // (PS3.5 8.1.1, Annex D). Words 0x0201, 0x0403 are bytes 02 01 04 03 on disk in big endian.
    const elements = makeImageElements({ rows: 1, columns: 4, bitsAllocated: 8, transferSyntaxUid: TS_EXPLICIT_BE, pixel: () => 0 }).map((e) =>
      e.tag === '7FE00010' ? { ...e, vr: 'OW', value: [0x0201, 0x0403] } : e,
    );
    const parsed = parseDicom(writeDicom({ transferSyntaxUid: TS_EXPLICIT_BE, elements }));
    const px = parsed.pixelElement!;
    expect(Array.from(parsed.byteArray.subarray(px.dataOffset, px.dataOffset + 4))).toEqual([2, 1, 4, 3]);
    expect(Array.from(decodeFrame(parsed, readImageInfo(parsed), 0))).toEqual([1, 2, 3, 4]);
  });

  it('reports truncated pixel data as MalformedDicom, not a crash, and still reads complete frames', () => {
    // Declares 3 frames of 2 x 2 x 16 bits (8 bytes each) but holds 20 bytes.
    const o: MakeImageOptions = { rows: 2, columns: 2, bitsAllocated: 16, frames: 3, pixel: (f) => f + 1 };
    const elements = makeImageElements(o).map((e) => (e.tag === '7FE00010' ? { ...e, value: (e.value as Uint8Array).subarray(0, 20) } : e));
    const parsed = parseDicom(writeDicom({ elements }));
    const info = readImageInfo(parsed);
    expect(Array.from(decodeFrame(parsed, info, 1))).toEqual([2, 2, 2, 2]);
    try {
      decodeFrame(parsed, info, 2);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      expect((e as DomainError).code).toBe('MalformedDicom');
      expect((e as DomainError).status).toBe(422);
      expect((e as DomainError).details).toMatchObject({ pixelDataLength: 20, requiredLength: 24, frame: 3 });
    }
  });

  it('refuses native chroma-subsampled YBR_FULL_422 instead of misreading it', () => {
    const parsed = parseDicom(makeImageDicom({ rows: 1, columns: 2, bitsAllocated: 8, samplesPerPixel: 3, extra: [{ tag: '00280004', vr: 'CS', value: 'YBR_FULL_422' }], pixel: () => 0 }));
    expect(() => extractNativeFrame(parsed.byteArray, readImageInfo(parsed), 0, true)).toThrow(/YBR_FULL_422/);
  });
});
