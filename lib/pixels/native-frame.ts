/**
 * Extracts one frame of stored pixel values from native (uncompressed) Pixel Data,
 * PS3.5 8.1.1 (pixel cells, Bits Allocated / Bits Stored / High Bit) and 8.2 (native format).
 */
import { DomainError } from '../errors.js';
import type { ImageInfo } from './image-info.js';

/**
 * Stored values of one frame, sample-interleaved (colour-by-pixel whatever the Planar
 * Configuration): Int32Array for everything that fits a signed 32-bit integer, Uint32Array
 * for unsigned 32-bit data.
 */
export type StoredValues = Int32Array | Uint32Array;

/** Bytes (or bits, for Bits Allocated 1) one frame occupies in native Pixel Data. */
export function nativeFrameBits(info: ImageInfo): number {
  return info.rows * info.columns * info.samplesPerPixel * info.bitsAllocated;
}

/**
 * Reads frame `frameIndex` (0-based) from the native Pixel Data value `pixelData`.
 *
 * `wordSwap16`: the data is Explicit VR Big Endian OW with 8-bit cells, so bytes come in
 * swapped pairs (PS3.5 A.3 / 8.2: OW is a stream of 16-bit words in the transfer syntax's order).
 */
export function extractNativeFrame(
  pixelData: Uint8Array,
  info: ImageInfo,
  frameIndex: number,
  littleEndian: boolean,
  wordSwap16 = false,
): StoredValues {
  const { bitsAllocated, bitsStored, highBit, pixelRepresentation } = info;
  if (/^YBR_(FULL|PARTIAL)_42[02]$/.test(info.photometric)) {
    // PS3.3 C.7.6.3.1.2: native 4:2:2 / 4:2:0 data has fewer than 3 samples per pixel on disk.
    throw new DomainError(
      'UnsupportedPhotometricInterpretation',
      `Native chroma-subsampled Photometric Interpretation (0028,0004) "${info.photometric}" is not supported yet (PS3.3 C.7.6.3.1.2).`,
      { photometric: info.photometric },
    );
  }
  const count = info.rows * info.columns * info.samplesPerPixel;
  const frameBits = nativeFrameBits(info);
  const startBit = frameBits * frameIndex;
  const endByte = Math.ceil((startBit + frameBits) / 8);
  if (endByte > pixelData.length) {
    throw new DomainError(
      'MalformedDicom',
      `Pixel Data (7FE0,0010) holds ${pixelData.length} bytes but frame ${frameIndex + 1} of ${info.numberOfFrames} ` +
        `(${info.rows} x ${info.columns}, ${info.samplesPerPixel} sample(s), ${bitsAllocated} bits allocated) ends at byte ${endByte}: the pixel data is truncated (PS3.5 8.1.1).`,
      { pixelDataLength: pixelData.length, requiredLength: endByte, frame: frameIndex + 1 },
    );
  }

  const signed = pixelRepresentation === 1;
  // Stored value = bits (highBit - bitsStored + 1) .. highBit of the cell (PS3.5 8.1.1, Annex D).
  // Bits outside that range may hold overlays or garbage and are masked out.
  const shift = highBit - bitsStored + 1;
  const out: StoredValues = bitsAllocated === 32 && !signed ? new Uint32Array(count) : new Int32Array(count);

  if (bitsAllocated === 1) {
    // PS3.5 8.1.1 / Annex D: 1-bit cells packed LSB first; frames need not start on a byte.
    for (let i = 0; i < count; i++) {
      const bit = startBit + i;
      out[i] = (pixelData[bit >> 3] >> (bit & 7)) & 1;
    }
  } else {
    const start = startBit / 8;
    const raw = readCells(pixelData, start, count, bitsAllocated, littleEndian, wordSwap16);
    if (bitsAllocated === 32) {
      if (shift === 0 && bitsStored === 32) out.set(raw);
      else unpack32(raw as Uint32Array, out, shift, bitsStored, signed);
    } else {
      const mask = (1 << bitsStored) - 1;
      const signBit = 1 << (bitsStored - 1);
      const full = 1 << bitsStored;
      if (!signed && shift === 0 && bitsStored === bitsAllocated) {
        out.set(raw);
      } else {
        for (let i = 0; i < count; i++) {
          const v = (raw[i] >> shift) & mask;
          // Two's complement within Bits Stored (PS3.5 8.1.1: sign bit is High Bit).
          out[i] = signed && v & signBit ? v - full : v;
        }
      }
    }
  }
  return info.planarConfiguration === 1 && info.samplesPerPixel > 1 ? interleave(out, info.rows * info.columns, info.samplesPerPixel) : out;
}

function unpack32(raw: Uint32Array, out: StoredValues, shift: number, bitsStored: number, signed: boolean): void {
  const mask = bitsStored === 32 ? 0xffffffff : 2 ** bitsStored - 1;
  for (let i = 0; i < raw.length; i++) {
    let v = Math.floor(raw[i] / 2 ** shift) % 2 ** 32;
    v = bitsStored === 32 ? v : v % (mask + 1);
    out[i] = signed && v >= 2 ** (bitsStored - 1) ? v - 2 ** bitsStored : v;
  }
}

/** Raw cells as unsigned integers; fast typed-array views when the byte order and alignment allow. */
function readCells(
  bytes: Uint8Array,
  start: number,
  count: number,
  bitsAllocated: number,
  littleEndian: boolean,
  wordSwap16: boolean,
): Uint8Array | Uint16Array | Uint32Array {
  const at = bytes.byteOffset + start;
  if (bitsAllocated === 8) {
    const view = bytes.subarray(start, start + count);
    if (!wordSwap16) return view;
    const swapped = new Uint8Array(count);
    for (let i = 0; i < count; i++) swapped[i] = bytes[start + (i ^ 1)] ?? 0;
    return swapped;
  }
  const size = bitsAllocated / 8;
  if (littleEndian && at % size === 0) {
    return bitsAllocated === 16 ? new Uint16Array(bytes.buffer, at, count) : new Uint32Array(bytes.buffer, at, count);
  }
  const dv = new DataView(bytes.buffer, at, count * size);
  if (bitsAllocated === 16) {
    const out = new Uint16Array(count);
    for (let i = 0; i < count; i++) out[i] = dv.getUint16(i * 2, littleEndian);
    return out;
  }
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) out[i] = dv.getUint32(i * 4, littleEndian);
  return out;
}

/** Colour-by-plane (Planar Configuration 1, PS3.3 C.7.6.3.1.3) to colour-by-pixel. */
function interleave(planes: StoredValues, pixels: number, samples: number): StoredValues {
  const out = planes instanceof Uint32Array ? new Uint32Array(planes.length) : new Int32Array(planes.length);
  for (let s = 0; s < samples; s++) {
    const base = s * pixels;
    for (let p = 0; p < pixels; p++) out[p * samples + s] = planes[base + p];
  }
  return out;
}
