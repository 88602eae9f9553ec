/**
 * PALETTE COLOR lookup tables (PS3.3 C.7.6.3.1.5, C.7.6.3.1.6; Segmented, C.7.9.2): the Red,
 * Green and Blue descriptors (0028,1101-1103), their data (0028,1201-1203) or segmented data
 * (0028,1221-1223).
 */
import type { DataSet } from '../dicom/data-set.js';
import { DomainError } from '../errors.js';
import type { ParsedDicom } from '../dicom/parse.js';
import { readLutWords } from './image-info.js';
import { isBigEndian } from '../dicom/transfer-syntax.js';

export interface PaletteChannel {
  /** Entries (expanded when segmented). */
  data: Uint16Array;
  firstMapped: number;
  /** Bits per entry from the descriptor (8 or 16), corrected to 8 when 16 is declared but every entry is below 256. */
  bits: 8 | 16;
}

export interface Palette {
  red: PaletteChannel;
  green: PaletteChannel;
  blue: PaletteChannel;
}

const CHANNELS = [
  ['Red', 'x00281101', 'x00281201', 'x00281221'],
  ['Green', 'x00281102', 'x00281202', 'x00281222'],
  ['Blue', 'x00281103', 'x00281203', 'x00281223'],
] as const;

const malformed = (message: string) => new DomainError('MalformedDicom', message);

/**
 * Expands Segmented Palette Color LUT Data (PS3.3 C.7.9.2): a list of segments of 16-bit
 * words — opcode 0 discrete (length, then that many values), 1 linear (length, then the end
 * value: `length` values stepping from the previous value to the end value), 2 indirect
 * (number of segments, then a 32-bit word offset, low word first, of the first segment to
 * copy). Expansion stops at `count` entries; anything malformed is MalformedDicom.
 */
export function expandSegmented(words: Uint16Array, count: number, what: string): Uint16Array {
  const out = new Uint16Array(count);
  let n = 0;
  const run = (start: number, end: number, depth: number): void => {
    if (depth > 4) throw malformed(`${what}: indirect segments nest too deeply (PS3.3 C.7.9.2).`);
    let i = start;
    while (i < end && n < count) {
      const op = words[i];
      const len = words[i + 1];
      if (len === undefined) throw malformed(`${what}: segment at word ${i} is cut short (PS3.3 C.7.9.2).`);
      if (op === 0) {
        if (i + 2 + len > words.length) throw malformed(`${what}: discrete segment at word ${i} runs past the data (PS3.3 C.7.9.2).`);
        for (let k = 0; k < len && n < count; k++) out[n++] = words[i + 2 + k];
        i += 2 + len;
      } else if (op === 1) {
        if (n === 0) throw malformed(`${what}: a linear segment cannot come first; it starts from the previous value (PS3.3 C.7.9.2.1).`);
        const y0 = out[n - 1];
        const y1 = words[i + 2];
        if (y1 === undefined) throw malformed(`${what}: linear segment at word ${i} is cut short (PS3.3 C.7.9.2).`);
        for (let k = 1; k <= len && n < count; k++) out[n++] = Math.round(y0 + ((y1 - y0) * k) / len);
        i += 3;
      } else if (op === 2) {
        const lo = words[i + 2];
        const hi = words[i + 3];
        if (hi === undefined) throw malformed(`${what}: indirect segment at word ${i} is cut short (PS3.3 C.7.9.2).`);
        const offset = lo + hi * 65536;
        if (offset >= i) throw malformed(`${what}: indirect segment at word ${i} points at word ${offset}, not an earlier segment (PS3.3 C.7.9.2.2).`);
        // Copy `len` segments starting at `offset`.
        let at = offset;
        for (let s = 0; s < len && n < count; s++) {
          const next = segmentEnd(words, at, what);
          run(at, next, depth + 1);
          at = next;
        }
        i += 4;
      } else {
        throw malformed(`${what}: segment opcode ${op} at word ${i} is not 0, 1 or 2 (PS3.3 C.7.9.2).`);
      }
    }
  };
  run(0, words.length, 0);
  if (n < count) throw malformed(`${what}: the segments expand to ${n} entries, fewer than the ${count} the descriptor declares (PS3.3 C.7.9.2).`);
  return out;
}

