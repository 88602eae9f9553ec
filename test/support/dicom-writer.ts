/**
 * Test-only DICOM Part 10 writer (PS3.10 7.1, PS3.5 7). Small on purpose: enough to build
 * fixtures that exercise the parser and the pixel pipeline, not a general DICOM toolkit.
 *
 * - File Meta Information (group 0002) is always Explicit VR Little Endian with a group
 *   length (0002,0000) (PS3.10 7.1).
 * - The data set follows in the requested transfer syntax: Implicit VR LE, Explicit VR LE,
 *   Explicit VR BE, or Deflated Explicit VR LE (PS3.5 A.1, A.2, A.3, A.5).
 * - Elements are sorted by tag (PS3.5 7.1), values padded to even length (PS3.5 7.1.1):
 *   space for text VRs, NUL for UI and binary VRs.
 * - SQ with defined or undefined length (PS3.5 7.5); undefinedLength on an SQ also makes its
 *   items undefined length (closed by Item Delimitation Items).
 * - Encapsulated pixel data (PS3.5 A.4): an OB element with `undefinedLength` is written as
 *   an empty Basic Offset Table followed by `fragments` (or the value as one fragment).
 */
import { deflateRawSync } from 'node:zlib';

export interface WriterElement {
  /** 'GGGGEEEE', uppercase hex. */
  tag: string;
  vr: string;
  /**
   * Text VRs: string or string[] (joined with '\').  Numeric VRs (US SS UL SL FL FD SV UV AT):
   * number or number[].  Binary VRs (OB OW OF OD OL OV UN): Uint8Array written verbatim (the
   * caller owns the byte order) or number[] (encoded in the data set's byte order with the VR's
   * word size).  SQ: an array of items, each an array of elements.
   */
  value: string | string[] | number | number[] | Uint8Array | WriterElement[][];
  undefinedLength?: boolean;
  /** Encapsulated pixel data fragments (PS3.5 A.4), used with undefinedLength on OB. */
  fragments?: Uint8Array[];
}

export interface WriteDicomOptions {
  transferSyntaxUid?: string;
  elements: WriterElement[];
  preamble?: boolean;
  fileMeta?: boolean;
}

export const TS_IMPLICIT_LE = '1.2.840.10008.1.2';
export const TS_EXPLICIT_LE = '1.2.840.10008.1.2.1';
export const TS_DEFLATED_LE = '1.2.840.10008.1.2.1.99';
export const TS_EXPLICIT_BE = '1.2.840.10008.1.2.2';

const IMPLEMENTATION_CLASS_UID = '1.2.826.0.1.3680043.10.1466.1';
const IMPLEMENTATION_VERSION = 'TEST_WRITER_1';

const TEXT_VRS = new Set('AE AS CS DA DS DT IS LO LT PN SH ST TM UC UI UR UT'.split(' '));
/** VRs with a 2-byte reserved field and a 4-byte length in explicit VR (PS3.5 Table 7.1-1). */
const LONG_VRS = new Set('OB OD OF OL OV OW SQ SV UC UN UR UT UV'.split(' '));
const NUMERIC_SIZE: Record<string, number> = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8, SV: 8, UV: 8, AT: 4 };
const BINARY_WORD: Record<string, number> = { OB: 1, UN: 1, OW: 2, OF: 4, OL: 4, OD: 8, OV: 8 };

interface Encoding {
  explicit: boolean;
  littleEndian: boolean;
}

class ByteSink {
  private chunks: Uint8Array[] = [];
  length = 0;
  push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }
  concat(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

const parseTag = (tag: string): [number, number] => {
  if (!/^[0-9A-F]{8}$/.test(tag)) throw new Error(`dicom-writer: tag must be 8 uppercase hex digits, got "${tag}"`);
  return [parseInt(tag.slice(0, 4), 16), parseInt(tag.slice(4), 16)];
};

function u16(v: number, le: boolean): Uint8Array {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, v, le);
  return b;
}
function u32(v: number, le: boolean): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, le);
  return b;
}

