/**
 * The bytes of one element's value for GET /files/{id}/bulk/{path} (PS3.18 bulk data, little
 * endian): sliced from the header already held, or range-read from storage by the value's
 * file offset; pixel data included (encapsulated: the whole encapsulated value, items and
 * fragments). Big endian values are swapped to little endian word by word.
 */
import { DomainError } from '../errors.js';
import { vrLookup } from '../dicom/dictionary.js';
import { toLittleEndian, type LocatedElement } from '../dicom/json-model.js';
import { parseDicom } from '../dicom/parse.js';
import { isPixelTag } from '../dicom/tag.js';
import { type ByteRange, clampRange } from '../http/byte-range.js';
import { HEADER_MAX_INFLATED_BYTES, type HeaderRead, Reads, encapsulatedEnd } from './ranged-header-read.js';
import type { Storage } from '../storage/storage.js';

/** Largest bulk value answered in one response (Lambda responses are limited to 6 MB, base64 adds 1/3). */
export const MAX_BULK_RESPONSE_BYTES = 4 * 1024 * 1024;

export interface BulkValue {
  bytes: Uint8Array;
  /** Total length of the value; with a range, `bytes` is [start, end] of it. */
  totalLength: number;
  range?: { start: number; end: number };
  vr: string;
}

/**
 * The value of `located` (an element of `head`, the header read of the object under `key`),
 * whole or the `range` of it. Values over MAX_BULK_RESPONSE_BYTES need a range (ImageTooLarge).
 */
export async function readBulkValue(
  storage: Storage,
  key: string,
  head: HeaderRead,
  located: LocatedElement,
  tag: string,
  asked?: ByteRange,
): Promise<BulkValue> {
  const { element, vr, littleEndian, topLevel } = located;
  const isPixel = topLevel && isPixelTag(element.tag);
  const reads = new Reads(storage, key);
  let total = element.length;
  if (isPixel && (element.hadUndefinedLength || element.length === 0xffffffff) && !head.parsed.inflated) {
    total = (await encapsulatedEnd(reads, element.dataOffset, head.objectSize, element.tag)) - element.dataOffset;
  }
  if (isPixel && !head.parsed.inflated && element.dataOffset + total > head.objectSize) {
    // Pixel Data cut short (a damaged file): its value is the bytes that are there.
    total = Math.max(0, head.objectSize - element.dataOffset);
  }
  const range = asked ? clampRange(asked, total) : undefined;
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
      const p = whole.pixelElement;
      if (!p) throw new DomainError('MalformedDicom', 'The inflated data set has no Pixel Data (7FE0,0010).');
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
