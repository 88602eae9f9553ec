/**
 * One frame's bitstream from encapsulated Pixel Data (PS3.5 A.4): the Basic Offset Table, the
 * Extended Offset Table (7FE0,0001)/(7FE0,0002), or — when neither is there — one fragment per
 * frame, or frame boundaries found from the codec's end/start markers. Fragments of one frame
 * are concatenated. Every offset and length is checked against the data: a table or item that
 * points outside it is MalformedDicom, never a short or wrong frame.
 */
import type { Element } from '../dicom/data-set.js';
import { DomainError } from '../errors.js';
import type { ParsedDicom } from '../dicom/parse.js';

export interface Fragment {
  /** Offset of the fragment's Item tag from the first fragment's Item tag (the offset-table unit). */
  offset: number;
  /** Absolute position of the fragment's value in `parsed.byteArray`. */
  position: number;
  /** Bytes present. */
  length: number;
  /** Set on a fragment the file ends inside: the length its Item declares (lib/dicom/reader.ts). */
  declaredLength?: number;
}

const EXTENDED_OFFSET_TABLE = 'x7fe00001';
const EXTENDED_OFFSET_TABLE_LENGTHS = 'x7fe00002';

const malformed = (message: string, details?: Record<string, unknown>): DomainError =>
  new DomainError('MalformedDicom', `${message} (PS3.5 A.4).`, details);

/** The fragments of the pixel data element, each checked to lie inside the byte array. */
export function pixelFragments(parsed: ParsedDicom): Fragment[] {
  const el = parsed.pixelElement;
  if (!el) throw new DomainError('NoPixelData', 'The object has no Pixel Data (7FE0,0010).');
  if (!el.encapsulatedPixelData || !el.fragments) {
    throw malformed(
      `Pixel Data (7FE0,0010) has a defined length, but transfer syntax ${parsed.transferSyntaxUid} requires encapsulated (undefined length) pixel data with items`,
    );
  }
  const total = parsed.byteArray.length;
  const fragments = el.fragments.map((f) => ({ offset: f.offset, position: f.position, length: f.length, ...(f.declaredLength !== undefined ? { declaredLength: f.declaredLength } : {}) }));
  if (fragments.length === 0 && el.truncated) {
    throw new DomainError('TruncatedPixelData', 'The file ends inside the encapsulated pixel data before its first fragment: no frame is present (PS3.5 A.4).', {
      bytesPresent: 0,
    });
  }
  if (fragments.length === 0) throw malformed('Encapsulated Pixel Data (7FE0,0010) has no fragments after the Basic Offset Table item');
  fragments.forEach((f, i) => {
    if (!Number.isSafeInteger(f.length) || f.length < 0 || f.position < 0 || f.position + f.length > total) {
      throw malformed(
        `Pixel Data fragment ${i + 1} of ${fragments.length} claims ${f.length} bytes at byte ${f.position}, past the end of the ${total}-byte data (truncated file or lying item length)`,
        { fragment: i + 1, position: f.position, length: f.length, dataLength: total },
      );
    }
  });
  return fragments;
}

/**
 * TruncatedPixelData for frame `frameIndex` (0-based) of a file cut short inside its pixel data:
 * the bytes its fragments declare and the bytes present (PS3.5 A.4).
 */
function truncatedFrame(frameIndex: number, expected: number | undefined, present: number): DomainError {
  const what = expected === undefined ? 'its fragments lie past the end of the file' : `its fragments declare ${expected} bytes`;
  return new DomainError(
    'TruncatedPixelData',
    `Frame ${frameIndex + 1} is truncated: ${what}, ${present} are present (the file ends inside the encapsulated pixel data, PS3.5 A.4).`,
    { frame: frameIndex + 1, ...(expected !== undefined ? { bytesExpected: expected } : {}), bytesPresent: present },
  );
}

/** The frame's bytes, or TruncatedPixelData when the file ends inside one of its fragments. */
function frameBytes(byteArray: Uint8Array, parts: Fragment[], frameIndex: number): Uint8Array {
  if (parts.some((f) => f.declaredLength !== undefined)) {
    const expected = parts.reduce((n, f) => n + (f.declaredLength ?? f.length), 0);
    const present = parts.reduce((n, f) => n + f.length, 0);
    throw truncatedFrame(frameIndex, expected, present);
  }
  return concat(byteArray, parts);
}