function encodeNumbers(vr: string, values: number[], le: boolean, size: number): Uint8Array {
  const out = new Uint8Array(values.length * size);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => {
    const at = i * size;
    switch (vr) {
      case 'US': case 'OW': dv.setUint16(at, v & 0xffff, le); break;
      case 'SS': dv.setInt16(at, v, le); break;
      case 'UL': case 'OL': dv.setUint32(at, v >>> 0, le); break;
      case 'SL': dv.setInt32(at, v, le); break;
      case 'FL': case 'OF': dv.setFloat32(at, v, le); break;
      case 'FD': case 'OD': dv.setFloat64(at, v, le); break;
      case 'SV': dv.setBigInt64(at, BigInt(v), le); break;
      case 'UV': case 'OV': dv.setBigUint64(at, BigInt(v), le); break;
      case 'AT': dv.setUint16(at, (v >>> 16) & 0xffff, le); dv.setUint16(at + 2, v & 0xffff, le); break;
      case 'OB': case 'UN': out[at] = v & 0xff; break;
      default: throw new Error(`dicom-writer: cannot encode numbers as ${vr}`);
    }
  });
  return out;
}

function padEven(bytes: Uint8Array, pad: number): Uint8Array {
  if (bytes.length % 2 === 0) return bytes;
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  out[bytes.length] = pad;
  return out;
}

function encodeValue(el: WriterElement, enc: Encoding): Uint8Array {
  const { vr, value } = el;
  if (TEXT_VRS.has(vr)) {
    if (value instanceof Uint8Array) return padEven(value, vr === 'UI' ? 0 : 0x20);
    const parts = Array.isArray(value) ? (value as unknown[]).map(String) : [String(value)];
    // latin1: fixtures stay in the default repertoire / ISO_IR 100 (PS3.5 6.1).
    const bytes = new Uint8Array(Buffer.from(parts.join('\\'), 'latin1'));
    return padEven(bytes, vr === 'UI' ? 0 : 0x20);
  }
  if (vr in NUMERIC_SIZE) {
    if (value instanceof Uint8Array) return value;
    const nums = Array.isArray(value) ? (value as number[]) : [value as number];
    return encodeNumbers(vr, nums, enc.littleEndian, NUMERIC_SIZE[vr]);
  }
  if (vr in BINARY_WORD) {
    if (value instanceof Uint8Array) return padEven(value, 0);
    const nums = Array.isArray(value) ? (value as number[]) : [value as number];
    return padEven(encodeNumbers(vr, nums, enc.littleEndian, BINARY_WORD[vr]), 0);
  }
  throw new Error(`dicom-writer: unsupported VR ${vr} for ${el.tag}`);
}

const UNDEFINED = 0xffffffff;

function writeHeader(sink: ByteSink, group: number, element: number, vr: string, length: number, enc: Encoding): void {
  const le = enc.littleEndian;
  sink.push(u16(group, le));
  sink.push(u16(element, le));
  if (!enc.explicit) {
    sink.push(u32(length, le));
    return;
  }
  sink.push(new Uint8Array(Buffer.from(vr, 'latin1')));
  if (LONG_VRS.has(vr)) {
    sink.push(new Uint8Array(2));
    sink.push(u32(length, le));
  } else {
    if (length > 0xffff) throw new Error(`dicom-writer: value of ${vr} too long for a 16-bit length (${length})`);
    sink.push(u16(length, le));
  }
}

/** Item / delimiter tags (FFFE,xxxx) are always written without VR (PS3.5 7.5). */
function writeItemTag(sink: ByteSink, element: number, length: number, le: boolean): void {
  sink.push(u16(0xfffe, le));
  sink.push(u16(element, le));
  sink.push(u32(length, le));
}

function sortElements(elements: WriterElement[]): WriterElement[] {
  return [...elements].sort((a, b) => parseInt(a.tag, 16) - parseInt(b.tag, 16));
}

function writeElements(sink: ByteSink, elements: WriterElement[], enc: Encoding): void {
  for (const el of sortElements(elements)) writeElement(sink, el, enc);
}

