import fc from 'fast-check';
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

const decode = async (o: MakeImageOptions, frame = 0) => {
  const parsed = parseDicom(makeImageDicom(o));
  return Array.from((await decodeFrame(parsed, readImageInfo(parsed), frame)).values);
};

const ALL_NATIVE = [TS_IMPLICIT_LE, TS_EXPLICIT_LE, TS_EXPLICIT_BE, TS_DEFLATED_LE];

describe('native frame extraction (PS3.5 8.1.1, 8.2)', () => {
  it('reads 8-bit unsigned values in every native transfer syntax', async () => {
    for (const transferSyntaxUid of ALL_NATIVE) {
      // 3 x 3 = 9 bytes: odd length, padded on disk.
      expect(await decode({ rows: 3, columns: 3, bitsAllocated: 8, transferSyntaxUid, pixel: (_f, r, c) => r * 100 + c * 20 + 5 })).toEqual([
        5, 25, 45, 105, 125, 145, 205, 225, 245,
      ]);
    }
  });

  it('reads 16-bit signed and unsigned values in every native transfer syntax', async () => {
    for (const transferSyntaxUid of ALL_NATIVE) {
      const signed = [-32768, -1024, -1, 0, 1, 32767];
      expect(await decode({ rows: 2, columns: 3, bitsAllocated: 16, pixelRepresentation: 1, transferSyntaxUid, pixel: (_f, r, c) => signed[r * 3 + c] })).toEqual(signed);
      const unsigned = [0, 1, 255, 256, 4095, 65535];
      expect(await decode({ rows: 2, columns: 3, bitsAllocated: 16, transferSyntaxUid, pixel: (_f, r, c) => unsigned[r * 3 + c] })).toEqual(unsigned);
    }
  });

  it('masks bits above High Bit (Bits Stored 12 with overlay/garbage bits 12-15)', async () => {
    // Cell = garbage nibble 0xA in bits 12-15 | 12-bit value.
    const values = [0, 1, 2047, 2048, 4095, 1234];
    const cells = values.map((v) => 0xa000 | v);
    expect(await decode({ rows: 1, columns: 6, bitsAllocated: 16, bitsStored: 12, pixel: (_f, _r, c) => cells[c] })).toEqual(values);
  });

  it('sign-extends from High Bit for signed Bits Stored 12 (two\'s complement in 12 bits)', async () => {
    // 12-bit two's complement: 0x800 = -2048, 0xFFF = -1, 0x7FF = 2047; top nibble is garbage.
    const cells = [0xf800, 0x5fff, 0x07ff, 0x3000, 0xcffb];
    expect(await decode({ rows: 1, columns: 5, bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 1, pixel: (_f, _r, c) => cells[c] })).toEqual([
      -2048, -1, 2047, 0, -5,
    ]);
  });

  it('reads any Bits Stored / High Bit in 16-bit cells, signed or not, odd or even pixel count, as PS3.5 8.1.1 defines', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 15 }).chain((bitsStored) =>
          fc.record({
            bitsStored: fc.constant(bitsStored),
            highBit: fc.integer({ min: bitsStored - 1, max: 15 }),
            signed: fc.boolean(),
            columns: fc.integer({ min: 1, max: 9 }),
            cells: fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 9, maxLength: 9 }),
            transferSyntaxUid: fc.constantFrom(TS_EXPLICIT_LE, TS_EXPLICIT_BE),
          }),
        ),
        async ({ bitsStored, highBit, signed, columns, cells, transferSyntaxUid }) => {
          const shift = highBit - bitsStored + 1;
          // The definition, by arithmetic rather than bit tricks: bits shift..highBit, then two's complement.
          const expected = cells.slice(0, columns).map((cell) => {
            const v = Math.floor(cell / 2 ** shift) % 2 ** bitsStored;
            return signed && v >= 2 ** (bitsStored - 1) ? v - 2 ** bitsStored : v;
          });
          const got = await decode({ rows: 1, columns, bitsAllocated: 16, bitsStored, highBit, pixelRepresentation: signed ? 1 : 0, transferSyntaxUid, pixel: (_f, _r, c) => cells[c] });
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('honours a High Bit other than Bits Stored - 1 (value in bits 4-15)', async () => {
    const cells = [(100 << 4) | 0xf, (4095 << 4) | 0x3];
    expect(await decode({ rows: 1, columns: 2, bitsAllocated: 16, bitsStored: 12, highBit: 15, pixel: (_f, _r, c) => cells[c] })).toEqual([100, 4095]);
  });

  it('reads each frame of a multi-frame image at its own offset', async () => {
    const o: MakeImageOptions = { rows: 2, columns: 2, bitsAllocated: 16, frames: 3, pixel: (f, r, c) => f * 1000 + r * 10 + c };
    expect(await decode(o, 0)).toEqual([0, 1, 10, 11]);
    expect(await decode(o, 1)).toEqual([1000, 1001, 1010, 1011]);
    expect(await decode(o, 2)).toEqual([2000, 2001, 2010, 2011]);
  });

  it('reads 32-bit unsigned and signed cells', async () => {
    expect(await decode({ rows: 1, columns: 3, bitsAllocated: 32, pixel: (_f, _r, c) => [0, 70000, 0xffffffff][c] })).toEqual([0, 70000, 4294967295]);
    for (const transferSyntaxUid of [TS_EXPLICIT_LE, TS_EXPLICIT_BE]) {
      expect(await decode({ rows: 1, columns: 3, bitsAllocated: 32, pixelRepresentation: 1, transferSyntaxUid, pixel: (_f, _r, c) => [-70000, -1, 5][c] })).toEqual([
        -70000, -1, 5,
      ]);
    }
  });

  it('unpacks 1-bit cells LSB first, with frames that do not start on a byte boundary', async () => {
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
    expect(Array.from((await decodeFrame(parsed, info, 0)).values)).toEqual(frame0);
    expect(Array.from((await decodeFrame(parsed, info, 1)).values)).toEqual(frame1);
  });

  it('returns colour-by-plane data sample-interleaved', async () => {
    const o = (planarConfiguration: 0 | 1): MakeImageOptions => ({
      rows: 1,
      columns: 2,
      bitsAllocated: 8,
      photometric: 'RGB',
      planarConfiguration,
      pixel: (_f, _r, c, s) => c * 100 + s,
    });
    expect(await decode(o(1))).toEqual([0, 1, 2, 100, 101, 102]);
    expect(await decode(o(0))).toEqual([0, 1, 2, 100, 101, 102]);
  });

  it('swaps byte pairs of 8-bit cells in a big endian OW element (PS3.5 A.3)', async () => {
    // 8-bit cells packed in 16-bit words: the first cell is the low-order byte of the word
    // (PS3.5 8.1.1, Annex D). Words 0x0201, 0x0403 are bytes 02 01 04 03 on disk in big endian.
    const elements = makeImageElements({ rows: 1, columns: 4, bitsAllocated: 8, transferSyntaxUid: TS_EXPLICIT_BE, pixel: () => 0 }).map((e) =>
      e.tag === '7FE00010' ? { ...e, vr: 'OW', value: [0x0201, 0x0403] } : e,
    );
    const parsed = parseDicom(writeDicom({ transferSyntaxUid: TS_EXPLICIT_BE, elements }));
    const px = parsed.pixelElement!;
    expect(Array.from(parsed.byteArray.subarray(px.dataOffset, px.dataOffset + 4))).toEqual([2, 1, 4, 3]);
    expect(Array.from((await decodeFrame(parsed, readImageInfo(parsed), 0)).values)).toEqual([1, 2, 3, 4]);
  });

  it('reports truncated pixel data as TruncatedPixelData, not a crash, and still reads complete frames', async () => {
    // Declares 3 frames of 2 x 2 x 16 bits (8 bytes each) but holds 20 bytes.
    const o: MakeImageOptions = { rows: 2, columns: 2, bitsAllocated: 16, frames: 3, pixel: (f) => f + 1 };
    const elements = makeImageElements(o).map((e) => (e.tag === '7FE00010' ? { ...e, value: (e.value as Uint8Array).subarray(0, 20) } : e));
    const parsed = parseDicom(writeDicom({ elements }));
    const info = readImageInfo(parsed);
    expect(Array.from((await decodeFrame(parsed, info, 1)).values)).toEqual([2, 2, 2, 2]);
    try {
      await decodeFrame(parsed, info, 2);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      expect((e as DomainError).code).toBe('TruncatedPixelData');
      expect((e as DomainError).status).toBe(422);
      expect((e as DomainError).details).toMatchObject({ pixelDataLength: 20, requiredLength: 24, frame: 3, bytesExpected: 8, bytesPresent: 4 });
    }
  });

  it('upsamples native YBR_FULL_422 (Y1 Y2 Cb Cr per pixel pair, PS3.3 C.7.6.3.1.2) to full Y Cb Cr', async () => {
    // 1 x 4 pixels: two pairs, 8 bytes on disk.
    const packed = new Uint8Array([10, 20, 100, 200, 30, 40, 110, 210]);
    const elements = makeImageElements({ rows: 1, columns: 4, bitsAllocated: 8, samplesPerPixel: 3, pixel: () => 0, extra: [{ tag: '00280004', vr: 'CS', value: 'YBR_FULL_422' }] }).map((e) =>
      e.tag === '7FE00010' ? { ...e, value: packed } : e,
    );
    const parsed = parseDicom(writeDicom({ elements }));
    const d = await decodeFrame(parsed, readImageInfo(parsed), 0);
    expect(d.photometric).toBe('YBR_FULL');
    expect(Array.from(d.values)).toEqual([10, 100, 200, 20, 100, 200, 30, 110, 210, 40, 110, 210]);
  });

  it('refuses native YBR_PARTIAL_420 (defined only for compressed data) instead of misreading it', () => {
    const parsed = parseDicom(makeImageDicom({ rows: 2, columns: 2, bitsAllocated: 8, samplesPerPixel: 3, extra: [{ tag: '00280004', vr: 'CS', value: 'YBR_PARTIAL_420' }], pixel: () => 0 }));
    expect(() => extractNativeFrame(parsed.byteArray, readImageInfo(parsed), 0, true)).toThrow(/YBR_PARTIAL_420/);
  });

  it('reads Bits Allocated 12, two cells packed in three bytes (PS3.5 8.1.1, Annex D)', async () => {
    // Cells 0xABC, 0x123, 0xFFF, 0x001 -> bytes BC 3A 12 | FF 1F 00.
    const bytes = new Uint8Array([0xbc, 0x3a, 0x12, 0xff, 0x1f, 0x00]);
    const elements = makeImageElements({ rows: 2, columns: 2, bitsAllocated: 8, pixel: () => 0 }).map((e) =>
      e.tag === '7FE00010' ? { ...e, vr: 'OW', value: bytes } : ['00280100', '00280101'].includes(e.tag) ? { ...e, value: 12 } : e.tag === '00280102' ? { ...e, value: 11 } : e,
    );
    const parsed = parseDicom(writeDicom({ elements }));
    expect(Array.from((await decodeFrame(parsed, readImageInfo(parsed), 0)).values)).toEqual([0xabc, 0x123, 0xfff, 0x001]);
  });

  it('reads Float and Double Float Pixel Data (PS3.3 C.7.6.24) as float arrays', async () => {
    for (const [tag, vr, bits] of [['7FE00008', 'OF', 32], ['7FE00009', 'OD', 64]] as const) {
      const values = [-1.5, 0, 2.25, 1e6];
      const bytes = new Uint8Array(values.length * (bits / 8));
      const dv = new DataView(bytes.buffer);
      values.forEach((v, i) => (bits === 32 ? dv.setFloat32(i * 4, v, true) : dv.setFloat64(i * 8, v, true)));
      const elements = makeImageElements({ rows: 2, columns: 2, bitsAllocated: 32, pixel: () => 0 })
        .filter((e) => !['7FE00010', '00280101', '00280102', '00280103'].includes(e.tag))
        .map((e) => (e.tag === '00280100' ? { ...e, value: bits } : e));
      elements.push({ tag, vr, value: bytes });
      const parsed = parseDicom(writeDicom({ elements }));
      const d = await decodeFrame(parsed, readImageInfo(parsed), 0);
      expect(d.values).toBeInstanceOf(bits === 32 ? Float32Array : Float64Array);
      expect(Array.from(d.values)).toEqual(values);
    }
  });
});
