import dicomParser, { type DataSet, type Element } from 'dicom-parser';
import { inflateRawSync, constants as zlibConstants } from 'node:zlib';
import { DomainError, describeThrown } from '../errors.js';
import { TS, isImplicitVr } from './transfer-syntax.js';
import type { VrLookup } from './vr-lookup.js';

export const PIXEL_DATA_TAG = 'x7fe00010';
/** Float Pixel Data and Double Float Pixel Data (PS3.3 C.7.6.3): also bulk pixel elements. */
export const FLOAT_PIXEL_DATA_TAG = 'x7fe00008';
export const DOUBLE_FLOAT_PIXEL_DATA_TAG = 'x7fe00009';

/** Upper bound on what a Deflated Explicit VR Little Endian data set may inflate to (bomb guard). */
export const DEFAULT_MAX_INFLATED_BYTES = 256 * 1024 * 1024;

export interface ParseOptions {
  /** Stop at the first pixel data element (its header is read, its value is not). */
  untilPixelData?: boolean;
  /** Whether `bytes` is the whole object. When false, running off the end throws NeedMoreBytes. */
  complete?: boolean;
  /** VRs for Implicit VR Little Endian (from the data dictionary). */
  vrLookup?: VrLookup;
  maxInflatedBytes?: number;
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
}

/** The bytes read so far end inside the header: read more of the object and try again. */
export class NeedMoreBytes extends Error {
  constructor(readonly reason: string) {
    super(`header continues past the bytes read (${reason})`);
    this.name = 'NeedMoreBytes';
  }
}

const VR_CODES = new Set(
  'AE AS AT CS DA DS DT FL FD IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '),
);
const looksLikeVr = (b: Uint8Array, at: number): boolean =>
  b.length >= at + 2 && VR_CODES.has(String.fromCharCode(b[at], b[at + 1]));

const DICM = [0x44, 0x49, 0x43, 0x4d];
const hasDicmAt = (b: Uint8Array, at: number): boolean =>
  b.length >= at + 4 && DICM.every((c, i) => b[at + i] === c);

type Layout =
  | { kind: 'part10'; bytes: Uint8Array; hasPreamble: boolean }
  | { kind: 'bare'; bytes: Uint8Array; transferSyntaxUid: string };

/**
 * Tells a DICOM stream from anything else before dicom-parser sees it (PS3.10 7.1):
 * a preamble and "DICM"; File Meta without preamble (some writers omit it); or a bare
 * data set (no meta at all) whose first element is a plausible group, explicit or implicit VR.
 */
function detectLayout(bytes: Uint8Array): Layout {
  if (hasDicmAt(bytes, 128)) return { kind: 'part10', bytes, hasPreamble: true };
  if (bytes.length < 8) throw new DomainError('NotDicom', 'The file is too short to be DICOM.');
  const group = bytes[0] | (bytes[1] << 8);
  if (group === 0x0002 && looksLikeVr(bytes, 4)) {
    // File Meta present but no preamble: give dicom-parser the preamble it insists on.
    const withPreamble = new Uint8Array(bytes.length + 132);
    withPreamble.set(DICM, 128);
    withPreamble.set(bytes, 132);
    return { kind: 'part10', bytes: withPreamble, hasPreamble: false };
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

/**
 * dicom-parser 1.8.21 parses a deflated data set from byte 0 of the array the inflater
 * returns (preamble, "DICM" and File Meta included), so the preamble became bogus elements
 * ((0000,0000), (4944,4D43)...). Cover preamble + "DICM" with one Data Set Trailing Padding
 * element (FFFC,FFFC) OB that skips exactly those 132 bytes; it is removed after parsing.
 */
const MASK_TAG = 'xfffcfffc';
function maskPreamble(full: Uint8Array): void {
  if (full.length < 132) return;
  full.fill(0, 0, 132);
  full.set([0xfc, 0xff, 0xfc, 0xff, 0x4f, 0x42, 0, 0], 0);
  new DataView(full.buffer, full.byteOffset).setUint32(8, 132 - 12, true);
}
function unmaskPreamble(dataSet: DataSet): void {
  const mask = dataSet.elements[MASK_TAG];
  if (mask && mask.dataOffset === 12 && mask.length === 120) delete dataSet.elements[MASK_TAG];
}

const RAN_OFF_END = /past end of buffer|beyond the end|buffer overread|attempt to read past|end of buffer|offset is outside|out of range/i;

/**
 * Parses a DICOM Part 10 stream (or a bare data set) with dicom-parser, turning anything it
 * throws (strings, plain objects) into a DomainError with the reason.
 */
export function parseDicom(bytes: Uint8Array, options: ParseOptions = {}): ParsedDicom {
  const complete = options.complete ?? true;
  const layout = detectLayout(bytes);
  let parsedBytes = layout.bytes;
  const inflater = boundedInflater(options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES, complete);
  const parserOptions: Record<string, unknown> = {
    vrCallback: options.vrLookup,
    inflater: (arr: Uint8Array, position: number) => {
      parsedBytes = inflater(arr, position);
      maskPreamble(parsedBytes);
      return parsedBytes;
    },
  };
  if (options.untilPixelData) parserOptions.untilTag = PIXEL_DATA_TAG;
  if (layout.kind === 'bare') parserOptions.TransferSyntaxUID = layout.transferSyntaxUid;

  let dataSet: DataSet;
  try {
    dataSet = dicomParser.parseDicom(layout.bytes, parserOptions as never);
  } catch (thrown) {
    if (thrown instanceof DomainError) throw thrown;
    const reason = describeThrown(thrown);
    if (!complete) throw new NeedMoreBytes(reason);
    if (/DICM prefix not found/.test(reason)) {
      throw new DomainError('NotDicom', 'The file is not DICOM: no "DICM" prefix at byte 128 (PS3.10 7.1).');
    }
    const where = RAN_OFF_END.test(reason) ? ' (an element length runs past the end of the file: truncated or lying length)' : '';
    throw new DomainError('MalformedDicom', `The DICOM data could not be parsed${where}: ${reason}.`, { parserMessage: reason });
  }

  unmaskPreamble(dataSet);
  const tsElement = dataSet.elements.x00020010;
  const transferSyntaxUid =
    layout.kind === 'bare'
      ? layout.transferSyntaxUid
      : (dataSet.string('x00020010') ?? '').replace(/\0/g, '').trim() || (tsElement ? '' : TS.ImplicitVRLittleEndian);
  if (!transferSyntaxUid) {
    throw new DomainError('MalformedDicom', 'The File Meta Information has an empty Transfer Syntax UID (0002,0010).');
  }

  const elements = dataSet.elements;
  const pixelElement = elements[PIXEL_DATA_TAG] ?? elements[FLOAT_PIXEL_DATA_TAG] ?? elements[DOUBLE_FLOAT_PIXEL_DATA_TAG];
  if (!complete && !pixelElement) {
    // dicom-parser stops quietly at the end of the bytes it was given.
    throw new NeedMoreBytes('no pixel data element yet');
  }
  return {
    dataSet,
    byteArray: dataSet.byteArray as Uint8Array,
    transferSyntaxUid,
    hasPreamble: layout.kind === 'part10' && layout.hasPreamble,
    hasFileMeta: layout.kind === 'part10',
    pixelElement,
  };
}

export const usesImplicitVr = (parsed: ParsedDicom): boolean => isImplicitVr(parsed.transferSyntaxUid);
