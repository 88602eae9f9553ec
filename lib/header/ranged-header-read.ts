/**
 * The ranged-read strategy of the header routes: reads only the header of a stored DICOM
 * object with ranged GETs, never the pixel data value.
 *
 * How it reads: 64 KiB first, then doubling what it holds until the parser reaches the first
 * top-level Pixel Data / Float Pixel Data / Double Float Pixel Data element (its value is not
 * read) or the end of the object; so a header read costs at most max(64 KiB, 2 x header).
 *
 * Elements after the pixel data (private groups, Digital Signatures FFFA,FFFA, Data Set
 * Trailing Padding FFFC,FFFC) are then read with one ranged GET of the bytes after its value:
 * - whole header (`includeTrailing: 'whole-header'`): from where the processor recorded they
 *   start (lib/files/summary.ts, checked against the bytes), or, before processing, from the
 *   end of native pixel data (its length says where). Left out when that tail is over
 *   MAX_TRAILING_BYTES, for encapsulated pixel data not processed yet (walking its items costs
 *   a GET per fragment) and for Deflated files (reaching them means inflating the pixel data).
 *   Data Set Trailing Padding is left out: it has no meaning (PS3.10 7.2). A tail that is not
 *   a data set is left out too (the processor rejects that file).
 * - a tag there asked for (`includeTrailing: true`): the same, and without a record the
 *   encapsulated pixel data is skipped by walking its item headers (MAX_FRAGMENT_WALK), a
 *   Deflated file is inflated whole (bounded); over maxHeaderBytes is HeaderTooLarge.
 */
import { DomainError } from '../errors.js';
import { vrLookup } from '../dicom/dictionary.js';
import { NeedMoreBytes, parseDicom, type ParsedDicom } from '../dicom/parse.js';
import { makeDataSet } from '../dicom/dicom-parser-adapter.js';
import { MalformedAt, OutOfBytes, readDataSet } from '../dicom/reader.js';
import { tagOfKey } from '../dicom/tag.js';
import type { TrailingRecord } from '../files/summary.js';
import type { Storage } from '../storage/storage.js';
import { type HeaderWarning, headerWarnings } from './header-warnings.js';

/** The first read: most headers (even with large private groups) fit in 64 KiB. */
export const FIRST_READ_BYTES = 64 * 1024;
/**
 * Inflation bound for Deflated Explicit VR LE (PS3.5 A.5) on the header path. The header
 * Lambda has 512 MB and inflating keeps two copies for a moment, so a deflate bomb must stop
 * far below the export's 256 MiB: found by the robustness suite (a 250 KiB upload inflating
 * to 250 MiB peaked at 800 MB here).
 */
export const HEADER_MAX_INFLATED_BYTES = 64 * 1024 * 1024;
/** Headers above this are refused: no scanner writes one, and it bounds memory and time. */
export const DEFAULT_MAX_HEADER_BYTES = 10 * 1024 * 1024;
/** Item headers walked to find the end of encapsulated Pixel Data (one 8-byte read each). */
const MAX_FRAGMENT_WALK = 4096;
/**
 * The most bytes after the pixel data a whole-header read fetches: signatures and private
 * groups there are a few KiB; a larger tail is left out of the whole header (its tags can still
 * be asked for one by one).
 */
export const MAX_TRAILING_BYTES = 1024 * 1024;
/** Data Set Trailing Padding (PS3.10 7.2). */
const TRAILING_PADDING = 'xfffcfffc';

export interface ReadHeaderOptions {
  maxHeaderBytes?: number;
  firstReadBytes?: number;
  /**
   * Also read the elements after the top-level pixel data, skipping its value (module comment):
   * true when a tag there is asked for, 'whole-header' for the whole header (bounded, padding left out).
   */
  includeTrailing?: boolean | 'whole-header';
  /** What the processor recorded about where they lie, when the file is ready (awaited only when needed). */
  trailingRecord?: Promise<TrailingRecord | undefined>;
}

export interface HeaderRead {
  parsed: ParsedDicom;
  /** Bytes fetched from storage (for tests and metrics). */
  bytesRead: number;
  /** Ranged GETs made (HEAD not counted). */
  reads: number;
  objectSize: number;
  /** File offset of an element's value (undefined for a deflated object: offsets are into the inflated stream). */
  fileOffset: (dataOffset: number, isPixelElement: boolean) => number | undefined;
  /** What is damaged (header-warnings.ts): the header holds the elements read before it. */
  warnings: HeaderWarning[];
}

/** Ranged reads of one object, counted (for tests and metrics). */
export class Reads {
  bytes = 0;
  count = 0;
  constructor(
    readonly storage: Storage,
    readonly key: string,
  ) {}

  async first(length: number): Promise<{ bytes: Uint8Array; size: number } | undefined> {
    const out = await this.storage.getHead(this.key, length);
    if (out) {
      this.count++;
      this.bytes += out.bytes.length;
    }
    return out;
  }

  async range(start: number, endInclusive: number): Promise<Uint8Array> {
    this.count++;
    const chunk = await this.storage.getRange(this.key, start, endInclusive);
    this.bytes += chunk.length;
    return chunk;
  }
}

