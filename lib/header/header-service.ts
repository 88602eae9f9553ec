/**
 * The header service behind GET /files/{id}/tags[/{tag}] and GET /files/{id}/bulk/{path}:
 * reads only the header of a stored DICOM object with ranged GETs (never the pixel data
 * value) and returns the DICOM JSON model (PS3.18 F.2).
 *
 * How it reads: 64 KiB first, then doubling what it holds until the parser reaches the first
 * top-level Pixel Data / Float Pixel Data / Double Float Pixel Data element (its value is not
 * read) or the end of the object; so a header read costs at most max(64 KiB, 2 x header).
 * Elements after the pixel data (Data Set Trailing Padding, Digital Signatures FFFA,FFFA) are
 * read only when asked for: the pixel data value is skipped by its length (or, encapsulated,
 * by walking its item headers) and only the bytes after it are fetched.
 */
import { type Config, DEFAULT_MEMO_TTL_SECONDS } from '../config.js';
import { DomainError } from '../errors.js';
import { lookupTag, vrLookup } from '../dicom/dictionary.js';
import {
  dataSetToJson,
  elementToJson,
  locateElement,
  toLittleEndian,
  type DicomJsonDataSet,
  type DicomJsonElement,
} from '../dicom/json-model.js';
import { NeedMoreBytes, parseDicom, type ParsedDicom } from '../dicom/parse.js';
import { MalformedAt, OutOfBytes, makeDataSet, readDataSet } from '../dicom/reader.js';
import { formatTagPath, parseTag, parseTagPath, type TagPathStep } from '../dicom/tag.js';
import { ImmutableMemo } from '../cache/immutable-memo.js';
import { isReady, missingUploadError, recordedState } from '../files/file-state.js';
import { uploadKey } from '../storage/object-keys.js';
import type { Storage } from '../storage/storage.js';

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
/** Largest bulk value answered in one response (Lambda responses are limited to 6 MB, base64 adds 1/3). */
export const MAX_BULK_RESPONSE_BYTES = 4 * 1024 * 1024;
/** Item headers walked to find the end of encapsulated Pixel Data (one 8-byte read each). */
const MAX_FRAGMENT_WALK = 4096;
/** Tags above this are after the pixel data: asking for them reads past it. */
const FIRST_PIXEL_TAG = '7FE00008';

export interface ReadHeaderOptions {
  maxHeaderBytes?: number;
  firstReadBytes?: number;
  /** Also read the elements after the top-level pixel data (skipping its value). */
  includeTrailing?: boolean;
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
}

class Reads {
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

  const identity = (offset: number) => (parsed!.inflated ? undefined : offset);
  const result: HeaderRead = { parsed, bytesRead: reads.bytes, reads: reads.count, objectSize, fileOffset: identity };
  if (!options.includeTrailing || !parsed.stoppedAtPixelData || !parsed.pixelElement) return result;
  return readTrailing(reads, result, maxHeaderBytes);
}