function writeElement(sink: ByteSink, el: WriterElement, enc: Encoding): void {
  const [group, element] = parseTag(el.tag);
  const le = enc.littleEndian;
  if (el.vr === 'SQ') {
    const items = (el.value ?? []) as WriterElement[][];
    const undefinedLength = !!el.undefinedLength;
    const body = new ByteSink();
    for (const item of items) {
      const itemBody = new ByteSink();
      writeElements(itemBody, item, enc);
      if (undefinedLength) {
        writeItemTag(body, 0xe000, UNDEFINED, le);
        body.push(itemBody.concat());
        writeItemTag(body, 0xe00d, 0, le); // Item Delimitation Item
      } else {
        writeItemTag(body, 0xe000, itemBody.length, le);
        body.push(itemBody.concat());
      }
    }
    if (undefinedLength) writeItemTag(body, 0xe0dd, 0, le); // Sequence Delimitation Item
    writeHeader(sink, group, element, 'SQ', undefinedLength ? UNDEFINED : body.length, enc);
    sink.push(body.concat());
    return;
  }
  if (el.undefinedLength) {
    // Encapsulated pixel data (PS3.5 A.4): empty Basic Offset Table item, then one item per fragment.
    const fragments = el.fragments ?? [el.value as Uint8Array];
    writeHeader(sink, group, element, el.vr, UNDEFINED, enc);
    writeItemTag(sink, 0xe000, 0, le);
    for (const f of fragments) {
      const padded = padEven(f, 0);
      writeItemTag(sink, 0xe000, padded.length, le);
      sink.push(padded);
    }
    writeItemTag(sink, 0xe0dd, 0, le);
    return;
  }
  const value = encodeValue(el, enc);
  writeHeader(sink, group, element, el.vr, value.length, enc);
  sink.push(value);
}

const stringValue = (elements: WriterElement[], tag: string): string | undefined => {
  const el = elements.find((e) => e.tag === tag);
  return el && typeof el.value === 'string' ? el.value : undefined;
};

/** Writes a DICOM Part 10 file (or a bare data set with `fileMeta: false`). */
export function writeDicom(options: WriteDicomOptions): Uint8Array {
  const transferSyntaxUid = options.transferSyntaxUid ?? TS_EXPLICIT_LE;
  const preamble = options.preamble ?? true;
  const fileMeta = options.fileMeta ?? true;
  const metaOverrides = options.elements.filter((e) => e.tag.startsWith('0002'));
  const dataElements = options.elements.filter((e) => !e.tag.startsWith('0002'));

  const enc: Encoding = {
    explicit: transferSyntaxUid !== TS_IMPLICIT_LE,
    littleEndian: transferSyntaxUid !== TS_EXPLICIT_BE,
  };
  const dataSink = new ByteSink();
  writeElements(dataSink, dataElements, enc);
  let dataSet = dataSink.concat();
  // PS3.5 A.5: everything after the File Meta is one raw deflate stream.
  if (transferSyntaxUid === TS_DEFLATED_LE) dataSet = new Uint8Array(deflateRawSync(dataSet));

  const out = new ByteSink();
  if (fileMeta) {
    if (preamble) {
      out.push(new Uint8Array(128));
      out.push(new Uint8Array([0x44, 0x49, 0x43, 0x4d]));
    }
    const metaEnc: Encoding = { explicit: true, littleEndian: true };
    const defaults: WriterElement[] = [
      { tag: '00020001', vr: 'OB', value: new Uint8Array([0x00, 0x01]) },
      { tag: '00020002', vr: 'UI', value: stringValue(dataElements, '00080016') ?? '1.2.840.10008.5.1.4.1.1.7' },
      { tag: '00020003', vr: 'UI', value: stringValue(dataElements, '00080018') ?? '1.2.826.0.1.3680043.10.1466.99' },
      { tag: '00020010', vr: 'UI', value: transferSyntaxUid },
      { tag: '00020012', vr: 'UI', value: IMPLEMENTATION_CLASS_UID },
      { tag: '00020013', vr: 'SH', value: IMPLEMENTATION_VERSION },
    ];
    const meta = new Map<string, WriterElement>();
    for (const e of defaults) meta.set(e.tag, e);
    for (const e of metaOverrides) meta.set(e.tag, e);
    const hasGroupLength = meta.has('00020000');
    const body = new ByteSink();
    writeElements(body, [...meta.values()].filter((e) => e.tag !== '00020000'), metaEnc);
    const metaBody = body.concat();
    const groupLength = hasGroupLength
      ? meta.get('00020000')!
      : { tag: '00020000', vr: 'UL', value: metaBody.length };
    writeElement(out, groupLength, metaEnc);
    out.push(metaBody);
  }
  out.push(dataSet);
  return out.concat();
}