function tooLarge(maxHeaderBytes: number): DomainError {
  return new DomainError(
    'HeaderTooLarge',
    `The DICOM header is larger than the ${maxHeaderBytes}-byte limit of this service (it must end within the first ${maxHeaderBytes} bytes, before Pixel Data).`,
    { limitBytes: maxHeaderBytes },
  );
}

/**
 * Reads the header of `key` (see the module comment). Throws FileNotFound, NotDicom,
 * MalformedDicom (with the offset and tag), ImageTooLarge (deflate bomb) or HeaderTooLarge;
 * never anything else for bad bytes.
 */
export async function readHeader(storage: Storage, key: string, options: ReadHeaderOptions = {}): Promise<HeaderRead> {
  const maxHeaderBytes = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  const reads = new Reads(storage, key);
  // One ranged GET gives the first bytes and the object's size: no HEAD before it.
  const first = await reads.first(options.firstReadBytes ?? FIRST_READ_BYTES);
  if (!first) throw new DomainError('FileNotFound', 'No DICOM file was uploaded under this id.');
  const objectSize = first.size;
  if (objectSize === 0) throw new DomainError('NotDicom', 'The file is empty, so it is not DICOM (PS3.10 7.1).');

  let held: Uint8Array = first.bytes;
  let want = held.length;
  let parsed: ParsedDicom | undefined;
  for (let round = 0; ; round++) {
    if (round > 0) {
      const chunk = await reads.range(held.length, want - 1);
      if (chunk.length === 0) {
        // The object is shorter than it said (replaced meanwhile): parse what we have.
        parsed = parseDicom(held, { untilPixelData: true, complete: true, vrLookup, maxInflatedBytes: HEADER_MAX_INFLATED_BYTES });
        break;
      }
      held = concat(held, chunk);
    }
    const complete = held.length >= objectSize;
    let needed: number | undefined;
    try {
      parsed = parseDicom(held, { untilPixelData: true, complete, vrLookup, maxInflatedBytes: HEADER_MAX_INFLATED_BYTES });
      break;
    } catch (e) {
      if (!(e instanceof NeedMoreBytes)) throw e;
      needed = e.needed;
    }
    if (held.length >= maxHeaderBytes) throw tooLarge(maxHeaderBytes);
    // Double what we hold (total bytes read stay below 2x the header size), or, when the
    // parser needs more than that (a long element value), what it needs plus one first read:
    // still at most 2x the header, since the header is over 64 KiB then.
    const first = options.firstReadBytes ?? FIRST_READ_BYTES;
    const next = needed !== undefined && needed > held.length * 2 ? needed + first : held.length * 2;
    want = Math.min(next, objectSize, maxHeaderBytes);
  }

  const identity = (offset: number) => (parsed.inflated ? undefined : offset);
  const result: HeaderRead = { parsed, bytesRead: reads.bytes, reads: reads.count, objectSize, fileOffset: identity, warnings: headerWarnings(parsed, objectSize) };
  if (!options.includeTrailing || !parsed.stoppedAtPixelData || !parsed.pixelElement) return result;
  return readTrailing(reads, result, maxHeaderBytes, options);
}

const DELIMITER_LE = [0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0];

