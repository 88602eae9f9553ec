import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../../lib/errors.js';
import { decodeRle } from '../../../../lib/pixels/codecs/rle.js';
import { encodeRleFrame, frameInfo, packBits } from './fixtures.js';

describe('RLE Lossless (PS3.5 Annex G)', () => {
  it('PackBits fixture encoder round-trips runs and literals', () => {
    expect(Array.from(packBits(new Uint8Array([5, 5, 5, 5, 1, 2])))).toEqual([253, 5, 1, 1, 2, 0x80]);
  });

  it('decodes 8-bit, 1 sample exactly', async () => {
    const values = [0, 0, 0, 7, 255, 128];
    const out = await decodeRle(encodeRleFrame(values, 1, 1), frameInfo({}));
    expect(out.pixels).toBeInstanceOf(Uint8Array);
    expect(Array.from(out.pixels)).toEqual(values);
    expect(out).toMatchObject({ samplesPerPixel: 1, photometric: 'MONOCHROME2', planar: false });
  });

  it('decodes 8-bit signed as Int8Array', async () => {
    const out = await decodeRle(encodeRleFrame([0xff, 0x80, 0x7f, 0, 1, 0xfe], 1, 1), frameInfo({ pixelRepresentation: 1 }));
    expect(out.pixels).toBeInstanceOf(Int8Array);
    expect(Array.from(out.pixels)).toEqual([-1, -128, 127, 0, 1, -2]);
  });

  it('decodes 8-bit, 3 samples sample-interleaved', async () => {
    const values = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 10, 20, 30, 10, 20, 30];
    const out = await decodeRle(encodeRleFrame(values, 3, 1), frameInfo({ samplesPerPixel: 3 }));
    expect(Array.from(out.pixels)).toEqual(values);
    expect(out.photometric).toBe('RGB');
  });

  it('decodes 16-bit unsigned, MSB plane first', async () => {
    const values = [0, 1, 0x1234, 0xffff, 0x8000, 0x00ff];
    const out = await decodeRle(encodeRleFrame(values, 1, 2), frameInfo({ bitsAllocated: 16 }));
    expect(out.pixels).toBeInstanceOf(Uint16Array);
    expect(Array.from(out.pixels)).toEqual(values);
  });

  it('decodes 16-bit signed, and sign-extends from Bits Stored 12', async () => {
    const full = await decodeRle(encodeRleFrame([0xffff, 0x8000, 0x7fff, 0, 0xfc18, 1000], 1, 2), frameInfo({ bitsAllocated: 16, pixelRepresentation: 1 }));
    expect(full.pixels).toBeInstanceOf(Int16Array);
    expect(Array.from(full.pixels)).toEqual([-1, -32768, 32767, 0, -1000, 1000]);
    const twelve = await decodeRle(encodeRleFrame([0x0fff, 0x0800, 0x07ff, 0, 0x0c18, 1000], 1, 2), frameInfo({ bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 1 }));
    expect(Array.from(twelve.pixels)).toEqual([-1, -2048, 2047, 0, -1000, 1000]);
  });

  it('decodes 16-bit, 3 samples', async () => {
    const values = Array.from({ length: 18 }, (_, i) => (i * 3001) & 0xffff);
    const out = await decodeRle(encodeRleFrame(values, 3, 2), frameInfo({ bitsAllocated: 16, samplesPerPixel: 3 }));
    expect(Array.from(out.pixels)).toEqual(values);
  });

  it('decodes 32-bit, 3 samples (12 segments)', async () => {
    const values = Array.from({ length: 18 }, (_, i) => (i * 0x11223344) >>> 0);
    const out = await decodeRle(encodeRleFrame(values, 3, 4), frameInfo({ bitsAllocated: 32, samplesPerPixel: 3 }));
    expect(out.pixels).toBeInstanceOf(Uint32Array);
    expect(Array.from(out.pixels)).toEqual(values);
  });

  it.each([
    ['shorter than the header', () => new Uint8Array(10)],
    ['wrong segment count', () => encodeRleFrame([1, 2, 3, 4, 5, 6], 1, 2)],
    ['first offset not 64', () => {
      const f = encodeRleFrame([1, 2, 3, 4, 5, 6], 1, 1);
      new DataView(f.buffer).setUint32(4, 60, true);
      return f;
    }],
    ['offset past the end', () => {
      const f = encodeRleFrame([1, 2, 3, 4, 5, 6], 1, 1);
      new DataView(f.buffer).setUint32(4, 64, true);
      new DataView(f.buffer).setUint32(0, 1, true);
      return f.subarray(0, 66);
    }],
    ['segment too short', () => encodeRleFrame([1, 2, 3], 1, 1)],
    ['garbage', () => new Uint8Array(200).map((_, i) => (i * 37) & 0xff)],
  ])('%s -> MalformedDicom', async (_name, make) => {
    await expect(decodeRle(make(), frameInfo({}))).rejects.toMatchObject({ code: 'MalformedDicom' });
    await expect(decodeRle(make(), frameInfo({}))).rejects.toBeInstanceOf(DomainError);
  });

  it('Bits Allocated 1 -> UnsupportedPixelFormat', async () => {
    await expect(decodeRle(encodeRleFrame([1, 0, 1, 0, 1, 0], 1, 1), frameInfo({ bitsAllocated: 1, bitsStored: 1 }))).rejects.toMatchObject({
      code: 'UnsupportedPixelFormat',
    });
  });
});
