/**
 * Tags in one place: the spellings a user may write (`00100010`, `0010,0010`, `(0010,0010)`,
 * `x00100010`, any case, or a PS3.6 keyword such as `PatientName`), the forms the code
 * writes ('GGGGEEEE' in the JSON model and errors, 'xggggeeee' as the key of a data set's
 * elements, '(GGGG,EEEE)' in messages), the pixel data tags and the VRs of PS3.5 6.2.
 */
import { DomainError } from '../errors.js';
import { tagForKeyword } from './dictionary.js';

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

/** The key of an element in a data set's `elements`: 'xggggeeee' (lower-case hex). */
export const elementKey = (group: number, element: number): string => `x${hex4(group)}${hex4(element)}`;
/** 'GGGGEEEE' -> 'xggggeeee'. */
export const keyOfTag = (tag: string): string => `x${tag.toLowerCase()}`;
/** 'xggggeeee' -> 'GGGGEEEE' (the JSON model's keys, PS3.18 F.2.1.1, and error details). */
export const tagOfKey = (key: string): string => key.slice(1).toUpperCase();
/** A 32-bit tag number (an AT value, PS3.5 6.2) -> 'GGGGEEEE'. */
export const tagOfNumber = (n: number): string => (n >>> 0).toString(16).padStart(8, '0').toUpperCase();
/** 'xggggeeee' -> '(GGGG,EEEE)', as PS3.6 writes a tag, for messages. */
export const tagName = (key: string): string => `(${key.slice(1, 5).toUpperCase()},${key.slice(5).toUpperCase()})`;

/** Pixel Data, Float Pixel Data and Double Float Pixel Data (PS3.3 C.7.6.3, C.7.6.24): element keys. */
export const PIXEL_DATA_TAG = 'x7fe00010';
export const FLOAT_PIXEL_DATA_TAG = 'x7fe00008';
export const DOUBLE_FLOAT_PIXEL_DATA_TAG = 'x7fe00009';
/** The bulk pixel elements: a header read stops at the first top-level one and never holds its value. */
export const PIXEL_TAGS: ReadonlySet<string> = new Set([PIXEL_DATA_TAG, FLOAT_PIXEL_DATA_TAG, DOUBLE_FLOAT_PIXEL_DATA_TAG]);
/** Whether an element key ('xggggeeee') or tag ('GGGGEEEE', any case) is one of PIXEL_TAGS. */
export const isPixelTag = (tag: string): boolean => PIXEL_TAGS.has(tag.startsWith('x') ? tag : keyOfTag(tag));
/** The lowest pixel tag, 'GGGGEEEE': elements above it follow the pixel data in a file (PS3.5 7.1). */
export const FIRST_PIXEL_TAG = tagOfKey(FLOAT_PIXEL_DATA_TAG);

/** The VRs of PS3.5 Table 6.2-1. */
export const VALID_VRS: ReadonlySet<string> = new Set(
  'AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '),
);

const ACCEPTED =
  'Use 8 hex digits (00100010), group,element (0010,0010), (0010,0010), x00100010, or a DICOM keyword (PatientName) as listed in PS3.6.';

const HEX_FORMS = [
  /^([0-9a-f]{8})$/i,
  /^x([0-9a-f]{8})$/i,
  /^([0-9a-f]{4}),([0-9a-f]{4})$/i,
  /^\(([0-9a-f]{4}),([0-9a-f]{4})\)$/i,
];
const KEYWORD = /^[A-Za-z][A-Za-z0-9]*$/;

/** Echo a spec in an error only when it is short and printable ASCII (it is not patient data). */
function quoted(spec: string): string {
  return spec.length <= 64 && /^[\x20-\x7e]*$/.test(spec) ? ` "${spec}"` : '';
}

function invalid(spec: string, why: string): DomainError {
  return new DomainError('InvalidTag', `The tag${quoted(spec)} is not valid: ${why}. ${ACCEPTED}`);
}

/** 'GGGGEEEE' (uppercase) for a tag spec; throws DomainError('InvalidTag') otherwise. */
export function parseTag(spec: string): string {
  if (typeof spec !== 'string') throw invalid('', 'it is not text');
  const s = spec.trim().replace(/\s+/g, '');
  for (const form of HEX_FORMS) {
    const m = form.exec(s);
    if (m) return (m[1] + (m[2] ?? '')).toUpperCase();
  }
  if (KEYWORD.test(s)) {
    const tag = tagForKeyword(s);
    if (tag) return tag;
    throw invalid(spec, 'it is not a keyword of the PS3.6 data dictionary');
  }
  throw invalid(spec, 'it is neither a tag number nor a keyword');
}

/** One step of a tag path: an element, and for a sequence an item index (from 0) to descend into. */
export interface TagPathStep {
  tag: string;
  /** Present on every step but the last: which item of the sequence `tag` to enter. */
  item?: number;
}

/**
 * A nested path such as `00400275.0.00321060` or `RequestAttributesSequence.0.RequestedProcedureDescription`:
 * sequence tag, item index (from 0), ... , element tag. Tags in any form parseTag accepts.
 */
export function parseTagPath(spec: string): TagPathStep[] {
  if (typeof spec !== 'string' || spec.trim() === '') throw invalid('', 'it is empty');
  const parts = spec.trim().split('.');
  if (parts.length % 2 === 0) {
    throw invalid(spec, 'a nested path alternates tag and item index and ends with a tag (00400275.0.00321060)');
  }
  const steps: TagPathStep[] = [];
  for (let i = 0; i < parts.length; i += 2) {
    const tag = parseTag(parts[i]);
    if (i + 1 < parts.length) {
      const index = parts[i + 1];
      if (!/^\d{1,6}$/.test(index)) throw invalid(spec, `the item index after ${tag} must be a number from 0`);
      steps.push({ tag, item: Number(index) });
    } else {
      steps.push({ tag });
    }
  }
  return steps;
}

/** The path back as text ('00400275.0.00321060'), e.g. for bulk data URIs. */
export const formatTagPath = (steps: TagPathStep[]): string =>
  steps.map((s) => (s.item === undefined ? s.tag : `${s.tag}.${s.item}`)).join('.');

/** Four hex digits, alone or after '(': the group half of a `gggg,eeee` spelling. */
const GROUP_HALF = /^\(?[0-9a-f]{4}$/i;

/**
 * The tags of repeated `?tag=` parameters, each 'GGGGEEEE', without repeats, in first-seen
 * order. Every spelling parseTag accepts is accepted, and one value may list several tags
 * separated by commas: a comma that follows four hex digits (`0028,0011`, `(0028,0011)`)
 * is the one inside a tag, so `Rows,0028,0011,(0010,0010)` is three tags. Empty entries are
 * skipped; anything else invalid is DomainError('InvalidTag').
 */
export function parseTagList(values: readonly string[]): string[] {
  const tags = new Set<string>();
  for (const value of values) {
    const parts = value.split(',');
    for (let i = 0; i < parts.length; i++) {
      let spec = parts[i].trim();
      if (GROUP_HALF.test(spec) && i + 1 < parts.length) spec = `${spec},${parts[++i].trim()}`;
      if (spec !== '') tags.add(parseTag(spec));
    }
  }
  return [...tags];
}
