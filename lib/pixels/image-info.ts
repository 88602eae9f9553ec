/**
 * The Image Pixel module (PS3.3 C.7.6.3) and the presentation attributes the renderer needs
 * (Modality LUT module C.11.1, VOI LUT module C.11.2), read once and validated before any
 * pixel buffer is allocated.
 */
import type { DataSet } from '../dicom/data-set.js';
import { DomainError } from '../errors.js';
import type { ParsedDicom } from '../dicom/parse.js';
import { DOUBLE_FLOAT_PIXEL_DATA_TAG, FLOAT_PIXEL_DATA_TAG, tagName } from '../dicom/tag.js';
import { isBigEndian } from '../dicom/transfer-syntax.js';
import { DEFAULT_MAX_DECODED_BYTES } from '../config.js';
import { readOverlays, type OverlayPlane } from './overlays.js';

/** Default bound on one decoded frame's working buffer (the service passes config's MAX_DECODED_BYTES). */
export { DEFAULT_MAX_DECODED_BYTES } from '../config.js';

/** VOI LUT Function (0028,1056), PS3.3 C.11.2.1.3; LINEAR when absent. */
export type VoiLutFunction = 'LINEAR' | 'LINEAR_EXACT' | 'SIGMOID';

export interface VoiWindow {
  center: number;
  width: number;
  /** Window Center & Width Explanation (0028,1055), when given for this pair. */
  explanation?: string;
}

/** A Modality LUT Sequence (0028,3000) item: LUT Descriptor (0028,3002) and LUT Data (0028,3006). */
export interface ModalityLutTable {
  firstMapped: number;
  data: Uint16Array;
}

/** A VOI LUT Sequence (0028,3010) item (PS3.3 C.11.2.1.1): entries of `bits` bits (8 to 16). */
export interface VoiLutTable {
  firstMapped: number;
  bits: number;
  data: Uint16Array;
  /** LUT Explanation (0028,3003). */
  explanation?: string;
}

/** Presentation LUT Shape (2050,0020), PS3.3 C.11.6.1.2. */
export type PresentationLutShape = 'IDENTITY' | 'INVERSE';

export interface ImageInfo {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  photometric: string;
  /** Planar Configuration (0028,0006): 0 = colour-by-pixel, 1 = colour-by-plane. */
  planarConfiguration: 0 | 1;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  pixelRepresentation: 0 | 1;
  numberOfFrames: number;
  rescaleSlope: number;
  rescaleIntercept: number;
  modalityLut?: ModalityLutTable;
  /** Every Window Center/Width pair (0028,1050)/(0028,1051), in file order. */
  windows: VoiWindow[];
  voiLutFunction: VoiLutFunction;
  /** Every VOI LUT Sequence (0028,3010) item, in file order. */
  voiLuts: VoiLutTable[];
  /** Presentation LUT Shape (2050,0020) when present. */
  presentationLutShape?: PresentationLutShape;
  /** 32 or 64 for Float (7FE0,0008) / Double Float (7FE0,0009) Pixel Data (PS3.3 C.7.6.24); else undefined. */
  floatBits?: 32 | 64;
  /** The drawable overlay planes (60xx, PS3.3 C.9.2; lib/pixels/overlays.ts), when there are any. */
  overlays?: OverlayPlane[];
  transferSyntaxUid: string;
}

function us(ds: DataSet, tag: string): number | undefined {
  const el = ds.elements[tag];
  if (!el || el.length < 2) return undefined;
  return ds.uint16(tag);
}

/** Reads a DS/IS value; a present but unparsable value is malformed, not silently ignored. */
export function decimal(ds: DataSet, tag: string, index = 0): number | undefined {
  const raw = ds.string(tag, index);
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw.trim());
  if (!Number.isFinite(value)) {
    throw new DomainError('MalformedDicom', `${tagName(tag)} holds a value that is not a decimal number (PS3.5 6.2 DS/IS).`, {
      tag: tagName(tag),
    });
  }
  return value;
}

function required(ds: DataSet, tag: string, name: string): number {
  const v = us(ds, tag);
  if (v === undefined) {
    throw new DomainError('MalformedDicom', `${name} ${tagName(tag)} is missing; it is Type 1 in the Image Pixel module (PS3.3 C.7.6.3).`, {
      tag: tagName(tag),
    });
  }
  return v;
}

export function readVoiLutFunction(ds: DataSet): VoiLutFunction {
  const raw = (ds.string('x00281056') ?? '').trim().toUpperCase();
  if (raw === '' || raw === 'LINEAR') return 'LINEAR';
  if (raw === 'LINEAR_EXACT' || raw === 'SIGMOID') return raw;
  throw new DomainError('MalformedDicom', `VOI LUT Function (0028,1056) "${raw}" is not one of the defined terms LINEAR, LINEAR_EXACT, SIGMOID (PS3.3 C.11.2.1.3).`);
}