function concat(byteArray: Uint8Array, parts: Fragment[]): Uint8Array {
  if (parts.length === 1) return byteArray.subarray(parts[0].position, parts[0].position + parts[0].length);
  const size = parts.reduce((n, f) => n + f.length, 0);
  const out = new Uint8Array(size);
  let at = 0;
  for (const f of parts) {
    out.set(byteArray.subarray(f.position, f.position + f.length), at);
    at += f.length;
  }
  return out;
}

/** Reads the 64-bit little-endian values of an OV element (Extended Offset Table and its lengths). */
function readUint64s(parsed: ParsedDicom, el: Element, what: string): number[] {
  const { byteArray } = parsed;
  if (el.length % 8 !== 0 || el.dataOffset + el.length > byteArray.length) {
    throw malformed(`${what} holds ${el.length} bytes at byte ${el.dataOffset}: not a whole number of 64-bit values inside the data`);
  }
  const view = new DataView(byteArray.buffer, byteArray.byteOffset + el.dataOffset, el.length);
  const values: number[] = [];
  for (let at = 0; at < el.length; at += 8) {
    const v = view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed(`${what} value ${v} is beyond any possible offset`);
    values.push(Number(v));
  }
  return values;
}

/** The fragments from the one whose Item starts at `offset`, covering `length` bytes (EOT) or up to `end`. */
function fragmentsFrom(fragments: Fragment[], offset: number, frame: number, table: string): number {
  const index = fragments.findIndex((f) => f.offset === offset);
  if (index < 0) {
    const last = fragments[fragments.length - 1];
    const beyond = offset > last.offset + 8 + last.length;
    throw malformed(
      `The ${table} gives frame ${frame + 1} the offset ${offset}, which ${beyond ? 'is past the end of the pixel data' : 'is not the start of any fragment Item'}`,
      { frame: frame + 1, offset },
    );
  }
  return index;
}

function viaExtendedOffsetTable(parsed: ParsedDicom, fragments: Fragment[], frameIndex: number, numberOfFrames: number): Uint8Array {
  const ds = parsed.dataSet;
  const offsetsEl = ds.elements[EXTENDED_OFFSET_TABLE];
  const lengthsEl = ds.elements[EXTENDED_OFFSET_TABLE_LENGTHS];
  if (!lengthsEl) throw malformed('Extended Offset Table (7FE0,0001) is present without Extended Offset Table Lengths (7FE0,0002)');
  const offsets = readUint64s(parsed, offsetsEl, 'Extended Offset Table (7FE0,0001)');
  const lengths = readUint64s(parsed, lengthsEl, 'Extended Offset Table Lengths (7FE0,0002)');
  if (offsets.length !== lengths.length || offsets.length !== numberOfFrames) {
    throw malformed(
      `Extended Offset Table (7FE0,0001) has ${offsets.length} entries and its Lengths (7FE0,0002) ${lengths.length}, but Number of Frames is ${numberOfFrames}`,
    );
  }
  const cut = parsed.pixelElement?.truncated === true;
  if (cut && offsets[frameIndex] > lastFragmentEnd(fragments) - 8) throw truncatedFrame(frameIndex, lengths[frameIndex], 0);
  const start = fragmentsFrom(fragments, offsets[frameIndex], frameIndex, 'Extended Offset Table (7FE0,0001)');
  // Each frame is in one fragment when the EOT is used; accept a frame spread over several, but
  // never read past the fragments that follow.
  const wanted = lengths[frameIndex];
  const parts: Fragment[] = [];
  let got = 0;
  for (let i = start; i < fragments.length && got < wanted; i++) {
    const take = Math.min(fragments[i].length, wanted - got);
    parts.push({ ...fragments[i], length: take });
    got += take;
  }
  if (got < wanted && cut) throw truncatedFrame(frameIndex, wanted, got);
  if (got < wanted) {
    throw malformed(`Extended Offset Table Lengths (7FE0,0002) gives frame ${frameIndex + 1} ${wanted} bytes, more than the fragments hold from its offset`, {
      frame: frameIndex + 1,
    });
  }
  return frameBytes(parsed.byteArray, parts, frameIndex);
}

