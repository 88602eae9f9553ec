/**
 * The summary the processor records beside an upload (`uploads/{id}.summary.json`): what the
 * file is, never who it is about. Only the fields below are written — no patient, study or
 * institution attributes, no tag values beyond the technical ones listed.
 */
import { DomainError, ERROR_STATUS, type ErrorCode } from '../errors.js';
import { type Storage, summaryKey } from '../storage/storage.js';

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
  /** The upload's Last-Modified: also tells a summary of an older upload under the same id. */
  uploadedAt: string;
  processedAt: string;
  /** Why a rejected file was rejected: a domain error code and its sentence. */
  reason?: { code: ErrorCode; message: string };
}

/**
 * S3 user metadata of the summary object: lets the export service find the content hash with
 * one HEAD (no GET), and the processor tell a duplicate event from a new upload under the id.
 */
export const SUMMARY_META = { sha256: 'sha256', status: 'status', sourceEtag: 'source-etag' } as const;

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
  'uploadedAt',
  'processedAt',
  'reason',
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
  const reason = v.reason as { code?: unknown; message?: unknown } | undefined;
  if (v.status === 'rejected') {
    if (!reason || typeof reason.code !== 'string' || !(reason.code in ERROR_STATUS) || typeof reason.message !== 'string') {
      return undefined;
    }
  }
  const out: Record<string, unknown> = {};
  for (const f of FIELDS) if (v[f] !== undefined) out[f] = v[f];
  return out as unknown as FileSummary;
}

export async function readSummary(storage: Storage, id: string): Promise<FileSummary | undefined> {
  return parseSummary(await storage.get(summaryKey(id)));
}

/**
 * The error for an upload that is not (or no longer) under uploads/: when the processor
 * quarantined it, the reason it was rejected (the same 422 the file gave before processing),
 * else FileNotFound. For every route that reads the upload.
 */
export async function missingUploadError(storage: Storage, id: string): Promise<DomainError> {
  const summary = await readSummary(storage, id);
  if (summary?.status === 'rejected' && summary.reason) return new DomainError(summary.reason.code, summary.reason.message);
  return new DomainError('FileNotFound', 'No file has been uploaded under this id.');
}