function segmentEnd(words: Uint16Array, at: number, what: string): number {
  const op = words[at];
  const len = words[at + 1] ?? 0;
  if (op === 0) return at + 2 + len;
  if (op === 1) return at + 3;
  if (op === 2) return at + 4;
  throw malformed(`${what}: segment opcode ${op} at word ${at} is not 0, 1 or 2 (PS3.3 C.7.9.2).`);
}

function readChannel(ds: DataSet, name: string, descTag: string, dataTag: string, segTag: string, littleEndian: boolean, pixelRepresentation: number): PaletteChannel {
  const what = `${name} Palette Color Lookup Table`;
  const desc = ds.elements[descTag];
  if (!desc || desc.length < 6) {
    throw malformed(`PALETTE COLOR needs the ${what} Descriptor (0028,110${CHANNELS.findIndex((c) => c[0] === name) + 1}) (PS3.3 C.7.6.3.1.5).`);
  }
  const count = ds.uint16(descTag, 0) || 65536;
  const rawFirst = ds.uint16(descTag, 1) ?? 0;
  const firstMapped = pixelRepresentation === 1 && rawFirst > 0x7fff ? rawFirst - 0x10000 : rawFirst;
  const declared = ds.uint16(descTag, 2) ?? 0;
  if (declared !== 8 && declared !== 16) {
    throw new DomainError('UnsupportedPixelFormat', `The ${what} Descriptor declares ${declared}-bit entries; PS3.3 C.7.6.3.1.5 allows 8 or 16.`);
  }
  let data: Uint16Array;
  if (ds.elements[dataTag]) {
    data = readLutWords(ds, dataTag, count, declared, littleEndian, `The ${what} (PS3.3 C.7.6.3.1.6)`);
  } else if (ds.elements[segTag]) {
    const el = ds.elements[segTag];
    const words = new Uint16Array(Math.floor(el.length / 2));
    const dv = new DataView(ds.byteArray.buffer, ds.byteArray.byteOffset + el.dataOffset, words.length * 2);
    for (let i = 0; i < words.length; i++) words[i] = dv.getUint16(i * 2, littleEndian);
    data = expandSegmented(words, count, `Segmented ${what} Data`);
  } else {
    throw malformed(`PALETTE COLOR needs the ${what} Data or Segmented ${what} Data (PS3.3 C.7.6.3.1.6, C.7.9.2).`);
  }
  let bits: 8 | 16 = declared;
  if (bits === 16) {
    // Some writers declare 16 bits but store 8-bit entries; dcmtk and gdcm treat those as 8-bit.
    let max = 0;
    for (let i = 0; i < data.length; i++) if (data[i] > max) max = data[i];
    if (max < 256) bits = 8;
  }
  return { data, firstMapped, bits };
}

export function readPalette(parsed: ParsedDicom, pixelRepresentation: number): Palette {
  const littleEndian = !isBigEndian(parsed.transferSyntaxUid);
  const [red, green, blue] = CHANNELS.map(([name, d, data, seg]) => readChannel(parsed.dataSet, name, d, data, seg, littleEndian, pixelRepresentation));
  return { red, green, blue };
}

/**
 * Applies the palette to one frame of stored values: RGB interleaved, each channel scaled to
 * the output depth. 16-bit entries keep their high byte for 8-bit output (dcmtk's shift).
 * Indexes below the first mapped value take the first entry, above the last the last
 * (PS3.3 C.7.6.3.1.5).
 */
export function applyPalette(values: ArrayLike<number>, palette: Palette, bitDepth: 8 | 16): Uint8Array | Uint16Array {
  const out = bitDepth === 16 ? new Uint16Array(values.length * 3) : new Uint8Array(values.length * 3);
  const channels = [palette.red, palette.green, palette.blue].map((c) => {
    // Pre-scale each table to the output depth once.
    const t = bitDepth === 16 ? new Uint16Array(c.data.length) : new Uint8Array(c.data.length);
    for (let i = 0; i < c.data.length; i++) {
      const e = c.data[i];
      t[i] = bitDepth === 8 ? (c.bits === 16 ? e >> 8 : e & 0xff) : c.bits === 16 ? e : (e & 0xff) * 257;
    }
    return { t, first: c.firstMapped, last: c.data.length - 1 };
  });
  for (let s = 0; s < 3; s++) {
    const { t, first, last } = channels[s];
    for (let i = 0; i < values.length; i++) {
      const k = values[i] - first;
      out[i * 3 + s] = t[k <= 0 ? 0 : k >= last ? last : k];
    }
  }
  return out;
}