export interface MakeImageOptions {
  rows: number;
  columns: number;
  bitsAllocated: 8 | 16 | 32;
  bitsStored?: number;
  highBit?: number;
  pixelRepresentation?: 0 | 1;
  photometric?: 'MONOCHROME1' | 'MONOCHROME2' | 'RGB';
  samplesPerPixel?: number;
  planarConfiguration?: 0 | 1;
  /** Written as Number of Frames (0028,0008) when given; the pixel data holds this many frames. */
  frames?: number;
  window?: { center: number | number[]; width: number | number[]; explanation?: string | string[] };
  rescale?: { slope: number; intercept: number };
  /**
   * The value written into the bitsAllocated-bit cell of (frame 0-based, row, col, sample).
   * Negative numbers become two's complement; bits above bitsStored are written as given,
   * so a fixture can put overlay/garbage bits above High Bit.
   */
  pixel: (frame: number, row: number, col: number, sample: number) => number;
  transferSyntaxUid?: string;
  extra?: WriterElement[];
}

/** Builds the native (uncompressed) pixel data bytes in the data set's byte order (PS3.5 8.1.1, 8.2). */
export function makePixelBytes(o: MakeImageOptions, littleEndian = true): Uint8Array {
  const spp = o.samplesPerPixel ?? (o.photometric === 'RGB' ? 3 : 1);
  const frames = o.frames ?? 1;
  const bytesPer = o.bitsAllocated / 8;
  const perFrame = o.rows * o.columns * spp;
  const total = perFrame * frames * bytesPer;
  const out = new Uint8Array(total + (total % 2));
  const dv = new DataView(out.buffer);
  const planar = spp > 1 && o.planarConfiguration === 1;
  let i = 0;
  const put = (v: number) => {
    const at = i * bytesPer;
    if (bytesPer === 1) out[at] = v & 0xff;
    else if (bytesPer === 2) dv.setUint16(at, v & 0xffff, littleEndian);
    else dv.setUint32(at, v >>> 0, littleEndian);
    i++;
  };
  for (let f = 0; f < frames; f++) {
    if (planar) {
      for (let s = 0; s < spp; s++)
        for (let r = 0; r < o.rows; r++) for (let c = 0; c < o.columns; c++) put(o.pixel(f, r, c, s));
    } else {
      for (let r = 0; r < o.rows; r++)
        for (let c = 0; c < o.columns; c++) for (let s = 0; s < spp; s++) put(o.pixel(f, r, c, s));
    }
  }
  return out;
}

const toList = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** An image object with plausible identifying modules and the Image Pixel module (PS3.3 C.7.6.3). */
export function makeImageDicom(o: MakeImageOptions): Uint8Array {
  return writeDicom({ transferSyntaxUid: o.transferSyntaxUid ?? TS_EXPLICIT_LE, elements: makeImageElements(o) });
}

