/**
 * The state of a file (`status`, `sha256`, size), for every service: the one place that
 * decides whether a file is ready, what its content hash is, and whether what the processor
 * recorded describes the bytes stored now.
 *
 * A deleted file (its tombstone, lib/upload/delete-file.ts) is FileNotFound at both depths that
 * read objects of it (fileInfo, missingUploadError).
 *
 * Two depths of the same answer:
 * - recordedState: one HEAD of the summary, whose metadata carries the status and the hash
 *   (header, export and processor: cheap enough for every request);
 * - fileInfo: the upload's HEAD, the whole summary and the request record (GET /files/{id}).
 */
import { DomainError } from '../errors.js';
import { type FileRef, requestKey, summaryKey, tombstoneKey, uploadKey } from '../storage/object-keys.js';
import type { ObjectInfo, Storage } from '../storage/storage.js';
import { parseRequestRecord } from './request-record.js';
import {
  type FileSummary,
  type ProcessedStatus,
  SUMMARY_META,
  type TrailingRecord,
  isSha256Hex,
  parseSummary,
  parseTrailingMetadata,
  parseWarningsMetadata,
} from './summary.js';

/** What the processor recorded about a file, from its summary's metadata. */
export interface RecordedState {
  /** Undefined when the summary carries no status this version knows. */
  status?: ProcessedStatus;
  /** Hex SHA-256 of the upload the summary describes. */
  sha256?: string;
  /** The ETag of the upload the summary describes. */
  sourceEtag?: string;
  /** Where the elements after the pixel data lie (the header route reads them by range). */
  trailing?: TrailingRecord;
  /** Codes and byte offsets of what is damaged in a ready file (FileSummary.warnings). */
  warnings?: Array<{ code: string; offset: number }>;
}

/** The summary's metadata (one HEAD), or undefined when the file was not processed (yet). */
export async function recordedState(storage: Storage, ref: FileRef): Promise<RecordedState | undefined> {
  const head = await storage.head(summaryKey(ref));
  if (!head) return undefined;
  const meta = head.metadata ?? {};
  const status = meta[SUMMARY_META.status];
  const sha256 = meta[SUMMARY_META.sha256];
  const trailing = parseTrailingMetadata(meta[SUMMARY_META.trailing]);
  const warnings = status === 'ready' ? parseWarningsMetadata(meta[SUMMARY_META.warnings]) : undefined;
  return {
    ...(warnings ? { warnings } : {}),
    ...(status === 'ready' || status === 'rejected' ? { status } : {}),
    ...(isSha256Hex(sha256) ? { sha256 } : {}),
    ...(meta[SUMMARY_META.sourceEtag] ? { sourceEtag: meta[SUMMARY_META.sourceEtag] } : {}),
    ...(trailing ? { trailing } : {}),
  };
}

/**
 * Ready: validated and summarised. Its upload is write-once and the processor leaves it in
 * place (it moves only rejected files), so what is read from it can be kept.
 */
export const isReady = (state: RecordedState | undefined): boolean => state?.status === 'ready';

/** Whether `state` was recorded for exactly the object `upload` (the same ETag): a repeated event. */
export const recordsUpload = (state: RecordedState | undefined, upload: ObjectInfo): boolean =>
  Boolean(state && upload.etag && state.sourceEtag === upload.etag);

/**
 * Whether DELETE /files/{id} deleted the file (its tombstone is there): every service answers
 * FileNotFound for it, even while an object of it lingers (a delete in progress, a racing processor).
 */
export const isDeleted = async (storage: Storage, ref: FileRef): Promise<boolean> => Boolean(await storage.head(tombstoneKey(ref)));

export const deletedError = (): DomainError => new DomainError('FileNotFound', 'The file uploaded under this id has been deleted.');

/**
 * The upload as stored now: its HEAD and the tombstone's, in parallel. FileNotFound once the file
 * is deleted (even while an object of it lingers), the recorded reason once it is quarantined.
 * Every header and export request asks, memo hit or not: what a warm container remembers of a
 * ready file (lib/cache/immutable-memo.ts) may answer only while the file is there and is still
 * the object the processor made ready (see assertSameUpload), since a DELETE runs in another container.
 */
export async function currentUpload(storage: Storage, ref: FileRef): Promise<ObjectInfo> {
  const [upload, deleted] = await Promise.all([storage.head(uploadKey(ref)), isDeleted(storage, ref)]);
  if (deleted) throw deletedError();
  if (!upload) throw await missingUploadError(storage, ref);
  return upload;
}

