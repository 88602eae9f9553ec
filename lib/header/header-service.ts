/**
 * The header service behind GET /files/{id}/tags[/{tag}] and GET /files/{id}/bulk/{path}:
 * the header of a stored DICOM object, read by ranges (ranged-header-read.ts, remembered for
 * ready files by upload-headers.ts), as the DICOM JSON model (PS3.18 F.2), one element of it,
 * or one element's raw value (bulk-value.ts).
 */
import { type Config, DEFAULT_MEMO_TTL_SECONDS } from '../config.js';
import { DomainError } from '../errors.js';
import { lookupTag } from '../dicom/dictionary.js';
import { dataSetToJson, elementToJson, locateElement, privateEntryAt, type DicomJsonDataSet, type DicomJsonElement } from '../dicom/json-model.js';
import { FIRST_PIXEL_TAG, formatTagPath, parseTagList, parseTagPath, type TagPathStep } from '../dicom/tag.js';
import type { ByteRange } from '../http/byte-range.js';
import { recordHeaderBytesRead } from '../observability/metrics.js';
import { type FileRef, uploadKey } from '../storage/object-keys.js';
import type { Storage } from '../storage/storage.js';
import type { HeaderRead, ReadHeaderOptions } from './ranged-header-read.js';
import { type BulkValue, readBulkValue } from './bulk-value.js';
import type { HeaderWarning } from './header-warnings.js';
import { privateCreator } from './private-creator.js';
import { UploadHeaders } from './upload-headers.js';

export type { BulkValue } from './bulk-value.js';
export { type HeaderWarning, warningHeaders } from './header-warnings.js';

export interface HeaderOptions {
  /** Makes the BulkDataURI of a value from its tag path (PS3.18 F.2.6). */
  bulkDataUri?: (tagPath: string) => string;
  /**
   * Told what is damaged when the file is (header-warnings.ts): the answer then holds the
   * elements read before the damage, and the route says so in a Warning header (warningHeaders).
   */
  onWarnings?: (warnings: readonly HeaderWarning[]) => void;
}

/** Hands a read's warnings to the caller, when there are any. */
function report(read: HeaderRead, options: HeaderOptions): void {
  if (read.warnings.length > 0) options.onWarnings?.(read.warnings);
}

export interface TagJson extends DicomJsonElement {
  /** The requested tag path, normalized ('00100010', '00400275.0.00321060'). */
  tag: string;
  /** PS3.6 keyword of the last element, '' for private and unknown ones. */
  keyword: string;
  /** For a private data element (gggg,xxyy), the value of its Private Creator (gggg,00xx) (PS3.5 7.8.1). */
  privateCreator?: string;
  /**
   * For a private data element whose creator and element the private dictionary knows
   * (lib/dicom/private-dictionary.ts), its name there: what `keyword` is for a standard element.
   */
  name?: string;
}

/** Parses `?tag=` values (tag.ts parseTagList: every tag spelling, comma lists); InvalidTag otherwise. */
export const parseTagFilter = (specs: readonly string[]): string[] => parseTagList(specs);

const needsTrailing = (steps: readonly TagPathStep[]): boolean => steps[0].tag > FIRST_PIXEL_TAG;

function notFound(tag: string): DomainError {
  return new DomainError('TagNotFound', `The file has no element ${tag} (or the sequence item on the way does not exist).`, { tag });
}

/** The header routes. One instance per container (functions/header.ts). */
export class HeaderService {
  private readonly headers: UploadHeaders;

  constructor(
    private readonly storage: Storage,
    cfg: Partial<Pick<Config, 'memoTtlSeconds'>> = {},
  ) {
    this.headers = new UploadHeaders(storage, (cfg.memoTtlSeconds ?? DEFAULT_MEMO_TTL_SECONDS) * 1000);
  }

  /** The header of `ref`, its bytes read from S3 counted (HeaderBytesRead; 0 when the container had it). */
  private async read(ref: FileRef, options: ReadHeaderOptions): Promise<HeaderRead> {
    const read = await this.headers.read(ref, options);
    recordHeaderBytesRead(read.bytesRead);
    return read;
  }

  /**
   * GET /files/{id}/tags: the whole header (pixel data listed without its value; the elements
   * after it but Data Set Trailing Padding, read by one bounded range, ranged-header-read.ts), or
   * only the `tags` asked for; a tag after the pixel data makes the read skip the pixel data to reach it.
   */
  async headerJson(ref: FileRef, tags?: readonly string[], options: HeaderOptions = {}): Promise<DicomJsonDataSet> {
    const includeTrailing = tags ? tags.some((t) => t > FIRST_PIXEL_TAG) : 'whole-header';
    const read = await this.read(ref, { includeTrailing });
    report(read, options);
    const json = dataSetToJson(read.parsed, { bulkDataUri: options.bulkDataUri });
    if (!tags) return json;
    const out: DicomJsonDataSet = {};
    for (const tag of [...tags].sort()) if (json[tag]) out[tag] = json[tag];
    return out;
  }

  /** GET /files/{id}/tags/{tag}: one element (nested paths allowed); TagNotFound when absent. */
  async tag(ref: FileRef, tagSpec: string, options: HeaderOptions = {}): Promise<TagJson> {
    const steps = parseTagPath(tagSpec);
    const read = await this.read(ref, { includeTrailing: needsTrailing(steps) });
    report(read, options);
    const { parsed } = read;
    const element = elementToJson(parsed, steps, { bulkDataUri: options.bulkDataUri });
    const tag = formatTagPath(steps);
    if (!element) throw notFound(tag);
    const last = steps[steps.length - 1].tag;
    const creator = privateCreator(parsed, steps);
    const name = creator !== undefined ? privateEntryAt(parsed, steps)?.name : undefined;
    return {
      tag,
      keyword: lookupTag(last)?.keyword ?? '',
      ...(creator !== undefined ? { privateCreator: creator } : {}),
      ...(name ? { name } : {}),
      ...element,
    };
  }

  /**
   * GET /files/{id}/bulk/{path}: the raw value of one element, or the `range` of it (parsed
   * from the Range header by lib/http/byte-range.ts).
   */
  async bulk(ref: FileRef, pathSpec: string, range?: ByteRange, options: Pick<HeaderOptions, 'onWarnings'> = {}): Promise<BulkValue> {
    const steps = parseTagPath(pathSpec);
    const head = await this.read(ref, { includeTrailing: needsTrailing(steps) });
    report(head, options);
    const tag = formatTagPath(steps);
    const located = locateElement(head.parsed, steps);
    if (!located) throw notFound(tag);
    if (located.vr === 'SQ') {
      throw new DomainError('InvalidTag', `Element ${tag} is a sequence: it has no bulk value; ask for an element inside one of its items.`, { tag });
    }
    return readBulkValue(this.storage, uploadKey(ref), head, located, tag, range);
  }
}