/** The elements makeImageDicom writes, for fixtures that need to drop or corrupt one. */
export function makeImageElements(o: MakeImageOptions): WriterElement[] {
  const transferSyntaxUid = o.transferSyntaxUid ?? TS_EXPLICIT_LE;
  const photometric = o.photometric ?? 'MONOCHROME2';
  const spp = o.samplesPerPixel ?? (photometric === 'RGB' ? 3 : 1);
  const bitsStored = o.bitsStored ?? o.bitsAllocated;
  const highBit = o.highBit ?? bitsStored - 1;
  const littleEndian = transferSyntaxUid !== TS_EXPLICIT_BE;
  const elements: WriterElement[] = [
    { tag: '00080008', vr: 'CS', value: ['DERIVED', 'SECONDARY'] },
    { tag: '00080016', vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' },
    { tag: '00080018', vr: 'UI', value: '1.2.826.0.1.3680043.10.1466.1.1' },
    { tag: '00080020', vr: 'DA', value: '20240101' },
    { tag: '00080060', vr: 'CS', value: 'OT' },
    { tag: '00080064', vr: 'CS', value: 'WSD' },
    { tag: '00100010', vr: 'PN', value: 'Test^Fixture' },
    { tag: '00100020', vr: 'LO', value: 'FIXTURE-001' },
    { tag: '0020000D', vr: 'UI', value: '1.2.826.0.1.3680043.10.1466.1.2' },
    { tag: '0020000E', vr: 'UI', value: '1.2.826.0.1.3680043.10.1466.1.3' },
    { tag: '00200013', vr: 'IS', value: '1' },
    { tag: '00280002', vr: 'US', value: spp },
    { tag: '00280004', vr: 'CS', value: photometric },
    { tag: '00280010', vr: 'US', value: o.rows },
    { tag: '00280011', vr: 'US', value: o.columns },
    { tag: '00280100', vr: 'US', value: o.bitsAllocated },
    { tag: '00280101', vr: 'US', value: bitsStored },
    { tag: '00280102', vr: 'US', value: highBit },
    { tag: '00280103', vr: 'US', value: o.pixelRepresentation ?? 0 },
    {
      tag: '7FE00010',
      vr: o.bitsAllocated === 8 ? 'OB' : 'OW',
      value: makePixelBytes(o, littleEndian),
    },
  ];
  if (spp > 1) elements.push({ tag: '00280006', vr: 'US', value: o.planarConfiguration ?? 0 });
  if (o.frames !== undefined) elements.push({ tag: '00280008', vr: 'IS', value: String(o.frames) });
  if (o.window) {
    elements.push({ tag: '00281050', vr: 'DS', value: toList(o.window.center).map(String) });
    elements.push({ tag: '00281051', vr: 'DS', value: toList(o.window.width).map(String) });
    if (o.window.explanation !== undefined) elements.push({ tag: '00281055', vr: 'LO', value: o.window.explanation });
  }
  if (o.rescale) {
    elements.push({ tag: '00281052', vr: 'DS', value: String(o.rescale.intercept) });
    elements.push({ tag: '00281053', vr: 'DS', value: String(o.rescale.slope) });
  }
  // `extra` replaces defaults with the same tag, so fixtures can corrupt or drop attributes.
  const extraTags = new Set((o.extra ?? []).map((e) => e.tag));
  return [...elements.filter((e) => !extraTags.has(e.tag)), ...(o.extra ?? [])];
}

/** One overlay plane of group 60xx (PS3.3 C.9.2) with its bits in Overlay Data (60xx,3000). */
export interface OverlayPlaneOptions {
  /** 0x6000, 0x6002 ... 0x601E; 0x6000 when absent. */
  group?: number;
  rows: number;
  columns: number;
  /** Overlay Origin (60xx,0050), 1-based row\column; [1, 1] when absent. */
  origin?: [number, number];
  /** Overlay Type (60xx,0040). */
  type?: 'G' | 'R';
  /** Number of Frames in Overlay (60xx,0015) and Image Frame Origin (60xx,0051), written when given. */
  frames?: number;
  imageFrameOrigin?: number;
  /** OW (written as 16-bit words in the data set's byte order) or OB (bytes). */
  vr?: 'OW' | 'OB';
  /** Whether the overlay bit of (overlay frame 0-based, row, col) is set. */
  bit: (frame: number, row: number, col: number) => boolean;
}

const hexGroup = (group: number) => group.toString(16).toUpperCase().padStart(4, '0');

/**
 * The elements of one overlay plane: Overlay Data packed one bit per pixel, row by row and
 * frame after frame, the first pixel in the least significant bit (PS3.5 8.1.2 / PS3.3 C.9.2.1.1).
 */
export function makeOverlayElements(o: OverlayPlaneOptions): WriterElement[] {
  const g = hexGroup(o.group ?? 0x6000);
  const frames = o.frames ?? 1;
  const count = o.rows * o.columns * frames;
  const bytes = new Uint8Array(Math.ceil(count / 16) * 2);
  let i = 0;
  for (let f = 0; f < frames; f++)
    for (let r = 0; r < o.rows; r++)
      for (let c = 0; c < o.columns; c++, i++) if (o.bit(f, r, c)) bytes[i >> 3] |= 1 << (i & 7);
  const vr = o.vr ?? 'OW';
  const words: number[] = [];
  for (let w = 0; w < bytes.length; w += 2) words.push(bytes[w] | (bytes[w + 1] << 8));
  const elements: WriterElement[] = [
    { tag: `${g}0010`, vr: 'US', value: o.rows },
    { tag: `${g}0011`, vr: 'US', value: o.columns },
    { tag: `${g}0040`, vr: 'CS', value: o.type ?? 'G' },
    { tag: `${g}0050`, vr: 'SS', value: o.origin ?? [1, 1] },
    { tag: `${g}0100`, vr: 'US', value: 1 },
    { tag: `${g}0102`, vr: 'US', value: 0 },
    // OW as words lets the writer put them in the transfer syntax's byte order (PS3.5 A.3).
    { tag: `${g}3000`, vr, value: vr === 'OW' ? words : bytes },
  ];
  if (o.frames !== undefined) elements.push({ tag: `${g}0015`, vr: 'IS', value: String(o.frames) });
  if (o.imageFrameOrigin !== undefined) elements.push({ tag: `${g}0051`, vr: 'US', value: o.imageFrameOrigin });
  return elements;
}

/**
 * A retired overlay kept in an unused bit of the Pixel Data cells (PS3.5 8.1.2, retired): the
 * plane's attributes without Overlay Data; Overlay Bits Allocated is the pixel cell size and
 * Overlay Bit Position the bit (the caller's `pixel` sets it, e.g. bit 15 of 12-bit stored data).
 */
export function makeRetiredOverlayElements(o: { group?: number; rows: number; columns: number; bitsAllocated: number; bitPosition: number }): WriterElement[] {
  const g = hexGroup(o.group ?? 0x6000);
  return [
    { tag: `${g}0010`, vr: 'US', value: o.rows },
    { tag: `${g}0011`, vr: 'US', value: o.columns },
    { tag: `${g}0040`, vr: 'CS', value: 'G' },
    { tag: `${g}0050`, vr: 'SS', value: [1, 1] },
    { tag: `${g}0100`, vr: 'US', value: o.bitsAllocated },
    { tag: `${g}0102`, vr: 'US', value: o.bitPosition },
  ];
}

export interface FloatImageOptions {
  rows: number;
  columns: number;
  /** Double Float Pixel Data (7FE0,0009) instead of Float Pixel Data (7FE0,0008). */
  double?: boolean;
  /** Window Center/Width (0028,1050/1051), written when given. */
  window?: { center: number; width: number; fn?: 'LINEAR' | 'LINEAR_EXACT' | 'SIGMOID' };
  value: (row: number, col: number) => number;
  transferSyntaxUid?: string;
  extra?: WriterElement[];
}

/**
 * A parametric-map-like image with Float or Double Float Pixel Data (PS3.3 C.7.6.24): no Bits
 * Stored, High Bit or Pixel Representation; values in the transfer syntax's byte order.
 */
export function makeFloatImageDicom(o: FloatImageOptions): Uint8Array {
  const transferSyntaxUid = o.transferSyntaxUid ?? TS_EXPLICIT_LE;
  const values: number[] = [];
  for (let r = 0; r < o.rows; r++) for (let c = 0; c < o.columns; c++) values.push(o.value(r, c));
  const elements: WriterElement[] = [
    { tag: '00080008', vr: 'CS', value: ['DERIVED', 'PRIMARY', 'VOLUME', 'QUANTITY'] },
    { tag: '00080016', vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.30' },
    { tag: '00080018', vr: 'UI', value: '1.2.826.0.1.3680043.10.1466.1.4' },
    { tag: '00080060', vr: 'CS', value: 'MR' },
    { tag: '0020000D', vr: 'UI', value: '1.2.826.0.1.3680043.10.1466.1.2' },
    { tag: '0020000E', vr: 'UI', value: '1.2.826.0.1.3680043.10.1466.1.5' },
    { tag: '00280002', vr: 'US', value: 1 },
    { tag: '00280004', vr: 'CS', value: 'MONOCHROME2' },
    { tag: '00280010', vr: 'US', value: o.rows },
    { tag: '00280011', vr: 'US', value: o.columns },
    { tag: '00280100', vr: 'US', value: o.double ? 64 : 32 },
    { tag: o.double ? '7FE00009' : '7FE00008', vr: o.double ? 'OD' : 'OF', value: values },
  ];
  if (o.window) {
    elements.push({ tag: '00281050', vr: 'DS', value: String(o.window.center) });
    elements.push({ tag: '00281051', vr: 'DS', value: String(o.window.width) });
    if (o.window.fn) elements.push({ tag: '00281056', vr: 'CS', value: o.window.fn });
  }
  const extraTags = new Set((o.extra ?? []).map((e) => e.tag));
  return writeDicom({ transferSyntaxUid, elements: [...elements.filter((e) => !extraTags.has(e.tag)), ...(o.extra ?? [])] });
}

export const TS_RLE = '1.2.840.10008.1.2.5';

/** One RLE Lossless frame (PS3.5 G.3) of 8-bit single-sample values, written as literal runs only. */
export function rleFrame8(values: ArrayLike<number>): Uint8Array {
  const segment: number[] = [];
  for (let i = 0; i < values.length; i += 128) {
    const run = Math.min(128, values.length - i);
    segment.push(run - 1);
    for (let k = 0; k < run; k++) segment.push(values[i + k] & 0xff);
  }
  if (segment.length % 2) segment.push(0); // segments are padded to even length (PS3.5 G.5)
  const out = new Uint8Array(64 + segment.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 1, true); // one segment
  dv.setUint32(4, 64, true); // right after the 64-byte RLE header
  out.set(segment, 64);
  return out;
}

/**
 * Elements scanners write after Pixel Data (PS3.5 7.1: elements are in tag order): a private
 * group (7FE1, with its Private Creator, PS3.5 7.8.1), EAEA,0102 (fo-dicom GH133 has it), a
 * Digital Signatures Sequence (FFFA,FFFA, PS3.3 C.12.1.1.3) and, with `paddingBytes`, Data Set
 * Trailing Padding (FFFC,FFFC, PS3.10 7.2).
 */
export function trailingElements(paddingBytes = 0): WriterElement[] {
  const elements: WriterElement[] = [
    { tag: '7FE10010', vr: 'LO', value: 'TEST TRAILING' },
    { tag: '7FE11001', vr: 'OB', value: new Uint8Array([1, 2, 3, 4]) },
    { tag: 'EAEA0102', vr: 'OB', value: new Uint8Array([0xea, 0xea]) },
    {
      tag: 'FFFAFFFA',
      vr: 'SQ',
      value: [
        [
          { tag: '04000005', vr: 'US', value: 2 },
          { tag: '04000010', vr: 'UI', value: '1.2.840.10008.1.2.1' },
          { tag: '04000120', vr: 'OB', value: new Uint8Array(16).fill(0x5a) },
        ],
      ],
    },
  ];
  if (paddingBytes > 0) elements.push({ tag: 'FFFCFFFC', vr: 'OB', value: new Uint8Array(paddingBytes) });
  return elements;
}

export interface TrailingImageOptions {
  rows?: number;
  columns?: number;
  /** Encapsulated (RLE Lossless, one fragment per frame) instead of native Explicit VR LE. */
  encapsulated?: boolean;
  frames?: number;
  paddingBytes?: number;
  transferSyntaxUid?: string;
}

/** An 8-bit image followed by trailingElements(paddingBytes): native, or encapsulated RLE. */
export function makeTrailingImageDicom(o: TrailingImageOptions = {}): Uint8Array {
  const rows = o.rows ?? 64;
  const columns = o.columns ?? 64;
  const frames = o.frames ?? 1;
  const pixel = (f: number, r: number, c: number) => (f * 7 + r + c) & 0xff;
  const extra = trailingElements(o.paddingBytes);
  if (o.encapsulated) {
    const fragments = Array.from({ length: frames }, (_, f) => {
      const values = new Uint8Array(rows * columns);
      for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) values[r * columns + c] = pixel(f, r, c);
      return rleFrame8(values);
    });
    extra.push({ tag: '7FE00010', vr: 'OB', value: new Uint8Array(0), undefinedLength: true, fragments });
  }
  const transferSyntaxUid = o.transferSyntaxUid ?? (o.encapsulated ? TS_RLE : TS_EXPLICIT_LE);
  return writeDicom({
    transferSyntaxUid,
    elements: makeImageElements({ rows, columns, bitsAllocated: 8, frames: frames > 1 ? frames : undefined, pixel, transferSyntaxUid, extra }),
  });
}

/**
 * The value of one element encoded Implicit VR Little Endian, without its tag and length:
 * what an explicit 'UN' carries (PS3.5 6.2.2), e.g. a private sequence written as UN.
 */
export function implicitValue(el: WriterElement): Uint8Array {
  const sink = new ByteSink();
  writeElement(sink, el, { explicit: false, littleEndian: true });
  return sink.concat().subarray(8);
}
