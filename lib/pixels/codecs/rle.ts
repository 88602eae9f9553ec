/**
 * RLE Lossless (1.2.840.10008.1.2.5), PS3.5 Annex G. No dependency: a 64-byte header of 16
 * little-endian uint32 (segment count, then up to 15 segment offsets), then one PackBits
 * segment per byte plane: for each sample, its bytes most significant first (G.2). Segment
 * k decodes to rows x columns bytes. Up to 32 bits allocated, 1 or 3 samples.
 */
import { DomainError } from '../../errors.js';
import type { DecodedFrame, FrameInfo } from './frame-types.js';
import { allocate, checkLayout, signExtend } from './common.js';

const HEADER_BYTES = 64;

const malformed = (message: string): DomainError => new DomainError('MalformedDicom', `RLE Lossless frame: ${message} (PS3.5 Annex G).`);

/** PackBits-decodes `src[start, end)` into `dst` (exactly dst.length bytes); returns the bytes written. */
function unpackBits(src: Uint8Array, start: number, end: number, dst: Uint8Array): number {
  const want = dst.length;
  let out = 0;
  let i = start;
  while (i < end && out < want) {
    const n = src[i++];
    if (n < 128) {
      // Literal run of n + 1 bytes.
      const count = n + 1;
      if (i + count > end) {
        // The segment ends inside a literal run: keep what is there, the length check fails below.
        const avail = Math.min(end - i, want - out);
        dst.set(src.subarray(i, i + avail), out);
        out += avail;
        break;
      }
      const take = Math.min(count, want - out);
      dst.set(src.subarray(i, i + take), out);
      out += take;
      i += count;
    } else if (n > 128) {
      // Replicate the next byte 257 - n times.
      if (i >= end) break;
      const count = Math.min(257 - n, want - out);
      dst.fill(src[i++], out, out + count);
      out += count;
    }
    // n === 128: no operation (G.3.1).
  }
  return out;
}

export async function decodeRle(encoded: Uint8Array, info: FrameInfo): Promise<DecodedFrame> {
  checkLayout(info);
  const { rows, columns, samplesPerPixel, bitsAllocated } = info;
  if (bitsAllocated !== 8 && bitsAllocated !== 16 && bitsAllocated !== 32) {
    throw new DomainError('UnsupportedPixelFormat', `RLE Lossless with Bits Allocated ${bitsAllocated} is not supported (8, 16 or 32; PS3.5 G.2).`);
  }
  const bytesPerSample = bitsAllocated / 8;
  const expectedSegments = samplesPerPixel * bytesPerSample;
  if (encoded.length < HEADER_BYTES) throw malformed(`it is ${encoded.length} bytes, shorter than the 64-byte RLE header`);
  const view = new DataView(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  const segments = view.getUint32(0, true);
  if (segments !== expectedSegments) {
    throw malformed(
      `the header declares ${segments} segment(s) but ${samplesPerPixel} sample(s) of ${bitsAllocated} bits need ${expectedSegments}`,
    );
  }
  const offsets: number[] = [];
  for (let k = 0; k < segments; k++) offsets.push(view.getUint32(4 + 4 * k, true));
  if (offsets[0] !== HEADER_BYTES) throw malformed(`the first segment offset is ${offsets[0]}, not 64`);
  for (let k = 0; k < segments; k++) {
    const next = k + 1 < segments ? offsets[k + 1] : encoded.length;
    if (offsets[k] > encoded.length || next < offsets[k]) {
      throw malformed(`segment ${k + 1} offset ${offsets[k]} is outside the ${encoded.length}-byte frame or not increasing`);
    }
  }

  const pixels = rows * columns;
  const out = allocate(info, pixels * samplesPerPixel);
  const plane = new Uint8Array(pixels);
  for (let k = 0; k < segments; k++) {
    const end = k + 1 < segments ? offsets[k + 1] : encoded.length;
    const got = unpackBits(encoded, offsets[k], end, plane);
    if (got < pixels) throw malformed(`segment ${k + 1} decodes to ${got} bytes, fewer than the ${pixels} of a ${rows} x ${columns} frame`);
    const sample = Math.floor(k / bytesPerSample);
    // Segment order within a sample is most significant byte first.
    const shift = 8 * (bytesPerSample - 1 - (k % bytesPerSample));
    if (bytesPerSample === 1) {
      for (let p = 0, o = sample; p < pixels; p++, o += samplesPerPixel) out[o] = plane[p];
    } else {
      // Accumulate the bytes as an unsigned pattern; the typed array store wraps it to its own type.
      for (let p = 0, o = sample; p < pixels; p++, o += samplesPerPixel) out[o] = (out[o] | (plane[p] << shift)) >>> 0;
    }
  }
  signExtend(out, info);
  return { pixels: out, samplesPerPixel, photometric: info.photometric, planar: false };
}