/** Adds the elements after the top-level pixel data to a header read (see the module comment). */
async function readTrailing(reads: Reads, head: HeaderRead, maxHeaderBytes: number): Promise<HeaderRead> {
  const { parsed, objectSize } = head;
  const pixel = parsed.pixelElement!;
  if (parsed.inflated) {
    // Deflated: no offsets to skip by; inflate the whole object (bounded) and parse it all.
    if (objectSize > maxHeaderBytes) throw tooLarge(maxHeaderBytes);
    const all = await reads.range(0, objectSize - 1);
    const whole = parseDicom(all, { complete: true, vrLookup, maxInflatedBytes: HEADER_MAX_INFLATED_BYTES });
    return { ...head, parsed: whole, bytesRead: reads.bytes, reads: reads.count, fileOffset: () => undefined };
  }
  const pixelEnd = pixel.hadUndefinedLength || pixel.length === 0xffffffff
    ? await encapsulatedEnd(reads, pixel.dataOffset, objectSize, pixel.tag)
    : pixel.dataOffset + pixel.length;
  if (pixelEnd >= objectSize) return { ...head, bytesRead: reads.bytes, reads: reads.count };
  if (objectSize - pixelEnd > maxHeaderBytes) throw tooLarge(maxHeaderBytes);
  const tail = await reads.range(pixelEnd, objectSize - 1);
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
  for (const [tag, element] of Object.entries(trailing.elements)) if (!elements[tag]) elements[tag] = element;
  const littleEndian = parsed.dataSetEncoding?.littleEndian ?? true;
  const dataSet = makeDataSet(merged, littleEndian, elements);
  return {
    parsed: { ...parsed, dataSet, byteArray: merged },
    bytesRead: reads.bytes,
    reads: reads.count,
    objectSize,
    fileOffset: (offset, isPixelElement) => (isPixelElement || offset < start ? offset : offset + delta),
  };
}

/** End offset of encapsulated pixel data: walks its item headers (8 bytes each) to the delimiter. */
async function encapsulatedEnd(reads: Reads, start: number, objectSize: number, tag: string): Promise<number> {
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
        tag: tag.slice(1).toUpperCase(),
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

export interface HeaderOptions {
  /** Makes the BulkDataURI of a value from its tag path (PS3.18 F.2.6). */
  bulkDataUri?: (tagPath: string) => string;
}

/** Parses `?tag=` values (PS3.6 keywords or tag numbers, private tags too); InvalidTag otherwise. */
export function parseTagFilter(specs: readonly string[]): string[] {
  return [...new Set(specs.flatMap((s) => s.split(',')).filter((s) => s.trim() !== '').map(parseTag))];
}

export interface TagJson extends DicomJsonElement {
  /** The requested tag path, normalized ('00100010', '00400275.0.00321060'). */
  tag: string;
  /** PS3.6 keyword of the last element, '' for private and unknown ones. */
  keyword: string;
  /** For a private data element (gggg,xxyy), the value of its Private Creator (gggg,00xx) (PS3.5 7.8.1). */
  privateCreator?: string;
}

const needsTrailing = (steps: readonly TagPathStep[]): boolean => steps[0].tag > FIRST_PIXEL_TAG;

function notFound(tag: string): DomainError {
  return new DomainError('TagNotFound', `The file has no element ${tag} (or the sequence item on the way does not exist).`, { tag });
}

/** The Private Creator of a private element (PS3.5 7.8.1), from the data set it lives in. */
function privateCreator(parsed: ParsedDicom, steps: readonly TagPathStep[]): string | undefined {
  const last = steps[steps.length - 1].tag;
  const group = parseInt(last.slice(0, 4), 16);
  const element = parseInt(last.slice(4, 8), 16);
  if (group % 2 === 0 || group <= 0x0008 || element < 0x1000) return undefined;
  const creatorTag = `${last.slice(0, 4)}00${last.slice(4, 6)}`;
  const creator = elementToJson(parsed, [...steps.slice(0, -1), { tag: creatorTag }]);
  const value = creator?.Value?.[0];
  return typeof value === 'string' ? value : undefined;
}

export interface BulkValue {
  bytes: Uint8Array;
  /** Total length of the value; with a range, `bytes` is [start, end] of it. */
  totalLength: number;
  range?: { start: number; end: number };
  vr: string;
}

/** Parses `Range: bytes=a-b` / `bytes=a-` against a value of `total` bytes; undefined for no header. */
export function parseByteRange(header: string | undefined, total: number): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d{1,15})-(\d{0,15})$/.exec(header.trim());
  if (!m) throw new DomainError('InvalidParameter', 'The Range header must be one range of bytes, e.g. "bytes=0-1048575".');
  const start = Number(m[1]);
  const end = Math.min(m[2] === '' ? total - 1 : Number(m[2]), total - 1);
  if (start > end) throw new DomainError('InvalidParameter', `The range starts past the end of the ${total}-byte value (or ends before it starts).`);
  return { start, end };
}

