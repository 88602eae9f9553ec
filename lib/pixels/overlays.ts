/**
 * Overlay planes (Overlay Plane module, PS3.3 C.9.2): bit planes in the 16 repeating groups
 * 6000-601E (even) that viewers draw over the image. Two encodings:
 *
 * - Overlay Data (60xx,3000): one bit per overlay pixel, rows then frames, the first pixel
 *   in the least significant bit of the first byte (PS3.5 8.1.2; OW is a stream of 16-bit
 *   words in the transfer syntax's byte order, so big endian OW is swapped back).
 * - Retired (PS3.5 8.1.2 in older editions, still written by some scanners): no Overlay Data;
 *   Overlay Bits Allocated (60xx,0100) is the pixel cell size and Overlay Bit Position
 *   (60xx,0102) an unused bit of each Pixel Data cell, outside Bits Stored. The stored value
 *   excludes that bit already (lib/pixels/native-frame.ts masks to Bits Stored).
 *
 * Reading the description costs 16 element look-ups; nothing is copied unless a plane exists.
 */
import { DomainError } from '../errors.js';
import type { DataSet } from '../dicom/data-set.js';
import type { ParsedDicom } from '../dicom/parse.js';
import { isBigEndian } from '../dicom/transfer-syntax.js';

export interface OverlayPlane {
  /** The repeating group, 0x6000 .. 0x601E. */
  group: number;
  /** Overlay Rows / Columns (60xx,0010 / 0011). */
  rows: number;
  columns: number;
  /** Overlay Type (60xx,0040): G (graphics) or R (ROI); both are drawn the same. */
  type: string;
  /** Overlay Origin (60xx,0050) made 0-based: the image row/column of the overlay's first pixel; may be negative. */
  originRow: number;
  originColumn: number;
  /**
   * Number of Frames in Overlay (60xx,0015) (Multi-frame Overlay module, PS3.3 C.9.3). Absent:
   * the plane belongs to the image as a whole and is drawn on every frame, as dcm2pnm does.
   */
  frames?: number;
  /** Image Frame Origin (60xx,0051): the 1-based image frame the first overlay frame belongs to, 1 when absent. */
  imageFrameOrigin: number;
  /**
   * Where the bits are: `bits` = the Overlay Data as an LSB-first bit stream (a view into the
   * data set when no byte swap is needed); `pixel` = the bit of each Pixel Data cell (retired form).
   */
  source: { kind: 'data'; bits: Uint8Array } | { kind: 'pixel'; bit: number };
}

/** The 16 overlay groups (PS3.3 C.9.2: 60xx with xx even, 00 to 1E). */
const GROUPS = Array.from({ length: 16 }, (_, i) => 0x6000 + 2 * i);

/**
 * The overlay planes of a data set that can be drawn. A plane lacking rows or columns, or with
 * an encoding other than the two above, is left out rather than refused: the image itself is
 * still valid (PS3.3 C.9.2 overlays are an optional module).
 */
export function readOverlays(
  ds: DataSet,
  image: { bitsAllocated: number; bitsStored: number; highBit: number; floatBits?: number; encapsulated: boolean; transferSyntaxUid: string },
): OverlayPlane[] {
  let planes: OverlayPlane[] | undefined;
  for (const group of GROUPS) {
    const g = `x${group.toString(16)}`;
    const rowsEl = ds.elements[`${g}0010`];
    if (!rowsEl) continue; // Overlay Rows is Type 1: no plane without it.
    const rows = ds.uint16(`${g}0010`) ?? 0;
    const columns = ds.uint16(`${g}0011`) ?? 0;
    if (rows === 0 || columns === 0) continue;
    const bitsAllocated = ds.uint16(`${g}0100`) ?? 1;
    const bitPosition = ds.uint16(`${g}0102`) ?? 0;
    const data = ds.elements[`${g}3000`];
    let source: OverlayPlane['source'] | undefined;
    if (data && data.length > 0 && !data.encapsulatedPixelData) {
      let bits = ds.byteArray.subarray(data.dataOffset, data.dataOffset + data.length);
      if (data.vr !== 'OB' && isBigEndian(image.transferSyntaxUid)) bits = swapWords(bits);
      source = { kind: 'data', bits };
    } else if (
      !data &&
      bitsAllocated === image.bitsAllocated &&
      (bitsAllocated === 8 || bitsAllocated === 16) &&
      image.floatBits === undefined &&
      !image.encapsulated &&
      bitPosition < bitsAllocated &&
      (bitPosition > image.highBit || bitPosition < image.highBit - image.bitsStored + 1)
    ) {
      // Only bits outside Bits Stored can hold an overlay (PS3.5 8.1.2, retired).
      source = { kind: 'pixel', bit: bitPosition };
    }
    if (!source) continue;
    const framesRaw = ds.elements[`${g}0015`] ? Number((ds.string(`${g}0015`) ?? '').trim()) : undefined;
    planes ??= [];
    planes.push({
      group,
      rows,
      columns,
      type: (ds.string(`${g}0040`) ?? 'G').trim().toUpperCase(),
      originRow: (ds.int16(`${g}0050`, 0) ?? 1) - 1,
      originColumn: (ds.int16(`${g}0050`, 1) ?? 1) - 1,
      ...(framesRaw !== undefined ? { frames: Number.isInteger(framesRaw) && framesRaw >= 1 ? framesRaw : 1 } : {}),
      imageFrameOrigin: ds.uint16(`${g}0051`) || 1,
      source,
    });
  }
  return planes ?? [];
}

