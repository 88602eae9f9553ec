import { randomUUID } from 'node:crypto';
import type { Config } from '../config.js';
import { DomainError } from '../errors.js';
import { type Storage, uploadKey } from '../storage/storage.js';

export const DICOM_CONTENT_TYPE = 'application/dicom';

export interface CreateUploadResult {
  id: string;
  uploadUrl: string;
  method: 'PUT';
  headers: { 'content-type': string; 'content-length': string };
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
  // The request is kept beside the upload so GET /files/{id} can report the filename.
  await storage.put(
    `uploads/${id}.json`,
    new TextEncoder().encode(JSON.stringify({ id, declaredSize: req.size, filename: req.filename, createdAt: now.toISOString() })),
    'application/json',
  );
  return {
    id,
    uploadUrl,
    method: 'PUT',
    headers: { 'content-type': DICOM_CONTENT_TYPE, 'content-length': String(req.size) },
    expiresAt: new Date(now.getTime() + cfg.uploadUrlTtlSeconds * 1000).toISOString(),
  };
}

export interface FileInfo {
  id: string;
  size: number;
  uploadedAt: string | undefined;
  contentType?: string;
  filename?: string;
  status: 'uploaded';
}

export async function getFileInfo(storage: Storage, id: string): Promise<FileInfo> {
  const [object, request] = await Promise.all([storage.head(uploadKey(id)), storage.get(`uploads/${id}.json`)]);
  if (!object) {
    const hint = request ? ' An upload URL was issued for it, but nothing has been uploaded yet.' : '';
    throw new DomainError('FileNotFound', `No file has been uploaded under this id.${hint}`);
  }
  let filename: string | undefined;
  if (request) {
    try {
      filename = (JSON.parse(new TextDecoder().decode(request)) as { filename?: string }).filename;
    } catch {
      filename = undefined;
    }
  }
  return {
    id,
    size: object.size,
    uploadedAt: object.lastModified?.toISOString(),
    contentType: object.contentType,
    ...(filename !== undefined ? { filename } : {}),
    status: 'uploaded',
  };
}
