import { randomUUID } from 'node:crypto';
import type { Config } from '../config.js';
import { DomainError } from '../errors.js';
import { serializeRequestRecord } from '../files/request-record.js';
import { requestKey, uploadKey } from '../storage/object-keys.js';
import { type Storage, UPLOAD_STATE_TAG } from '../storage/storage.js';

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

/**
 * Validates the body of POST /files. The filename is informational only: keys never use it. It
 * may carry patient data, so it is bounded, returned only to its owner (GET /files/{id} of the
 * same tenant) and never logged.
 */
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
  return { size, filename: filename };
}

export async function createUpload(
  storage: Storage,
  cfg: Pick<Config, 'maxUploadBytes' | 'uploadUrlTtlSeconds'>,
  /** The caller's tenant segment: the upload URL is signed for a key of that tenant only. */
  tenant: string,
  body: unknown,
  now: Date = new Date(),
): Promise<CreateUploadResult> {
  const req = parseUploadRequest(body, cfg.maxUploadBytes);
  const id = randomUUID();
  const ref = { tenant, id };
  const uploadUrl = await storage.presignPut(uploadKey(ref), {
    contentLength: req.size,
    contentType: DICOM_CONTENT_TYPE,
    expiresIn: cfg.uploadUrlTtlSeconds,
  });
  // The request is kept beside the upload so GET /files/{id} can report the filename and tell
  // "URL issued, nothing uploaded yet" from "never issued". Tagged `awaiting` until the upload
  // arrives, so a lifecycle rule can expire records of URLs that were never used.
  await storage.put(
    requestKey(ref),
    serializeRequestRecord({ id, declaredSize: req.size, filename: req.filename, createdAt: now.toISOString() }),
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

/** GET /files/{id}: the file's state (lib/files/file-state.ts decides it for every service). */
export { fileInfo as getFileInfo, type FileInfo, type FileStatus } from '../files/file-state.js';
