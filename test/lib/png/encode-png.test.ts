import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { inflateSync } from 'node:zlib';
import { crc32, encodePng, type PngImage } from '../../../lib/png/encode-png.js';

interface Chunk {
  type: string;
  data: Uint8Array;
  crc: number;
}

/** Walks the chunk list (PNG spec 5.3) and recomputes every CRC. */
function chunks(png: Uint8Array): Chunk[] {
  expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: Chunk[] = [];
  let at = 8;
  while (at < png.length) {
    const len = dv.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const crc = dv.getUint32(at + 8 + len);
    expect((crc32(png.subarray(at + 4, at + 8 + len)) ^ 0xffffffff) >>> 0, `CRC of ${type}`).toBe(crc);
    out.push({ type, data: png.subarray(at + 8, at + 8 + len), crc });
    at += 12 + len;
  }
  expect(at).toBe(png.length);
  return out;
}

/** Deterministic pseudo-random samples so the test sees every byte value. */
function samples(n: number, max: number, seed = 1): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % (max + 1);
  });
}

function decode(png: Uint8Array) {
  return PNG.sync.read(Buffer.from(png), { skipRescale: true });
}

describe('encodePng', () => {
  it('CRC-32 matches the standard check value', () => {
    expect((crc32(new TextEncoder().encode('123456789')) ^ 0xffffffff) >>> 0).toBe(0xcbf43926);
  });

  for (const filter of ['none', 'up'] as const) {
    it(`writes 8-bit greyscale that pngjs decodes exactly (filter ${filter})`, () => {
      const width = 37;
      const height = 11;
      const data = Uint8Array.from(samples(width * height, 255));
      const png = encodePng({ width, height, bitDepth: 8, channels: 1, data }, { filter });
      const types = chunks(png).map((c) => c.type);
      expect(types).toEqual(['IHDR', 'IDAT', 'IEND']);
      const img = decode(png);
      expect([img.width, img.height]).toEqual([width, height]);
      for (let i = 0; i < width * height; i++) {
        expect(img.data[i * 4]).toBe(data[i]);
        expect(img.data[i * 4 + 3]).toBe(255);
      }
    });

    it(`writes 16-bit greyscale big endian that pngjs decodes exactly (filter ${filter})`, () => {
      const width = 13;
      const height = 9;
      const data = Uint16Array.from(samples(width * height, 65535, 7));
      data[0] = 0;
      data[1] = 65535;
      data[2] = 0x0102;
      const png = encodePng({ width, height, bitDepth: 16, channels: 1, data }, { filter });
      const ihdr = chunks(png)[0].data;
      expect(ihdr[8]).toBe(16);
      expect(ihdr[9]).toBe(0);
      const raw = inflateSync(chunks(png)[1].data);
      expect([raw[1], raw[2], raw[5], raw[6]]).toEqual([0, 0, 0x01, 0x02]); // row 0 is never Up-filtered
      const img = decode(png);
      const px = img.data as unknown as Uint16Array;
      for (let i = 0; i < width * height; i++) expect(px[i * 4]).toBe(data[i]);
    });

    it(`writes 8-bit RGB (filter ${filter})`, () => {
      const width = 5;
      const height = 4;
      const data = Uint8Array.from(samples(width * height * 3, 255, 3));
      const png = encodePng({ width, height, bitDepth: 8, channels: 3, data }, { filter });
      expect(chunks(png)[0].data[9]).toBe(2);
      const img = decode(png);
      for (let i = 0; i < width * height; i++) {
        expect([img.data[i * 4], img.data[i * 4 + 1], img.data[i * 4 + 2]]).toEqual([data[i * 3], data[i * 3 + 1], data[i * 3 + 2]]);
      }
    });
  }

  it('round-trips any size, depth, channel count, filter and alignment through pngjs (word-wise Up filter included)', () => {
    fc.assert(
      fc.property(
        fc.record({
          width: fc.oneof(fc.constantFrom(4, 8, 512, 1), fc.integer({ min: 1, max: 70 })),
          height: fc.integer({ min: 1, max: 9 }),
          bitDepth: fc.constantFrom<8 | 16>(8, 16),
          channels: fc.constantFrom<1 | 3>(1, 3),
          filter: fc.constantFrom<'none' | 'up'>('none', 'up'),
          offset: fc.integer({ min: 0, max: 3 }),
          seed: fc.integer({ min: 1, max: 1000 }),
        }),
        ({ width, height, bitDepth, channels, filter, offset, seed }) => {
          const n = width * height * channels;
          const values = samples(n, bitDepth === 16 ? 65535 : 255, seed);
          // An input that starts off a 4-byte boundary takes the byte-wise path.
          const data =
            bitDepth === 8
              ? new Uint8Array(new ArrayBuffer(n + 4), offset, n)
              : new Uint16Array(new ArrayBuffer(2 * n + 8), 2 * (offset & 1), n);
          data.set(values);
          const img = decode(encodePng({ width, height, bitDepth, channels, data }, { filter }));
          expect([img.width, img.height]).toEqual([width, height]);
          const px = img.data as unknown as ArrayLike<number>;
          for (let i = 0; i < width * height; i++) {
            for (let c = 0; c < channels; c++) {
              if (px[i * 4 + c] !== values[i * channels + c]) expect(`pixel ${i} sample ${c}: ${px[i * 4 + c]}`).toBe(`${values[i * channels + c]}`);
            }
          }
        },
      ),
      { numRuns: 120 },
    );
  });

  it('writes tEXt chunks before IDAT with keyword NUL text', () => {
    const png = encodePng({ width: 1, height: 1, bitDepth: 8, channels: 1, data: new Uint8Array([7]), text: { Window: 'none', Comment: 'stored values' } });
    const list = chunks(png);
    expect(list.map((c) => c.type)).toEqual(['IHDR', 'tEXt', 'tEXt', 'IDAT', 'IEND']);
    expect(Buffer.from(list[1].data).toString('latin1')).toBe('Window\0none');
    expect(decode(png).data[0]).toBe(7);
  });

  it('rejects bad dimensions, short data and bad keywords', () => {
    const img: PngImage = { width: 2, height: 2, bitDepth: 8, channels: 1, data: new Uint8Array(3) };
    expect(() => encodePng(img)).toThrow(/expected 4/);
    expect(() => encodePng({ ...img, width: 0 })).toThrow(/dimensions/);
    expect(() => encodePng({ ...img, data: new Uint8Array(4), text: { '': 'x' } })).toThrow(/keyword/);
  });
});
