import { inflateRawSync, constants as zlibConstants } from 'node:zlib';
import { DEFAULT_MAX_DECODED_BYTES } from '../config.js';
import { DomainError, describeThrown } from '../errors.js';
import { decodeAscii } from './charset.js';
import type { DataSet, Element } from './data-set.js';
import { makeDataSet } from './dicom-parser-adapter.js';
import { type Damage, MalformedAt, OutOfBytes, readDataSet, readFileMeta, type Encoding } from './reader.js';
import { DOUBLE_FLOAT_PIXEL_DATA_TAG, FLOAT_PIXEL_DATA_TAG, PIXEL_DATA_TAG, VALID_VRS } from './tag.js';
import { TS, isBigEndian, isDeflatedDataSet, isImplicitVr } from './transfer-syntax.js';
import type { VrLookup } from './vr-lookup.js';

/** Upper bound on what a Deflated Explicit VR Little Endian data set may inflate to (bomb guard): MAX_DECODED_BYTES. */
export const DEFAULT_MAX_INFLATED_BYTES = DEFAULT_MAX_DECODED_BYTES;

export interface ParseOptions {
  /** Stop at the first pixel data element (its header is read, its value is not). */
  untilPixelData?: boolean;
  /** Whether `bytes` is the whole object. When false, running off the end throws NeedMoreBytes. */
  complete?: boolean;
  /** VRs for Implicit VR Little Endian (from the data dictionary). */
  vrLookup?: VrLookup;
  maxInflatedBytes?: number;
  /**
   * On a complete stream (the default), keep what was read before damage instead of failing
   * (reader.ts ReaderOptions.salvage; ParsedDicom.damage says what). false: any damage is MalformedDicom.
   */
  salvage?: boolean;
}

export interface ParsedDicom {
  dataSet: DataSet;
  /** The array every element offset refers to (the inflated one for deflated files). */
  byteArray: Uint8Array;
  transferSyntaxUid: string;
  /** Whether the file had a 128-byte preamble and "DICM" (PS3.10 7.1). */
  hasPreamble: boolean;
  /** Whether the file had a File Meta Information group (0002,xxxx). */
  hasFileMeta: boolean;
  /** The first of Pixel Data / Float Pixel Data / Double Float Pixel Data, when present. */
  pixelElement?: Element;
  /** Offset in `byteArray` where the data set (after File Meta) starts. */
  dataSetOffset?: number;
  /** How the data set is actually encoded (detection may differ from the transfer syntax). */
  dataSetEncoding?: Encoding;
  /** Whether `byteArray` is the inflated stream (Deflated Explicit VR LE): offsets are not file offsets. */
  inflated?: boolean;
  /** Whether parsing stopped at the pixel element (untilPixelData) without reading its value. */
  stoppedAtPixelData?: boolean;
  /** What was tolerated while parsing (encoding switches, inferred transfer syntax, duplicates). */
  warnings?: string[];
  /**
   * What is damaged (a salvaging parse of a complete stream): Pixel Data cut short, a sequence
   * past the end, an Item outside a sequence. Elements read before it are in `dataSet`.
   */
  damage?: Damage[];
}

/** The bytes read so far end inside the header: read more of the object and try again. */
export class NeedMoreBytes extends Error {
  constructor(
    readonly reason: string,
    /** An offset the bytes held must reach to go on, when known. */
    readonly needed?: number,
  ) {
    super(`header continues past the bytes read (${reason})`);
    this.name = 'NeedMoreBytes';
  }
}

const looksLikeVr = (b: Uint8Array, at: number): boolean =>
  b.length >= at + 2 && VALID_VRS.has(String.fromCharCode(b[at], b[at + 1]));

const DICM = [0x44, 0x49, 0x43, 0x4d];
const hasDicmAt = (b: Uint8Array, at: number): boolean =>
  b.length >= at + 4 && DICM.every((c, i) => b[at + i] === c);

type Layout =
  | { kind: 'part10'; bytes: Uint8Array; hasPreamble: boolean }
  | { kind: 'bare'; bytes: Uint8Array; transferSyntaxUid: string };

/**
 * Tells a DICOM stream from anything else before the reader walks it (PS3.10 7.1):
 * a preamble and "DICM"; File Meta without preamble (some writers omit it); or a bare
 * data set (no meta at all) whose first element is a plausible group, explicit or implicit VR.
 */