/**
 * The header routes. One instance per container (functions/header.ts): its memo of parsed
 * headers lives as long as the container and is built here, once.
 */
export class HeaderService {
  /**
   * Parsed headers of ready files (lib/cache/immutable-memo.ts): a viewer asking for several
   * tags of the same file is answered from memory after the first request. At most 32 MiB of
   * header bytes; a minute at most (MEMO_TTL_SECONDS), so a deleted file stops being answered soon.
   */
  private readonly memo: ImmutableMemo<HeaderRead>;

  constructor(
    private readonly storage: Storage,
    cfg: Partial<Pick<Config, 'memoTtlSeconds'>> = {},
  ) {
    this.memo = new ImmutableMemo<HeaderRead>({
      maxEntries: 1000,
      maxBytes: 32 * 1024 * 1024,
      ttlMs: (cfg.memoTtlSeconds ?? DEFAULT_MEMO_TTL_SECONDS) * 1000,
      // The bytes the parse holds, plus the element objects (about 200 bytes each).
      sizeOf: (r) => r.parsed.byteArray.length + 200 * Object.keys(r.parsed.dataSet.elements).length,
    });
  }

  /**
   * GET /files/{id}/tags: the whole header (pixel data listed without its value), or only the
   * `tags` asked for; a tag after the pixel data makes the read skip the pixel data to reach it.
   */
  async headerJson(id: string, tags?: readonly string[], options: HeaderOptions = {}): Promise<DicomJsonDataSet> {
    const includeTrailing = tags?.some((t) => t > FIRST_PIXEL_TAG) ?? false;
    const { parsed } = await this.readUploadHeader(id, { includeTrailing });
    const json = dataSetToJson(parsed, { bulkDataUri: options.bulkDataUri });
    if (!tags) return json;
    const out: DicomJsonDataSet = {};
    for (const tag of [...tags].sort()) if (json[tag]) out[tag] = json[tag];
    return out;
  }

  /** GET /files/{id}/tags/{tag}: one element (nested paths allowed); TagNotFound when absent. */
  async tag(id: string, tagSpec: string, options: HeaderOptions = {}): Promise<TagJson> {
    const steps = parseTagPath(tagSpec);
    const { parsed } = await this.readUploadHeader(id, { includeTrailing: needsTrailing(steps) });
    const element = elementToJson(parsed, steps, { bulkDataUri: options.bulkDataUri });
    const tag = formatTagPath(steps);
    if (!element) throw notFound(tag);
    const last = steps[steps.length - 1].tag;
    const creator = privateCreator(parsed, steps);
    return { tag, keyword: lookupTag(last)?.keyword ?? '', ...(creator !== undefined ? { privateCreator: creator } : {}), ...element };
  }

