import { randomUUID } from 'node:crypto';
import type { Config } from '../config.js';
import { DomainError } from '../errors.js';
import { type FileSummary, readSummary } from '../processing/summary.js';
import { type Storage, UPLOAD_STATE_TAG, requestKey, uploadKey } from '../storage/storage.js';

export const DICOM_CONTENT_TYPE = 'application/dicom';

export interface CreateUploadResult {
  id: string;
  uploadUrl: string;
  method: 'PUT';
  /** Headers the PUT must carry exactly: they are signed into the URL. */
  headers: { 'content-type': string; 'content-length': string; 'if-none-match': '*' };
  expiresAt: string;
}

export interface UploadRequest {
  size: number;
  filename?: string;
}

/** Validates the body of POST /files. The filename is informational only: keys never use it. */
export function parseUploadRequest(body: unknown, maxBytes: number): UploadRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new DomainError('InvalidRequest', 'The request body must be a JSON object, e.g. {"size": 524288}.');
  }
  const { size, filename } = body as Record<string, unknown>;
  if (size === undefined) throw new DomainError('InvalidRequest', 'The field "size" (the file size in bytes) is required.');
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0) {
    throw new DomainError('InvalidRequest', 'The field "size" must be a positive integer number of bytes.');
  }
  if (size > maxBytes) {
    throw new DomainError('PayloadTooLarge', `The file is ${size} bytes; uploads are limited to ${maxBytes} bytes.`, {
      maxBytes,
    });
  }
  if (filename !== undefined && (typeof filename !== 'string' || filename.length > 255)) {
    throw new DomainError('InvalidRequest', 'The field "filename" must be a string of at most 255 characters.');
  }
  return { size, filename: filename as string | undefined };
}

export async function createUpload(
  storage: Storage,
  cfg: Pick<Config, 'maxUploadBytes' | 'uploadUrlTtlSeconds'>,
  body: unknown,
  now: Date = new Date(),
): Promise<CreateUploadResult> {
  const req = parseUploadRequest(body, cfg.maxUploadBytes);
  const id = randomUUID();
  const uploadUrl = await storage.presignPut(uploadKey(id), {
    contentLength: req.size,
    contentType: DICOM_CONTENT_TYPE,
    expiresIn: cfg.uploadUrlTtlSeconds,
  });
  // The request is kept beside the upload so GET /files/{id} can report the filename and tell
  // "URL issued, nothing uploaded yet" from "never issued". Tagged `awaiting` until the upload
  // arrives, so a lifecycle rule can expire records of URLs that were never used.
  await storage.put(
    requestKey(id),
    new TextEncoder().encode(JSON.stringify({ id, declaredSize: req.size, filename: req.filename, createdAt: now.toISOString() })),
    'application/json',
    undefined,
    { [UPLOAD_STATE_TAG]: 'awaiting' },
  );
  return {
    id,
    uploadUrl,
    method: 'PUT',
    // If-None-Match: * makes the upload write-once: the URL cannot replace bytes already stored.
    headers: { 'content-type': DICOM_CONTENT_TYPE, 'content-length': String(req.size), 'if-none-match': '*' },
    expiresAt: new Date(now.getTime() + cfg.uploadUrlTtlSeconds * 1000).toISOString(),
  };
}

/**
 * - `awaiting-upload`: an upload URL was issued, nothing has arrived (yet);
 * - `pending`: uploaded, not processed yet (header and export work already);
 * - `ready`: validated and summarised; the default PNG is rendered when the file is an image;
 * - `rejected`: not an acceptable DICOM file; moved to quarantine, `reason` says why.
 */
export type FileStatus = 'awaiting-upload' | 'pending' | 'ready' | 'rejected';

export interface FileInfo extends Partial<Omit<FileSummary, 'status' | 'size' | 'uploadedAt'>> {
  id: string;
  status: FileStatus;
  /** Bytes stored; while awaiting the upload, the size the upload URL accepts. */
  size: number;
  /** When the bytes arrived; null while awaiting the upload. */
  uploadedAt: string | null;
  contentType?: string;
  filename?: string;
}

interface UploadRequestRecord {
  declaredSize?: number;
  filename?: string;
}

function parseRequestRecord(bytes: Uint8Array | undefined): UploadRequestRecord | undefined {
  if (!bytes) return undefined;
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    return {
      declaredSize: typeof v.declaredSize === 'number' ? v.declaredSize : undefined,
      filename: typeof v.filename === 'string' ? v.filename : undefined,
    };
  } catch {
    // Present but unreadable: the URL was still issued.
    return {};
  }
}

/**
 * The file's status and, once processed, its summary. Three reads in parallel: the upload's
 * HEAD, the summary and the request record. A summary of an earlier upload under the same id
 * (a presigned URL used twice) does not describe the current bytes: they are `pending`.
 */
export async function getFileInfo(storage: Storage, id: string): Promise<FileInfo> {
  const [object, summary, requestBytes] = await Promise.all([
    storage.head(uploadKey(id)),
    readSummary(storage, id),
    storage.get(requestKey(id)),
  ]);
  const request = parseRequestRecord(requestBytes);
  const filename = request?.filename !== undefined ? { filename: request.filename } : {};
  const uploadedAt = object?.lastModified?.toISOString() ?? null;

  const current = summary && (object ? summary.uploadedAt === uploadedAt && summary.size === object.size : summary.status === 'rejected');
  if (summary && current) {
    const { status, size, uploadedAt: at, ...rest } = summary;
    return {
      id,
      status,
      size,
      uploadedAt: at,
      ...(object?.contentType ? { contentType: object.contentType } : {}),
      ...filename,
      ...rest,
    };
  }
  if (object) {
    return {
      id,
      status: 'pending',
      size: object.size,
      uploadedAt,
      ...(object.contentType ? { contentType: object.contentType } : {}),
      ...filename,
    };
  }
  if (summary) {
    // Processed once, and the bytes are gone since (deleted, or expired by a lifecycle rule).
    throw new DomainError('FileNotFound', 'The file uploaded under this id has been deleted.');
  }
  if (request) {
    return { id, status: 'awaiting-upload', size: request.declaredSize ?? 0, uploadedAt: null, ...filename };
  }
  throw new DomainError('FileNotFound', 'No file has been uploaded under this id, and no upload URL was issued for it.');
}