function detectLayout(bytes: Uint8Array): Layout {
  if (hasDicmAt(bytes, 128)) return { kind: 'part10', bytes, hasPreamble: true };
  if (bytes.length < 8) throw new DomainError('NotDicom', 'The file is too short to be DICOM.');
  const group = bytes[0] | (bytes[1] << 8);
  if (group === 0x0002 && bytes[2] <= 0x10 && bytes[3] === 0) {
    // File Meta present but no preamble (some writers omit it).
    return { kind: 'part10', bytes, hasPreamble: false };
  }
  // A bare data set starts with a low, even group (0008 Identifying is the usual first).
  const groupBigEndian = (bytes[0] << 8) | bytes[1];
  if (groupBigEndian >= 0x0008 && groupBigEndian <= 0x0028 && groupBigEndian % 2 === 0 && looksLikeVr(bytes, 4)) {
    // Explicit VR Big Endian (retired, PS3.5 A.3) written without File Meta.
    return { kind: 'bare', bytes, transferSyntaxUid: TS.ExplicitVRBigEndian };
  }
  if (group >= 0x0008 && group <= 0x0028 && group % 2 === 0) {
    const explicit = looksLikeVr(bytes, 4);
    if (!explicit) {
      const length = bytes[4] | (bytes[5] << 8) | (bytes[6] << 16) | (bytes[7] << 24);
      if (length < 0 || length > bytes.length + 0x100000) {
        throw new DomainError('NotDicom', 'The file is not DICOM: no "DICM" prefix and no recognisable data set.');
      }
    }
    return {
      kind: 'bare',
      bytes,
      transferSyntaxUid: explicit ? TS.ExplicitVRLittleEndian : TS.ImplicitVRLittleEndian,
    };
  }
  throw new DomainError(
    'NotDicom',
    'The file is not DICOM: it has no "DICM" prefix at byte 128 (PS3.10 7.1) and does not start with a data set.',
  );
}

/** Inflates Deflated Explicit VR Little Endian (PS3.5 A.5) with a bound, tolerating a cut stream. */
function boundedInflater(maxBytes: number, complete: boolean) {
  return (byteArray: Uint8Array, position: number): Uint8Array => {
    let inflated: Buffer;
    try {
      inflated = inflateRawSync(byteArray.subarray(position), {
        maxOutputLength: maxBytes,
        // A header read ends mid-stream: keep what inflated so far instead of failing.
        finishFlush: complete ? zlibConstants.Z_FINISH : zlibConstants.Z_SYNC_FLUSH,
      });
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || /larger than|maxOutputLength/i.test(describeThrown(e))) {
        throw new DomainError(
          'ImageTooLarge',
          `The deflated data set inflates past the ${maxBytes}-byte limit (PS3.5 A.5); refusing it as a decompression bomb.`,
        );
      }
      throw new DomainError('MalformedDicom', `The deflated data set (PS3.5 A.5) could not be inflated: ${describeThrown(e)}.`);
    }
    const full = new Uint8Array(position + inflated.length);
    full.set(byteArray.subarray(0, position), 0);
    full.set(inflated, position);
    return full;
  };
}

/** What went wrong where, for a client (PS3.5 offsets into the file, or into the inflated data set). */
function malformed(e: MalformedAt, inflated: boolean): DomainError {
  const where = inflated ? ' of the inflated data set' : '';
  return new DomainError(
    'MalformedDicom',
    `The DICOM data could not be parsed: ${e.reason} (byte ${e.offset}${where}${e.tag ? `, tag ${e.tag}` : ''}).`,
    { offset: e.offset, ...(e.tag ? { tag: e.tag } : {}), ...(inflated ? { offsetIn: 'inflated data set' } : {}) },
  );
}

/** The encoding a data set is read with, from its transfer syntax (PS3.5 section 10). */
function encodingOf(transferSyntaxUid: string): Encoding {
  if (isImplicitVr(transferSyntaxUid)) return { implicit: true, littleEndian: true };
  if (isBigEndian(transferSyntaxUid)) return { implicit: false, littleEndian: false };
  // Every other transfer syntax (native, deflated, encapsulated, unknown) is Explicit VR LE.
  return { implicit: false, littleEndian: true };
}

/**
 * Parses a DICOM Part 10 stream (or a bare data set) with the reader of reader.ts into the
 * DataSet/Element objects of data-set.ts. Malformed data is a DomainError('MalformedDicom')
 * whose details name the byte offset and tag where parsing stopped; on a complete stream, damage
 * a file may have and still be worth reading (Pixel Data cut short, a sequence past the end, an
 * Item outside a sequence) is kept instead, in `damage` (ParseOptions.salvage). A stream with no
 * data set at all is NoDataSet.
 */