export function readWindows(ds: DataSet): VoiWindow[] {
  const centers = ds.elements.x00281050 ? (ds.numStringValues('x00281050') ?? 0) : 0;
  const widths = ds.elements.x00281051 ? (ds.numStringValues('x00281051') ?? 0) : 0;
  const windows: VoiWindow[] = [];
  // PS3.3 C.11.2.1.2: Window Center and Width are pairs with the same multiplicity.
  for (let i = 0; i < Math.min(centers, widths); i++) {
    const center = decimal(ds, 'x00281050', i);
    const width = decimal(ds, 'x00281051', i);
    if (center === undefined || width === undefined) continue;
    const explanation = ds.string('x00281055', i);
    windows.push(explanation ? { center, width, explanation } : { center, width });
  }
  return windows;
}

/**
 * Modality LUT Sequence (0028,3000), PS3.3 C.11.1.1: LUT Descriptor = [entries (0 means
 * 65536), first stored value mapped (US or SS), bits per entry]; LUT Data (0028,3006) US/OW.
 */
function readModalityLut(ds: DataSet, pixelRepresentation: 0 | 1, littleEndian: boolean): ModalityLutTable | undefined {
  const seq = ds.elements.x00283000;
  const item = seq?.items?.[0]?.dataSet;
  if (!item) return undefined;
  const desc = item.elements.x00283002;
  const data = item.elements.x00283006;
  if (!desc || desc.length < 6 || !data) {
    throw new DomainError('MalformedDicom', 'The Modality LUT Sequence (0028,3000) item lacks a LUT Descriptor (0028,3002) or LUT Data (0028,3006) (PS3.3 C.11.1.1).');
  }
  const count = item.uint16('x00283002', 0) || 65536;
  const rawFirst = item.uint16('x00283002', 1) ?? 0;
  // The first mapped value takes the sign of the stored pixel values (PS3.3 C.11.1.1.1).
  const firstMapped = pixelRepresentation === 1 && rawFirst > 0x7fff ? rawFirst - 0x10000 : rawFirst;
  const bits = item.uint16('x00283002', 2) ?? 0;
  if (bits < 8 || bits > 16) {
    throw new DomainError('UnsupportedPixelFormat', `Modality LUT entries of ${bits} bits are not supported (PS3.3 C.11.1.1 allows 8 to 16).`);
  }
  if (data.length < count * 2) {
    throw new DomainError('MalformedDicom', `LUT Data (0028,3006) holds ${data.length} bytes, fewer than the ${count} 16-bit entries its LUT Descriptor declares (PS3.3 C.11.1.1).`);
  }
  const view = new DataView(item.byteArray.buffer, item.byteArray.byteOffset + data.dataOffset, count * 2);
  const table = new Uint16Array(count);
  for (let i = 0; i < count; i++) table[i] = view.getUint16(i * 2, littleEndian);
  return { firstMapped, data: table };
}

/**
 * The 16-bit words of a LUT Data element (US or OW), `count` entries. 8-bit entries come one
 * per word (PS3.3 C.11.2.1.1); a value exactly `count` bytes long holds them one per byte
 * (seen in the wild with OB LUT Data).
 */
export function readLutWords(item: DataSet, tag: string, count: number, bits: number, littleEndian: boolean, what: string): Uint16Array {
  const data = item.elements[tag];
  if (!data) throw new DomainError('MalformedDicom', `${what} lacks its LUT Data ${tagName(tag)}.`);
  const table = new Uint16Array(count);
  if (data.length < count * 2) {
    if (bits <= 8 && data.length >= count) {
      for (let i = 0; i < count; i++) table[i] = item.byteArray[data.dataOffset + i];
      return table;
    }
    throw new DomainError('MalformedDicom', `${what}: LUT Data ${tagName(tag)} holds ${data.length} bytes, fewer than the ${count} entries its LUT Descriptor declares.`);
  }
  const view = new DataView(item.byteArray.buffer, item.byteArray.byteOffset + data.dataOffset, count * 2);
  for (let i = 0; i < count; i++) table[i] = view.getUint16(i * 2, littleEndian);
  return table;
}

/** LUT Descriptor (PS3.3 C.11.1.1 / C.11.2.1.1): [entries (0 = 65536), first mapped, bits]. */
function lutDescriptor(item: DataSet, what: string): { count: number; rawFirst: number; bits: number } {
  const desc = item.elements.x00283002;
  if (!desc || desc.length < 6) throw new DomainError('MalformedDicom', `${what} lacks a LUT Descriptor (0028,3002).`);
  return { count: item.uint16('x00283002', 0) || 65536, rawFirst: item.uint16('x00283002', 1) ?? 0, bits: item.uint16('x00283002', 2) ?? 0 };
}