  /**
   * GET /files/{id}/bulk/{path}: the raw value of one element (PS3.18 bulk data, little endian),
   * range-read from storage by its offset and length; pixel data included (encapsulated: the
   * whole encapsulated value, items and fragments). Values over MAX_BULK_RESPONSE_BYTES need a
   * `Range`.
   */
  async bulk(id: string, pathSpec: string, rangeHeader?: string): Promise<BulkValue> {
    const { storage } = this;
    const steps = parseTagPath(pathSpec);
    if (rangeHeader !== undefined) parseByteRange(rangeHeader, Number.MAX_SAFE_INTEGER); // 400 before any read
    const key = uploadKey(id);
    const head = await this.readUploadHeader(id, { includeTrailing: needsTrailing(steps) });
    const tag = formatTagPath(steps);
    const located = locateElement(head.parsed, steps);
    if (!located) throw notFound(tag);
    const { element, vr, littleEndian, topLevel } = located;
    if (vr === 'SQ') {
      throw new DomainError('InvalidTag', `Element ${tag} is a sequence: it has no bulk value; ask for an element inside one of its items.`, { tag });
    }
    const isPixel = topLevel && /^x7fe0000[89]$|^x7fe00010$/.test(element.tag);
    const reads = new Reads(storage, key);
    let total = element.length;
    if (isPixel && (element.hadUndefinedLength || element.length === 0xffffffff) && !head.parsed.inflated) {
      total = (await encapsulatedEnd(reads, element.dataOffset, head.objectSize, element.tag)) - element.dataOffset;
    }
    const range = parseByteRange(rangeHeader, total);
    const want = range ?? { start: 0, end: total - 1 };
    if (total === 0) return { bytes: new Uint8Array(0), totalLength: 0, vr };
    if (want.end - want.start + 1 > MAX_BULK_RESPONSE_BYTES) {
      throw new DomainError(
        'ImageTooLarge',
        `The value of ${tag} is ${total} bytes; a response carries at most ${MAX_BULK_RESPONSE_BYTES}: ask for it in parts with a Range header (e.g. "bytes=0-${MAX_BULK_RESPONSE_BYTES - 1}").`,
        { length: total, limitBytes: MAX_BULK_RESPONSE_BYTES },
      );
    }
    // Big endian values are swapped to little endian word by word: read whole words.
    const word = littleEndian ? 1 : 8;
    const from = want.start - (want.start % word);
    const to = Math.min(total - 1, want.end + (word - 1 - (want.end % word)));
    let raw: Uint8Array;
    const fileOffset = head.fileOffset(element.dataOffset, isPixel);
    const inHeld = !isPixel && element.dataOffset + total <= head.parsed.byteArray.length;
    if (fileOffset === undefined || inHeld) {
      if (isPixel && head.parsed.inflated) {
        // Deflated pixel data: inflate the object (bounded) to reach it.
        const all = await reads.range(0, head.objectSize - 1);
        const whole = parseDicom(all, { complete: true, vrLookup, maxInflatedBytes: HEADER_MAX_INFLATED_BYTES });
        const p = whole.pixelElement!;
        raw = whole.byteArray.subarray(p.dataOffset + from, p.dataOffset + to + 1);
      } else {
        raw = head.parsed.byteArray.subarray(element.dataOffset + from, element.dataOffset + to + 1);
      }
    } else {
      raw = await reads.range(fileOffset + from, fileOffset + to);
    }
    const swapped = toLittleEndian(raw, vr, littleEndian);
    const bytes = swapped.subarray(want.start - from, want.start - from + (want.end - want.start + 1));
    return { bytes, totalLength: total, ...(range ? { range } : {}), vr };
  }

  /**
   * readHeader on an upload. A file the processor quarantined is no longer under uploads/, so
   * its recorded reason (e.g. 422 NotDicom) is answered rather than a bare 404.
   */
  private async readUploadHeader(id: string, options: ReadHeaderOptions): Promise<HeaderRead> {
    const { storage, memo } = this;
    const memoKey = `${id}${options.includeTrailing ? ':trailing' : ''}`;
    const known = memo.get(memoKey);
    if (known) return { ...known, bytesRead: 0, reads: 0 };
    // Beside the first read, not before it: whether the file is ready decides only what to keep.
    const state = memo.enabled ? recordedState(storage, id).catch(() => undefined) : undefined;
    let read: HeaderRead;
    try {
      read = await readHeader(storage, uploadKey(id), options);
    } catch (e) {
      if (e instanceof DomainError && e.code === 'FileNotFound') throw await missingUploadError(storage, id);
      throw e;
    }
    // A ready file stays: its upload is write-once and the processor leaves it in place (it moves
    // only rejected files). A pending one may still be quarantined, so it is read again next time.
    if (isReady(await state)) memo.set(memoKey, read);
    return read;
  }
}