export function parseDicom(bytes: Uint8Array, options: ParseOptions = {}): ParsedDicom {
  const complete = options.complete ?? true;
  if (!complete && bytes.length < 132 && !hasDicmAt(bytes, 128)) {
    // Too little to tell a preamble from a data set yet.
    if (bytes.length < 8) throw new NeedMoreBytes('fewer than 8 bytes', 132);
  }
  const layout = detectLayout(bytes);
  const warnings: string[] = [];
  let meta: Record<string, Element> = {};
  let dataStart = 0;
  let transferSyntaxUid: string;
  try {
    if (layout.kind === 'part10') {
      const metaStart = layout.hasPreamble ? 132 : 0;
      const read = readFileMeta(bytes, metaStart, complete);
      meta = read.elements;
      dataStart = read.end;
      const tsElement = meta.x00020010;
      const declared = tsElement
        ? decodeAscii(bytes.subarray(tsElement.dataOffset, tsElement.dataOffset + tsElement.length)).replace(/[\0 ]+$/g, '').trim()
        : '';
      if (declared) {
        transferSyntaxUid = declared;
      } else {
        // Transfer Syntax UID is Type 1 (PS3.10 7.1), but pydicom and dcmtk read such files:
        // assume Little Endian and let the data set say whether it is explicit or implicit.
        transferSyntaxUid = inferTransferSyntax(bytes, dataStart);
        warnings.push(`File Meta has ${tsElement ? 'an empty' : 'no'} Transfer Syntax UID (0002,0010); inferred ${transferSyntaxUid} from the data set`);
      }
    } else {
      transferSyntaxUid = layout.transferSyntaxUid;
    }
  } catch (e) {
    if (e instanceof OutOfBytes) throw new NeedMoreBytes(e.reason, e.needed);
    if (e instanceof MalformedAt) throw malformed(e, false);
    throw e;
  }

  let parsedBytes = bytes;
  const deflated = isDeflatedDataSet(transferSyntaxUid);
  if (deflated) {
    const inflate = boundedInflater(options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES, complete);
    parsedBytes = inflate(bytes, dataStart);
  }

  const encoding = encodingOf(transferSyntaxUid);
  let result;
  try {
    result = readDataSet(parsedBytes, dataStart, encoding, {
      complete,
      vrLookup: options.vrLookup,
      stopAtPixelData: options.untilPixelData,
      detectEncoding: true,
      salvage: options.salvage ?? true,
    });
  } catch (e) {
    // A deflated header read holds only part of the stream: growing it is all we can do.
    if (e instanceof OutOfBytes) throw new NeedMoreBytes(e.reason, deflated ? undefined : e.needed);
    if (e instanceof MalformedAt) throw malformed(e, deflated);
    throw e;
  }
  warnings.push(...result.warnings);
  // Offsets of a deflated data set are into the inflated stream (PS3.5 A.5): say so.
  const damage = deflated
    ? result.damage.map((d) => ({ ...d, message: d.message.replace(/ at byte (\d+)/g, ' at byte $1 of the inflated data set') }))
    : result.damage;
  if (complete && Object.keys(result.elements).length === 0 && damage.length === 0) {
    // Preamble and "DICM" (and File Meta) but no data set: nothing describes an instance (PS3.10 7.1).
    const before = Object.keys(meta).length > 0 ? 'its File Meta Information' : 'its preamble and "DICM"';
    throw new DomainError('NoDataSet', `The file holds no data set after ${before} (byte ${dataStart}): it is not a DICOM instance (PS3.10 7.1).`, {
      offset: dataStart,
    });
  }

  const bigEndian = !result.encoding.littleEndian;
  // File Meta elements are read little endian whatever the data set (Element.littleEndian, PS3.10 7.1).
  const elements: Record<string, Element> = { ...result.elements, ...meta };
  const dataSet = makeDataSet(parsedBytes, !bigEndian, elements);

  const pixelElement = elements[PIXEL_DATA_TAG] ?? elements[FLOAT_PIXEL_DATA_TAG] ?? elements[DOUBLE_FLOAT_PIXEL_DATA_TAG];
  if (!complete && !pixelElement) {
    throw new NeedMoreBytes('no pixel data element yet');
  }
  return {
    dataSet,
    byteArray: parsedBytes,
    transferSyntaxUid,
    hasPreamble: layout.kind === 'part10' && layout.hasPreamble,
    hasFileMeta: layout.kind === 'part10',
    pixelElement,
    dataSetOffset: dataStart,
    dataSetEncoding: result.encoding,
    inflated: deflated,
    stoppedAtPixelData: result.stoppedAt !== undefined,
    warnings,
    ...(damage.length > 0 ? { damage } : {}),
  };
}

/** Transfer syntax of a data set whose File Meta does not say (pydicom: little endian, VR as written). */
function inferTransferSyntax(bytes: Uint8Array, at: number): string {
  if (at + 6 > bytes.length) return TS.ImplicitVRLittleEndian;
  const a = bytes[at + 4];
  const b = bytes[at + 5];
  const explicit = a > 0x40 && a < 0x5b && b > 0x40 && b < 0x5b;
  return explicit ? TS.ExplicitVRLittleEndian : TS.ImplicitVRLittleEndian;
}

export const usesImplicitVr = (parsed: ParsedDicom): boolean => isImplicitVr(parsed.transferSyntaxUid);
