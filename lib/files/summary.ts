/**
 * The summary the processor records beside an upload (`uploads/{id}.summary.json`): what the
 * file is, never who it is about. Only the fields below are written — no patient, study or
 * institution attributes, no tag values beyond the technical ones listed.
 */
import { ERROR_STATUS, type ErrorCode } from '../errors.js';
import type { ObjectInfo } from '../storage/storage.js';

export type ProcessedStatus = 'ready' | 'rejected';

export interface FileSummary {
  status: ProcessedStatus;
  /** Bytes of the upload. */
  size: number;
  /** Hex SHA-256 of the upload; absent only when a file over the size limit was not read. */
  sha256?: string;
  transferSyntaxUid?: string;
  sopClassUid?: string;
  sopInstanceUid?: string;
  rows?: number;
  columns?: number;
  frames?: number;
  photometric?: string;
  /**
   * File offsets (not patient data) of the elements after the top-level pixel data: from the end
   * of its value to the end of the file, or to Data Set Trailing Padding (FFFC,FFFC) when that ends
   * it (PS3.10 7.2: no meaning). Absent when nothing but padding follows, and for Deflated files
   * (their offsets are into the inflated stream). The header route reads them with one ranged GET.
   */
  trailingOffset?: number;
  /** Exclusive end of the range trailingOffset starts. */
  trailingEnd?: number;
  /** The upload's Last-Modified: also tells a summary of an older upload under the same id. */
  uploadedAt: string;
  /**
   * The ETag of the upload summarised (also in the metadata, SUMMARY_META.sourceEtag): with
   * uploadedAt (1-second resolution) and size it tells GET /files/{id} whether the summary
   * describes the bytes stored now. Not part of the file resource.
   */
  sourceEtag?: string;
  processedAt: string;
  /** Why a rejected file was rejected: a domain error code and its sentence. */
  reason?: { code: ErrorCode; message: string };
  /**
   * What is damaged in a ready file (lib/dicom/reader.ts Damage): a code and a sentence naming
   * the structure and its byte offset, never a value. Its header holds the elements read before
   * the damage; complete frames render.
   */
  warnings?: FileWarning[];
}

/** One damage of a ready file (codes: lib/dicom/reader.ts DamageCode). */
export interface FileWarning {
  code: string;
  message: string;
  /** Byte offset of the damaged structure (of the inflated data set for a Deflated file). */
  offset?: number;
}

/** At most this many warnings are kept; a salvaging read stops at its first damage anyway. */
const MAX_WARNINGS = 8;

/** The warnings of a summary from what a parse found damaged (`ParsedDicom.damage`). */
export function summaryWarnings(damage: readonly { code: string; message: string; offset: number }[] | undefined): Pick<FileSummary, 'warnings'> {
  if (!damage || damage.length === 0) return {};
  return { warnings: damage.slice(0, MAX_WARNINGS).map((d) => ({ code: d.code, message: d.message, offset: d.offset })) };
}

/**
 * S3 user metadata of the summary object: lets the services learn a file's state with one
 * HEAD (no GET, lib/files/file-state.ts), and the processor tell a duplicate event from a new
 * upload under the id.
 */
export const SUMMARY_META = { sha256: 'sha256', status: 'status', sourceEtag: 'source-etag', trailing: 'trailing', warnings: 'warnings' } as const;

const WARNING_META = /^([A-Za-z]{1,40})@(\d{1,15})$/;

/**
 * SUMMARY_META.warnings: the codes and offsets of a ready file's warnings, 'Code@offset' joined
 * by commas (the header route learns them with its one HEAD and names them in its Warning header).
 */
export function parseWarningsMetadata(value: string | undefined): Array<{ code: string; offset: number }> | undefined {
  if (!value) return undefined;
  const out: Array<{ code: string; offset: number }> = [];
  for (const part of value.split(',').slice(0, MAX_WARNINGS)) {
    const m = WARNING_META.exec(part);
    if (m) out.push({ code: m[1], offset: Number(m[2]) });
  }
  return out.length > 0 ? out : undefined;
}

/**
 * What the summary's metadata says about the elements after the pixel data (FileSummary
 * trailingOffset/trailingEnd): their range, or 'none' when a processed file has none to read by
 * range. Undefined (no such metadata: a summary of an older version) means unknown.
 */
export type TrailingRecord = { offset: number; end: number } | 'none';

const TRAILING_META = /^(\d{1,15})-(\d{1,15})$/;

