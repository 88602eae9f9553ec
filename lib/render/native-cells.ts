/**
 * The 16-bit cells of one native little-endian greyscale frame, read in place, and a lookup
 * table indexed by the whole cell. Together they let the render skip the decode: a 12- or 14-bit
 * value in a 16-bit cell (PS3.5 8.1.1: bits High Bit - Bits Stored + 1 .. High Bit) was masked
 * into a fresh array before the table pass (an 8 MiB copy for a 2048 x 2048 DX, about a third of
 * its render's CPU); folding the mask and the sign into a 65536-entry table gives every pixel the
 * same output value from the cell as it is in the file.
 */
import type { ParsedDicom } from '../dicom/parse.js';
import { transferSyntax } from '../dicom/transfer-syntax.js';
import type { ImageInfo } from '../pixels/image-info.js';
import { extractNativeFrame, type StoredValues } from '../pixels/native-frame.js';

/** Typed arrays view memory in the host's byte order; the cells are little endian (PS3.5 A.1, A.2). */
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface NativeCells {
  /** The frame's cells as stored, bits outside Bits Stored included (a view, no copy). */
  cells: Uint16Array;
  /** The stored values as decodeFrame gives them (decoded on demand, e.g. for a min-max window). */
  decode: () => StoredValues;
}

/**
 * The cells of frame `frameIndex` (0-based) when the frame is one sample of 16-bit cells in a
 * native little-endian syntax (Implicit / Explicit VR Little Endian, Deflated after the parser's
 * inflate) and starts on a 2-byte boundary; undefined otherwise (the caller decodes as usual,
 * and so reports a truncated or otherwise malformed frame as before).
 */
export function nativeCells16(parsed: ParsedDicom, info: ImageInfo, frameIndex: number): NativeCells | undefined {
  const el = parsed.pixelElement;
  if (!LITTLE_ENDIAN_HOST || !el || el.encapsulatedPixelData || el.hadUndefinedLength) return undefined;
  if (transferSyntax(info.transferSyntaxUid)?.decoder !== 'native') return undefined;
  if (info.bitsAllocated !== 16 || info.samplesPerPixel !== 1 || info.floatBits || info.bitsStored > 16) return undefined;
  const count = info.rows * info.columns;
  const end = Math.min(el.dataOffset + el.length, parsed.byteArray.length);
  const pixelData = parsed.byteArray.subarray(el.dataOffset, end);
  const start = count * 2 * frameIndex;
  const at = pixelData.byteOffset + start;
  if (start + count * 2 > pixelData.length || at % 2 !== 0) return undefined;
  return {
    cells: new Uint16Array(pixelData.buffer, at, count),
    decode: () => extractNativeFrame(pixelData, info, frameIndex, true),
  };
}

type Table = Uint8Array | Uint16Array;

/**
 * `table` (indexed by stored value - lowest, one entry per possible stored value, 2^Bits Stored)
 * re-indexed by the whole 16-bit cell: entry c is table[stored(c) - lowest], stored(c) being bits
 * shift .. High Bit of c, two's complement when Pixel Representation is 1 (PS3.5 8.1.1).
 */
export function cellTable(table: Table, info: Pick<ImageInfo, 'bitsStored' | 'highBit' | 'pixelRepresentation'>): Table {
  const { bitsStored, highBit } = info;
  const signed = info.pixelRepresentation === 1;
  const size = 1 << bitsStored;
  const half = size >>> 1;
  if (table.length !== size) throw new Error(`cellTable needs ${size} entries, got ${table.length}`);
  const out = table instanceof Uint16Array ? new Uint16Array(0x10000) : new Uint8Array(0x10000);
  const shift = highBit - bitsStored + 1;
  if (shift === 0) {
    // Low bits: the cells 0 .. size-1 map to the table as is (unsigned) or with its halves
    // swapped (signed: 0 .. half-1 are the non-negative values, at index value + half); the high
    // bits repeat that block.
    if (signed) {
      out.set(table.subarray(half), 0);
      out.set(table.subarray(0, half), half);
    } else {
      out.set(table, 0);
    }
    for (let filled = size; filled < 0x10000; filled *= 2) out.copyWithin(filled, 0, filled);
    return out;
  }
  const mask = size - 1;
  const lowest = signed ? -half : 0;
  for (let c = 0; c < 0x10000; c++) {
    const v = (c >> shift) & mask;
    out[c] = table[(signed && v >= half ? v - size : v) - lowest];
  }
  return out;
}
