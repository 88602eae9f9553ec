/**
 * Parsing of user-supplied tag specifications: `00100010`, `0010,0010`, `(0010,0010)`,
 * `x00100010` (dicom-parser's form), any case, or a PS3.6 keyword such as `PatientName`.
 */
import { DomainError } from '../errors.js';
import { tagForKeyword } from './dictionary.js';

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