/** Offset (as an offset table counts) just past the last fragment present. */
function lastFragmentEnd(fragments: Fragment[]): number {
  const last = fragments[fragments.length - 1];
  return last ? last.offset + 8 + last.length : 0;
}

function viaBasicOffsetTable(parsed: ParsedDicom, fragments: Fragment[], bot: number[], frameIndex: number, numberOfFrames: number): Uint8Array {
  if (bot.length !== numberOfFrames) {
    throw malformed(`The Basic Offset Table has ${bot.length} entries but Number of Frames (0028,0008) is ${numberOfFrames}`, {
      entries: bot.length,
      numberOfFrames,
    });
  }
  for (let i = 1; i < bot.length; i++) {
    if (bot[i] <= bot[i - 1]) throw malformed(`The Basic Offset Table is not increasing (entry ${i + 1} is ${bot[i]}, after ${bot[i - 1]})`);
  }
  const presentEnd = lastFragmentEnd(fragments);
  if (parsed.pixelElement?.truncated) {
    // The file ends inside the pixel data: a frame that starts past the cut has no bytes; one
    // whose successor starts past it keeps the fragments present, and the table says how many
    // bytes it should have (its items' headers aside).
    if (bot[frameIndex] >= presentEnd) {
      const expected = frameIndex + 1 < bot.length ? bot[frameIndex + 1] - bot[frameIndex] - 8 : undefined;
      throw truncatedFrame(frameIndex, expected, 0);
    }
    if (frameIndex + 1 === bot.length || bot[frameIndex + 1] >= presentEnd) {
      const start = fragmentsFrom(fragments, bot[frameIndex], frameIndex, 'Basic Offset Table');
      const parts = fragments.slice(start);
      if (frameIndex + 1 < bot.length) {
        const declaredEnd = parts.reduce((n, f) => n + 8 + (f.declaredLength ?? f.length), bot[frameIndex]);
        if (declaredEnd < bot[frameIndex + 1]) {
          const present = parts.reduce((n, f) => n + f.length, 0);
          throw truncatedFrame(frameIndex, bot[frameIndex + 1] - bot[frameIndex] - 8 * parts.length, present);
        }
      }
      return frameBytes(parsed.byteArray, parts, frameIndex);
    }
  }
  const start = fragmentsFrom(fragments, bot[frameIndex], frameIndex, 'Basic Offset Table');
  let end = fragments.length;
  if (frameIndex + 1 < bot.length) end = fragmentsFrom(fragments, bot[frameIndex + 1], frameIndex + 1, 'Basic Offset Table');
  return frameBytes(parsed.byteArray, fragments.slice(start, end), frameIndex);
}

/** Whether the fragment ends with a JPEG EOI / JPEG 2000 EOC marker (both FFD9), allowing trailing padding. */
function endsWithEoi(bytes: Uint8Array, f: Fragment): boolean {
  let end = f.position + f.length;
  // Items have even length; writers pad with 00 (or repeat FF) after the marker.
  for (let pad = 0; pad < 4 && end - 2 >= f.position; pad++) {
    if (bytes[end - 2] === 0xff && bytes[end - 1] === 0xd9) return true;
    if (bytes[end - 1] !== 0x00 && bytes[end - 1] !== 0xff && bytes[end - 1] !== 0x20) return false;
    end--;
  }
  return false;
}

/** Whether the fragment starts a JPEG / JPEG-LS (SOI FFD8) or JPEG 2000 (SOC FF4F) codestream, or a jp2 box. */
function startsCodestream(bytes: Uint8Array, f: Fragment): boolean {
  if (f.length < 4) return false;
  const p = f.position;
  if (bytes[p] === 0xff && (bytes[p + 1] === 0xd8 || (bytes[p + 1] === 0x4f && bytes[p + 2] === 0xff && bytes[p + 3] === 0x51))) return true;
  return f.length >= 8 && bytes[p + 4] === 0x6a && bytes[p + 5] === 0x50 && bytes[p + 6] === 0x20 && bytes[p + 7] === 0x20; // 'jP  '
}