function swapWords(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    out[i] = bytes[i + 1];
    out[i + 1] = bytes[i];
  }
  return out;
}

/**
 * The raw Pixel Data cells of one native frame (8 or 16 bits allocated, one sample), bits
 * outside Bits Stored included: where retired overlays live.
 */
export function readFrameCells(parsed: ParsedDicom, pixels: number, bitsAllocated: number, frameIndex: number): Uint8Array | Uint16Array {
  const el = parsed.pixelElement;
  if (!el) throw new DomainError('MalformedDicom', 'The data set has no Pixel Data (7FE0,0010).');
  const size = bitsAllocated / 8;
  const start = el.dataOffset + frameIndex * pixels * size;
  const available = Math.max(0, Math.min(pixels, Math.floor((el.dataOffset + el.length - start) / size), Math.floor((parsed.byteArray.length - start) / size)));
  const le = !isBigEndian(parsed.transferSyntaxUid);
  if (size === 1) {
    if (le || el.vr !== 'OW') return parsed.byteArray.subarray(start, start + available);
    // 8-bit cells in big endian OW come in swapped byte pairs (PS3.5 A.3).
    const swapped = new Uint8Array(available);
    for (let i = 0; i < available; i++) swapped[i] = parsed.byteArray[start + (i ^ 1)] ?? 0;
    return swapped;
  }
  const out = new Uint16Array(available);
  const dv = new DataView(parsed.byteArray.buffer, parsed.byteArray.byteOffset);
  for (let i = 0; i < available; i++) out[i] = dv.getUint16(start + 2 * i, le);
  return out;
}

/**
 * Burns the planes that belong to image frame `frameIndex` (0-based) into rendered pixels:
 * every set overlay bit that lands on the image sets all samples of that pixel to `value`
 * (dcmtk's default "replace" mode with the foreground at the maximum P-value).
 * Overlay pixels outside the image (an origin that is negative or past the edge) are skipped.
 * `cells` gives the raw Pixel Data cells, needed only for retired in-pixel planes.
 */
export function burnInOverlays(
  out: Uint8Array | Uint16Array,
  channels: number,
  image: { rows: number; columns: number },
  planes: OverlayPlane[],
  frameIndex: number,
  value: number,
  cells?: () => Uint8Array | Uint16Array,
): void {
  for (const p of planes) {
    if (p.source.kind === 'pixel') {
      // The cells of this very frame hold the plane: same size and position as the image.
      const raw = cells?.();
      if (!raw) continue;
      const mask = 1 << p.source.bit;
      for (let i = 0; i < raw.length; i++) if (raw[i] & mask) for (let s = 0; s < channels; s++) out[i * channels + s] = value;
      continue;
    }
    // Multi-frame Overlay module (PS3.3 C.9.3): overlay frame k goes with image frame Image Frame
    // Origin + k. Without it, the one plane goes with every frame.
    const k = p.frames === undefined ? 0 : frameIndex - (p.imageFrameOrigin - 1);
    if (k < 0 || k >= (p.frames ?? 1)) continue;
    const bits = p.source.bits;
    const planeBits = p.rows * p.columns;
    const first = k * planeBits;
    if (first + planeBits > bits.length * 8) continue; // Overlay Data too short for this frame.
    const r0 = Math.max(0, -p.originRow);
    const r1 = Math.min(p.rows, image.rows - p.originRow);
    const c0 = Math.max(0, -p.originColumn);
    const c1 = Math.min(p.columns, image.columns - p.originColumn);
    for (let r = r0; r < r1; r++) {
      const rowBit = first + r * p.columns;
      const outRow = (r + p.originRow) * image.columns + p.originColumn;
      for (let c = c0; c < c1; c++) {
        const bit = rowBit + c;
        if ((bits[bit >> 3] >> (bit & 7)) & 1) {
          const at = (outRow + c) * channels;
          for (let s = 0; s < channels; s++) out[at + s] = value;
        }
      }
    }
  }
}