/**
 * VOI LUT Sequence (0028,3010), PS3.3 C.11.2.1.1: each item a LUT Descriptor, LUT Data and
 * optional LUT Explanation.
 */
export function readVoiLuts(ds: DataSet, littleEndian: boolean, pixelRepresentation: 0 | 1): VoiLutTable[] {
  const items = ds.elements.x00283010?.items ?? [];
  const out: VoiLutTable[] = [];
  items.forEach((it, i) => {
    const item = it.dataSet;
    if (!item) return;
    const what = `VOI LUT Sequence (0028,3010) item ${i + 1} (PS3.3 C.11.2.1.1)`;
    const { count, rawFirst, bits } = lutDescriptor(item, what);
    if (bits < 8 || bits > 16) {
      throw new DomainError('UnsupportedPixelFormat', `${what} has ${bits}-bit entries; 8 to 16 are supported.`);
    }
    // US or SS (PS3.3 C.11.2.1.1): explicit VR says which; implicit VR follows Pixel Representation.
    const vr = item.elements.x00283002?.vr;
    const signed = vr === 'SS' || ((vr === undefined || vr === 'xs') && pixelRepresentation === 1);
    const firstMapped = signed && rawFirst > 0x7fff ? rawFirst - 0x10000 : rawFirst;
    const data = readLutWords(item, 'x00283006', count, bits, littleEndian, what);
    const explanation = item.string('x00283003');
    out.push(explanation ? { firstMapped, bits, data, explanation } : { firstMapped, bits, data });
  });
  return out;
}

function presentationShape(ds: DataSet): { presentationLutShape?: PresentationLutShape } {
  const raw = (ds.string('x20500020') ?? '').trim().toUpperCase();
  if (raw === '') return {};
  if (raw === 'IDENTITY' || raw === 'INVERSE') return { presentationLutShape: raw };
  throw new DomainError('MalformedDicom', `Presentation LUT Shape (2050,0020) "${raw}" is not IDENTITY or INVERSE (PS3.3 C.11.6.1.2).`);
}

/**
 * Reads and validates the image attributes. Throws NoPixelData when there is no usable pixel
 * element, MalformedDicom when a Type 1 attribute is missing or inconsistent, ImageTooLarge when
 * one decoded frame would exceed `maxDecodedBytes` (the service's MAX_DECODED_BYTES, lib/config.ts).
 */