/** Reads SUMMARY_META.trailing ('<offset>-<end>' or 'none'); anything else is unknown. */
export function parseTrailingMetadata(value: string | undefined): TrailingRecord | undefined {
  if (value === 'none') return 'none';
  const m = value === undefined ? null : TRAILING_META.exec(value);
  if (!m) return undefined;
  const offset = Number(m[1]);
  const end = Number(m[2]);
  return offset < end ? { offset, end } : undefined;
}

const validRange = (offset: unknown, end: unknown): boolean =>
  Number.isSafeInteger(offset) && Number.isSafeInteger(end) && (offset as number) >= 0 && (offset as number) < (end as number);

/** The metadata a summary of `upload` is written with (read back by lib/files/file-state.ts). */
export function summaryMetadata(summary: FileSummary, upload: ObjectInfo): Record<string, string> {
  const metadata: Record<string, string> = { [SUMMARY_META.status]: summary.status };
  if (summary.sha256) metadata[SUMMARY_META.sha256] = summary.sha256;
  if (upload.etag) metadata[SUMMARY_META.sourceEtag] = upload.etag;
  if (summary.status === 'ready') {
    const { trailingOffset: offset, trailingEnd: end } = summary;
    metadata[SUMMARY_META.trailing] = validRange(offset, end) ? `${offset}-${end}` : 'none';
    const warnings = (summary.warnings ?? []).filter((w) => /^[A-Za-z]{1,40}$/.test(w.code) && Number.isSafeInteger(w.offset) && (w.offset ?? -1) >= 0);
    if (warnings.length > 0) metadata[SUMMARY_META.warnings] = warnings.map((w) => `${w.code}@${w.offset}`).join(',');
  }
  return metadata;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
export const isSha256Hex = (s: unknown): s is string => typeof s === 'string' && SHA256_HEX.test(s);

const FIELDS = [
  'status',
  'size',
  'sha256',
  'transferSyntaxUid',
  'sopClassUid',
  'sopInstanceUid',
  'rows',
  'columns',
  'frames',
  'photometric',
  'trailingOffset',
  'trailingEnd',
  'uploadedAt',
  'sourceEtag',
  'processedAt',
  'reason',
  'warnings',
] as const;

/** The summary with exactly the allowed fields, in a fixed order (undefined ones dropped). */
export function serializeSummary(summary: FileSummary): Uint8Array {
  const out: Record<string, unknown> = {};
  for (const f of FIELDS) if (summary[f] !== undefined) out[f] = summary[f];
  return new TextEncoder().encode(JSON.stringify(out));
}

/** Parses a stored summary; anything unexpected (truncated, foreign, older shape) is undefined. */
export function parseSummary(bytes: Uint8Array | undefined): FileSummary | undefined {
  if (!bytes || bytes.length === 0) return undefined;
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object') return undefined;
  if (v.status !== 'ready' && v.status !== 'rejected') return undefined;
  if (typeof v.size !== 'number' || typeof v.uploadedAt !== 'string' || typeof v.processedAt !== 'string') return undefined;
  if (v.sha256 !== undefined && !isSha256Hex(v.sha256)) return undefined;
  if (v.sourceEtag !== undefined && typeof v.sourceEtag !== 'string') return undefined;
  const reason = v.reason as { code?: unknown; message?: unknown } | undefined;
  if (v.status === 'rejected') {
    if (!reason || typeof reason.code !== 'string' || !(reason.code in ERROR_STATUS) || typeof reason.message !== 'string') {
      return undefined;
    }
  }
  if (v.warnings !== undefined && !validWarnings(v.warnings)) return undefined;
  const out: Record<string, unknown> = {};
  for (const f of FIELDS) if (v[f] !== undefined) out[f] = v[f];
  if (!validRange(out.trailingOffset, out.trailingEnd)) {
    // Both or neither, and a range: a summary without them reads the elements after the pixel data as before.
    delete out.trailingOffset;
    delete out.trailingEnd;
  }
  return out as unknown as FileSummary;
}

const validWarnings = (w: unknown): boolean =>
  Array.isArray(w) &&
  w.length <= MAX_WARNINGS &&
  w.every(
    (x) =>
      x !== null &&
      typeof x === 'object' &&
      typeof (x as FileWarning).code === 'string' &&
      typeof (x as FileWarning).message === 'string' &&
      ((x as FileWarning).offset === undefined || Number.isSafeInteger((x as FileWarning).offset)),
  );