/**
 * UploadMismatch when the object under the key is not the one the processor made ready (another
 * ETag): written twice, which S3 refuses (the upload URL signs If-None-Match: *) but an emulator
 * may not; the processor will reject it for the same reason, and until then nothing remembered
 * or rendered of the earlier bytes answers for it.
 */
export function assertSameUpload(recordedEtag: string | undefined, upload: ObjectInfo): void {
  if (recordedEtag && upload.etag && recordedEtag !== upload.etag) {
    throw new DomainError('UploadMismatch', 'The upload was written more than once under this id; upload URLs are write-once.');
  }
}

/**
 * The error for an upload that is not (or no longer) under its key: when the processor
 * quarantined it, the reason it was rejected (the same 422 the file gave before processing),
 * else FileNotFound. For every route that reads the upload.
 */
export async function missingUploadError(storage: Storage, ref: FileRef): Promise<DomainError> {
  const [summaryBytes, deleted] = await Promise.all([storage.get(summaryKey(ref)), isDeleted(storage, ref)]);
  if (deleted) return deletedError();
  const summary = parseSummary(summaryBytes);
  if (summary?.status === 'rejected' && summary.reason) return new DomainError(summary.reason.code, summary.reason.message);
  return new DomainError('FileNotFound', 'No file has been uploaded under this id.');
}

/**
 * - `awaiting-upload`: an upload URL was issued, nothing has arrived (yet);
 * - `pending`: uploaded, not processed yet (header and export work already);
 * - `ready`: validated and summarised; the default PNG is rendered when the file is an image;
 * - `rejected`: not an acceptable DICOM file; moved to quarantine, `reason` says why.
 */
export type FileStatus = 'awaiting-upload' | 'pending' | 'ready' | 'rejected';

export interface FileInfo extends Partial<Omit<FileSummary, 'status' | 'size' | 'uploadedAt' | 'trailingOffset' | 'trailingEnd'>> {
  id: string;
  status: FileStatus;
  /** Bytes stored; while awaiting the upload, the size the upload URL accepts. */
  size: number;
  /** When the bytes arrived; null while awaiting the upload. */
  uploadedAt: string | null;
  contentType?: string;
  filename?: string;
}

/**
 * The file's status and, once processed, its summary. Reads in parallel: the upload's HEAD, the
 * summary, the request record and the tombstone. A summary of an earlier upload under the same id
 * (a presigned URL used twice) does not describe the current bytes: they are `pending`.
 */
export async function fileInfo(storage: Storage, ref: FileRef): Promise<FileInfo> {
  const { id } = ref;
  const [object, summaryBytes, requestBytes, deleted] = await Promise.all([
    storage.head(uploadKey(ref)),
    storage.get(summaryKey(ref)),
    storage.get(requestKey(ref)),
    isDeleted(storage, ref),
  ]);
  if (deleted) throw deletedError();
  const summary = parseSummary(summaryBytes);
  const request = parseRequestRecord(requestBytes);
  const filename = request?.filename !== undefined ? { filename: request.filename } : {};
  const uploadedAt = object?.lastModified?.toISOString() ?? null;

  // The summary's body (not its metadata) is at hand here: it describes the stored bytes when it
  // names their Last-Modified and size; with the bytes gone, only a rejection (quarantined) is current.
  // Last-Modified has 1-second resolution: a same-size rewrite within that second (only an
  // emulator allows one) differs in its ETag only (summaries written before they carried it: unchecked).
  const sameBytes = (o: ObjectInfo) =>
    summary?.uploadedAt === uploadedAt && summary.size === o.size && !(summary.sourceEtag && o.etag && summary.sourceEtag !== o.etag);
  const current = summary && (object ? sameBytes(object) : summary.status === 'rejected');
  if (summary && current) {
    // The trailing range is for the header route, not part of the file resource.
    const { status, size, uploadedAt: at, trailingOffset: _o, trailingEnd: _e, sourceEtag: _etag, warnings, ...rest } = summary;
    return {
      id,
      status,
      size,
      uploadedAt: at,
      ...(object?.contentType ? { contentType: object.contentType } : {}),
      ...filename,
      ...rest,
      // Code and sentence: the offset is in the sentence.
      ...(warnings ? { warnings: warnings.map(({ code, message }) => ({ code, message })) } : {}),
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