export function readImageInfo(parsed: ParsedDicom, maxDecodedBytes: number = DEFAULT_MAX_DECODED_BYTES): ImageInfo {
  const ds = parsed.dataSet;
  const pixel = parsed.pixelElement;
  if (!pixel) {
    throw new DomainError('NoPixelData', 'The object has no Pixel Data (7FE0,0010); it is not an image.');
  }
  const floatBits = pixel.tag === FLOAT_PIXEL_DATA_TAG ? 32 : pixel.tag === DOUBLE_FLOAT_PIXEL_DATA_TAG ? 64 : undefined;
  if (pixel.length === 0 && !pixel.encapsulatedPixelData) {
    throw new DomainError('NoPixelData', 'Pixel Data (7FE0,0010) is empty.');
  }

  const rows = required(ds, 'x00280010', 'Rows');
  const columns = required(ds, 'x00280011', 'Columns');
  if (rows === 0 || columns === 0) {
    throw new DomainError('MalformedDicom', `The image is ${rows} x ${columns}: Rows (0028,0010) and Columns (0028,0011) must be non-zero (PS3.3 C.7.6.3).`);
  }
  const bitsAllocated = required(ds, 'x00280100', 'Bits Allocated');
  if (floatBits !== undefined && bitsAllocated !== floatBits) {
    throw new DomainError('MalformedDicom', `${tagName(pixel.tag)} requires Bits Allocated ${floatBits}, but (0028,0100) is ${bitsAllocated} (PS3.3 C.7.6.24).`);
  }
  const photometricRaw = (ds.string('x00280004') ?? '').trim().toUpperCase();
  let samplesPerPixel = us(ds, 'x00280002');
  if (samplesPerPixel === undefined) {
    // Type 1, but some writers omit it for greyscale; only then is it implied.
    if (photometricRaw.startsWith('MONOCHROME')) samplesPerPixel = 1;
    else throw new DomainError('MalformedDicom', 'Samples per Pixel (0028,0002) is missing (PS3.3 C.7.6.3, Type 1).');
  }
  if (!photometricRaw) {
    throw new DomainError('MalformedDicom', 'Photometric Interpretation (0028,0004) is missing (PS3.3 C.7.6.3, Type 1).');
  }
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3) {
    throw new DomainError('UnsupportedPixelFormat', `Samples per Pixel (0028,0002) is ${samplesPerPixel}; PS3.3 C.7.6.3.1.1 allows 1 or 3.`);
  }
  if (floatBits === undefined && ![1, 8, 12, 16, 32].includes(bitsAllocated)) {
    throw new DomainError('UnsupportedPixelFormat', `Bits Allocated (0028,0100) of ${bitsAllocated} is not supported for integer Pixel Data (1, 8, 12 packed, 16 or 32; PS3.5 8.1.1).`, {
      bitsAllocated,
    });
  }
  // Float Pixel Data has no Bits Stored / High Bit / Pixel Representation (PS3.3 C.7.6.24).
  const bitsStored = floatBits ?? us(ds, 'x00280101') ?? bitsAllocated;
  const highBit = floatBits !== undefined ? floatBits - 1 : (us(ds, 'x00280102') ?? bitsStored - 1);
  if (bitsStored < 1 || bitsStored > bitsAllocated) {
    throw new DomainError('MalformedDicom', `Bits Stored (0028,0101) ${bitsStored} must be between 1 and Bits Allocated ${bitsAllocated} (PS3.5 8.1.1).`);
  }
  if (highBit < bitsStored - 1 || highBit > bitsAllocated - 1) {
    throw new DomainError('MalformedDicom', `High Bit (0028,0102) ${highBit} does not fit Bits Stored ${bitsStored} in Bits Allocated ${bitsAllocated} (PS3.5 8.1.1).`);
  }
  const pr = floatBits !== undefined ? 0 : (us(ds, 'x00280103') ?? 0);
  if (pr !== 0 && pr !== 1) {
    throw new DomainError('MalformedDicom', `Pixel Representation (0028,0103) is ${pr}; it must be 0 (unsigned) or 1 (two's complement) (PS3.3 C.7.6.3.1).`);
  }
  const pixelRepresentation = pr;
  const planar = samplesPerPixel > 1 ? (us(ds, 'x00280006') ?? 0) : 0;
  if (planar !== 0 && planar !== 1) {
    throw new DomainError('MalformedDicom', `Planar Configuration (0028,0006) is ${planar}; it must be 0 or 1 (PS3.3 C.7.6.3.1.3).`);
  }

  const framesRaw = decimal(ds, 'x00280008');
  const numberOfFrames = framesRaw === undefined ? 1 : framesRaw;
  if (!Number.isInteger(numberOfFrames) || numberOfFrames < 1) {
    throw new DomainError('MalformedDicom', `Number of Frames (0028,0008) is ${numberOfFrames}; it must be a positive integer (PS3.3 C.7.6.6).`);
  }

  // The renderer keeps one frame as 32-bit working values (and an output buffer of at most
  // the same size), so this is the allocation to bound before decoding anything.
  // Double Float frames take 8 bytes per value; everything else is kept in 4 at most.
  const decodedBytes = rows * columns * samplesPerPixel * (floatBits === 64 ? 8 : 4);
  const limit = maxDecodedBytes;
  if (decodedBytes > limit) {
    throw new DomainError('ImageTooLarge', `One decoded ${rows} x ${columns} frame with ${samplesPerPixel} sample(s) needs ${decodedBytes} bytes, over the ${limit}-byte limit.`, {
      decodedBytes,
      limit,
    });
  }

  const slope = decimal(ds, 'x00281053');
  const intercept = decimal(ds, 'x00281052');
  const littleEndian = !isBigEndian(parsed.transferSyntaxUid);
  const overlays = readOverlays(ds, {
    bitsAllocated,
    bitsStored,
    highBit,
    floatBits,
    encapsulated: !!pixel.encapsulatedPixelData,
    transferSyntaxUid: parsed.transferSyntaxUid,
  });

  return {
    rows,
    columns,
    samplesPerPixel,
    photometric: photometricRaw,
    planarConfiguration: planar,
    bitsAllocated,
    bitsStored,
    highBit,
    pixelRepresentation,
    numberOfFrames,
    // PS3.3 C.11.1.1.2: absent Rescale Slope/Intercept mean the identity; a zero slope is not usable.
    rescaleSlope: slope === undefined || slope === 0 ? 1 : slope,
    rescaleIntercept: intercept ?? 0,
    modalityLut: readModalityLut(ds, pixelRepresentation, littleEndian),
    windows: readWindows(ds),
    voiLutFunction: readVoiLutFunction(ds),
    voiLuts: readVoiLuts(ds, littleEndian, pixelRepresentation),
    ...presentationShape(ds),
    ...(floatBits !== undefined ? { floatBits } : {}),
    ...(overlays.length > 0 ? { overlays } : {}),
    transferSyntaxUid: parsed.transferSyntaxUid,
  };
}
