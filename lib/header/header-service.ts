/**
 * The header service behind GET /files/{id}/tags[/{tag}]: reads only the header of a stored
 * DICOM object with ranged GETs (never the pixel data value) and returns the DICOM JSON
 * model (PS3.18 F.2).
 */
import { DomainError } from '../errors.js';
import { lookupTag, vrLookup } from '../dicom/dictionary.js';
import { dataSetToJson, elementToJson, type DicomJsonDataSet, type DicomJsonElement } from '../dicom/json-model.js';
import { NeedMoreBytes, parseDicom, type ParsedDicom } from '../dicom/parse.js';
import { formatTagPath, parseTagPath } from '../dicom/tag.js';
import { uploadKey, type Storage } from '../storage/storage.js';

/** The first read: most headers (even with large private groups) fit in 64 KiB. */
export const FIRST_READ_BYTES = 64 * 1024;
/** Headers above this are refused: no scanner writes one, and it bounds memory and time. */
export const DEFAULT_MAX_HEADER_BYTES = 10 * 1024 * 1024;

export interface ReadHeaderOptions {
  maxHeaderBytes?: number;
  firstReadBytes?: number;
}

export interface HeaderRead {
  parsed: ParsedDicom;
  /** Bytes fetched from storage (for tests and metrics). */
  bytesRead: number;
  objectSize: number;
}

/**
 * Reads the header of `key`: 64 KiB first, then doubling the bytes held (so the total read
 * stays under 2x the header size, or 64 KiB) until dicom-parser reaches the Pixel Data
 * element or the end of the object. Throws FileNotFound, NotDicom, MalformedDicom or
 * HeaderTooLarge (DomainError); never anything else for bad bytes.
 */
export async function readHeader(storage: Storage, key: string, options: ReadHeaderOptions = {}): Promise<HeaderRead> {
  const maxHeaderBytes = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  const info = await storage.head(key);
  if (!info) throw new DomainError('FileNotFound', 'No DICOM file was uploaded under this id.');
  const objectSize = info.size;
  if (objectSize === 0) throw new DomainError('NotDicom', 'The file is empty, so it is not DICOM (PS3.10 7.1).');

  let held: Uint8Array = new Uint8Array(0);
  let want = Math.min(options.firstReadBytes ?? FIRST_READ_BYTES, objectSize);
  for (;;) {
    const chunk = await storage.getRange(key, held.length, want - 1);
    if (chunk.length === 0) {
      // The object is shorter than HEAD said (replaced or lying metadata): parse what we have.
      return { parsed: parseComplete(held), bytesRead: held.length, objectSize };
    }
    held = concat(held, chunk);
    const complete = held.length >= objectSize;
    try {
      const parsed = parseDicom(held, { untilPixelData: true, complete, vrLookup });
      return { parsed, bytesRead: held.length, objectSize };
    } catch (e) {
      if (!(e instanceof NeedMoreBytes)) throw e;
    }
    if (held.length >= maxHeaderBytes) {
      throw new DomainError(
        'HeaderTooLarge',
        `The DICOM header is larger than the ${maxHeaderBytes}-byte limit of this service (it must end within the first ${maxHeaderBytes} bytes, before Pixel Data).`,
        { limitBytes: maxHeaderBytes },
      );
    }
    // Double what we hold: total bytes read stay below 2x the header size.
    want = Math.min(held.length * 2, objectSize, maxHeaderBytes);
  }
}

function parseComplete(bytes: Uint8Array): ParsedDicom {
  return parseDicom(bytes, { untilPixelData: true, complete: true, vrLookup });
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** GET /files/{id}/tags: the whole header, pixel data listed without its value. */
export async function getHeaderJson(storage: Storage, id: string): Promise<DicomJsonDataSet> {
  const { parsed } = await readHeader(storage, uploadKey(id));
  return dataSetToJson(parsed);
}

export interface TagJson extends DicomJsonElement {
  /** The requested tag path, normalized ('00100010', '00400275.0.00321060'). */
  tag: string;
  /** PS3.6 keyword of the last element, '' for private and unknown ones. */
  keyword: string;
}

/** GET /files/{id}/tags/{tag}: one element (nested paths allowed); TagNotFound when absent. */
export async function getTag(storage: Storage, id: string, tagSpec: string): Promise<TagJson> {
  const steps = parseTagPath(tagSpec);
  const { parsed } = await readHeader(storage, uploadKey(id));
  const element = elementToJson(parsed, steps);
  const tag = formatTagPath(steps);
  if (!element) {
    throw new DomainError('TagNotFound', `The file has no element ${tag} (or the sequence item on the way does not exist).`, { tag });
  }
  const last = steps[steps.length - 1].tag;
  return { tag, keyword: lookupTag(last)?.keyword ?? '', ...element };
}