/** Groups fragments into frames without an offset table; undefined when no rule gives `numberOfFrames`. */
function groupWithoutTable(bytes: Uint8Array, fragments: Fragment[], numberOfFrames: number): Fragment[][] | undefined {
  if (numberOfFrames === 1) return [fragments];
  if (fragments.length === numberOfFrames) return fragments.map((f) => [f]);
  if (fragments.length < numberOfFrames) return undefined;
  // A frame ends with the fragment that ends with EOI/EOC (both FFD9).
  const byEnd: Fragment[][] = [];
  let current: Fragment[] = [];
  for (const f of fragments) {
    current.push(f);
    if (endsWithEoi(bytes, f)) {
      byEnd.push(current);
      current = [];
    }
  }
  if (current.length) byEnd.push(current);
  if (byEnd.length === numberOfFrames) return byEnd;
  // A frame starts with the fragment that starts with SOI/SOC.
  const byStart: Fragment[][] = [];
  for (const f of fragments) {
    if (startsCodestream(bytes, f) || byStart.length === 0) byStart.push([f]);
    else byStart[byStart.length - 1].push(f);
  }
  if (byStart.length === numberOfFrames) return byStart;
  return undefined;
}

/**
 * The encoded bitstream of frame `frameIndex` (0-based) of `numberOfFrames`. The returned
 * array may be a view into `parsed.byteArray` (one fragment) or a new array (several).
 */
export function encapsulatedFrame(parsed: ParsedDicom, frameIndex: number, numberOfFrames: number): Uint8Array {
  if (!Number.isInteger(numberOfFrames) || numberOfFrames < 1) {
    throw new DomainError('MalformedDicom', `Number of Frames (0028,0008) is ${numberOfFrames}; it must be a positive integer (PS3.3 C.7.6.6).`);
  }
  if (!Number.isInteger(frameIndex) || frameIndex < 0 || frameIndex >= numberOfFrames) {
    throw new DomainError('FrameNotFound', `Frame ${frameIndex + 1} does not exist; the image has ${numberOfFrames} frame(s).`, {
      frame: frameIndex + 1,
      numberOfFrames,
    });
  }
  if (parsed.pixelElement?.truncated && parsed.pixelElement.fragments?.length === 0) throw truncatedFrame(frameIndex, undefined, 0);
  const fragments = pixelFragments(parsed);
  const bot = parsed.pixelElement?.basicOffsetTable ?? [];
  const hasEot = parsed.dataSet.elements[EXTENDED_OFFSET_TABLE] !== undefined && parsed.dataSet.elements[EXTENDED_OFFSET_TABLE].length > 0;

  if (hasEot) {
    if (bot.length > 0) {
      throw malformed('Both a Basic Offset Table and an Extended Offset Table (7FE0,0001) are present; the Basic Offset Table must be empty then');
    }
    return viaExtendedOffsetTable(parsed, fragments, frameIndex, numberOfFrames);
  }
  if (bot.length > 0 && !(numberOfFrames === 1 && bot.length === 1 && bot[0] === 0)) {
    return viaBasicOffsetTable(parsed, fragments, bot, frameIndex, numberOfFrames);
  }
  if (parsed.pixelElement!.truncated && fragments.length <= numberOfFrames && numberOfFrames > 1) {
    // Cut short, no table: one fragment per frame (PS3.5 A.4's usual layout) for the frames present.
    if (frameIndex >= fragments.length) throw truncatedFrame(frameIndex, undefined, 0);
    return frameBytes(parsed.byteArray, [fragments[frameIndex]], frameIndex);
  }
  const frames = groupWithoutTable(parsed.byteArray, fragments, numberOfFrames);
  if (!frames) {
    throw malformed(
      `There is no offset table and the ${fragments.length} fragment(s) cannot be split into ${numberOfFrames} frames (neither one fragment per frame nor frame boundaries at JPEG EOI / JPEG 2000 EOC or SOI/SOC markers)`,
      { fragments: fragments.length, numberOfFrames },
    );
  }
  return frameBytes(parsed.byteArray, frames[frameIndex], frameIndex);
}
