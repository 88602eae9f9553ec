import { DomainError } from '../errors.js';

/**
 * One range of bytes asked for with `Range: bytes=a-b` or `bytes=a-` (RFC 9110 14.1.2), end
 * inclusive; without `end`, up to the end of the value. Services clamp it to the value.
 */
export interface ByteRange {
  start: number;
  end?: number;
}

/**
 * Parses a Range header; undefined for no header. Anything but one `bytes=` range, or one that
 * ends before it starts, is InvalidParameter (400), before anything is read.
 */
export function parseRangeHeader(header: string | undefined): ByteRange | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d{1,15})-(\d{0,15})$/.exec(header.trim());
  if (!m) throw new DomainError('InvalidParameter', 'The Range header must be one range of bytes, e.g. "bytes=0-1048575".');
  const start = Number(m[1]);
  if (m[2] === '') return { start };
  const end = Number(m[2]);
  if (start > end) throw rangeOutside(Number.MAX_SAFE_INTEGER);
  return { start, end };
}

/**
 * A range clamped to a value of `total` bytes (its end to the value's end); InvalidParameter
 * when it starts past the end.
 */
export function clampRange(range: ByteRange, total: number): { start: number; end: number } {
  const end = Math.min(range.end ?? total - 1, total - 1);
  if (range.start > end) throw rangeOutside(total);
  return { start: range.start, end };
}

const rangeOutside = (total: number): DomainError =>
  new DomainError('InvalidParameter', `The range starts past the end of the ${total}-byte value (or ends before it starts).`);