/** Adds the elements after the top-level pixel data to a header read (see the module comment). */
async function readTrailing(reads: Reads, head: HeaderRead, maxHeaderBytes: number, options: ReadHeaderOptions): Promise<HeaderRead> {
  const { parsed, objectSize } = head;
  const pixel = parsed.pixelElement;
  if (!pixel) return head;
  const whole = options.includeTrailing === 'whole-header';
  const unchanged = (): HeaderRead => ({ ...head, bytesRead: reads.bytes, reads: reads.count });
  if (parsed.inflated) {
    if (whole) return unchanged();
    // Deflated: no offsets to skip by; inflate the whole object (bounded) and parse it all.
    if (objectSize > maxHeaderBytes) throw tooLarge(maxHeaderBytes);
    const all = await reads.range(0, objectSize - 1);
    const wholeParse = parseDicom(all, { complete: true, vrLookup, maxInflatedBytes: HEADER_MAX_INFLATED_BYTES });
    return { ...head, parsed: wholeParse, bytesRead: reads.bytes, reads: reads.count, fileOffset: () => undefined, warnings: headerWarnings(wholeParse, objectSize) };
  }
  const record = options.trailingRecord ? await options.trailingRecord : undefined;
  if (record === 'none' && whole) return unchanged();
  const range = record && record !== 'none' ? record : undefined;
  const encapsulated = pixel.hadUndefinedLength || pixel.length === 0xffffffff;
  // Where the elements after the pixel data start: a native value's length says; for encapsulated
  // pixel data the processor's record does (checked below: the Sequence Delimitation Item ends there).
  let pixelEnd: number | undefined = !encapsulated
    ? pixel.dataOffset + pixel.length
    : range && range.offset >= pixel.dataOffset + 8 && (parsed.dataSetEncoding?.littleEndian ?? true)
      ? range.offset
      : undefined;
  const recorded = range !== undefined && range.offset === pixelEnd;
  // The whole header stops before the padding when the record says where it starts.
  let end = whole && recorded ? Math.min(range.end, objectSize) : objectSize;
  let tail: Uint8Array | undefined;
  if (pixelEnd !== undefined && recorded && encapsulated) {
    if (pixelEnd >= end) return unchanged();
    if (whole && end - pixelEnd > MAX_TRAILING_BYTES) return unchanged();
    if (!whole && end - pixelEnd > maxHeaderBytes) throw tooLarge(maxHeaderBytes);
    // The 8 bytes before it too, in the same GET: a stale record would not end in a delimiter.
    const bytes = await fetchRange(reads, parsed.byteArray, pixelEnd - 8, end);
    if (DELIMITER_LE.every((b, i) => bytes[i] === b)) tail = bytes.subarray(8);
    else pixelEnd = undefined;
  }
  if (pixelEnd === undefined) {
    if (whole) return unchanged(); // no record: walking the fragments costs a GET each
    pixelEnd = await encapsulatedEnd(reads, pixel.dataOffset, objectSize, pixel.tag);
    end = objectSize;
  }
  if (!tail) {
    if (pixelEnd >= end) return unchanged();
    if (whole && end - pixelEnd > MAX_TRAILING_BYTES) return unchanged();
    if (!whole && end - pixelEnd > maxHeaderBytes) throw tooLarge(maxHeaderBytes);
    tail = await fetchRange(reads, parsed.byteArray, pixelEnd, end);
  }
  const start = pixel.dataOffset;
  const merged = concat(parsed.byteArray.subarray(0, start), tail);
  const delta = pixelEnd - start;
  let trailing;
  try {
    trailing = readDataSet(merged, start, parsed.dataSetEncoding ?? { implicit: false, littleEndian: true }, {
      complete: true,
      vrLookup,
      detectEncoding: false,
    });
  } catch (e) {
    // The whole header stays readable when what follows the pixel data is not a data set (the
    // processor rejects such a file); asking for a tag there says why, with the offset.
    if (whole && (e instanceof MalformedAt || e instanceof OutOfBytes)) return unchanged();
    if (e instanceof MalformedAt) {
      throw new DomainError(
        'MalformedDicom',
        `The elements after the pixel data could not be parsed: ${e.reason} (byte ${e.offset + delta}${e.tag ? `, tag ${e.tag}` : ''}).`,
        { offset: e.offset + delta, ...(e.tag ? { tag: e.tag } : {}) },
      );
    }
    if (e instanceof OutOfBytes) throw new DomainError('MalformedDicom', `The elements after the pixel data are truncated: ${e.reason}.`);
    throw e;
  }
  const elements = { ...parsed.dataSet.elements };
  for (const [tag, element] of Object.entries(trailing.elements)) {
    if (!elements[tag] && !(whole && tag === TRAILING_PADDING)) elements[tag] = element;
  }
  const littleEndian = parsed.dataSetEncoding?.littleEndian ?? true;
  const dataSet = makeDataSet(merged, littleEndian, elements);
  return {
    parsed: { ...parsed, dataSet, byteArray: merged },
    bytesRead: reads.bytes,
    reads: reads.count,
    objectSize,
    fileOffset: (offset, isPixelElement) => (isPixelElement || offset < start ? offset : offset + delta),
    warnings: head.warnings,
  };
}

/** Bytes [start, end) of the object: from what the header read holds when it reaches that far, else one ranged GET. */
async function fetchRange(reads: Reads, held: Uint8Array, start: number, end: number): Promise<Uint8Array> {
  if (held.length >= end) return held.subarray(start, end);
  return reads.range(start, end - 1);
}

/** End offset of encapsulated pixel data: walks its item headers (8 bytes each) to the delimiter. */
export async function encapsulatedEnd(reads: Reads, start: number, objectSize: number, tag: string): Promise<number> {
  let at = start;
  for (let i = 0; i < MAX_FRAGMENT_WALK; i++) {
    if (at + 8 > objectSize) return objectSize; // no delimiter: the pixel data runs to the end
    const h = await reads.range(at, at + 7);
    if (h.length < 8) return objectSize;
    const dv = new DataView(h.buffer, h.byteOffset, 8);
    const group = dv.getUint16(0, true);
    const element = dv.getUint16(2, true);
    const length = dv.getUint32(4, true);
    if (group !== 0xfffe || (element !== 0xe000 && element !== 0xe0dd)) {
      throw new DomainError('MalformedDicom', `Encapsulated pixel data has no item or delimiter at byte ${at}.`, {
        offset: at,
        tag: tagOfKey(tag),
      });
    }
    if (element === 0xe0dd) return at + 8;
    at += 8 + length;
  }
  throw new DomainError('HeaderTooLarge', `The pixel data has more than ${MAX_FRAGMENT_WALK} fragments to skip to reach the elements after it.`, {
    limitFragments: MAX_FRAGMENT_WALK,
  });
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
