/**
 * DELETE /files/{id}: removes everything of one file of one tenant.
 *
 * The tombstone (uploads/{tenant}/{id}.deleted) is written first and stays: every service answers
 * FileNotFound for a tombstoned id even while an object of it lingers, a repeated delete answers
 * 204 (idempotent) rather than 404, and a processor run racing the delete finds it after its own
 * writes and removes them (lib/processing/process-upload.ts). Only a tenant's own keys are
 * built, so another tenant's id is "never existed" here: the same 404 as an unknown id.
 */
import { DomainError } from '../errors.js';
import { deleteAllUnder, releaseContent } from '../files/content-refs.js';
import { isSha256Hex, parseSummary } from '../files/summary.js';
import { log } from '../log.js';
import {
  type FileRef,
  quarantineKey,
  renderPrefix,
  requestKey,
  summaryKey,
  tombstoneKey,
  uploadKey,
} from '../storage/object-keys.js';
import type { Storage } from '../storage/storage.js';

export async function deleteFile(storage: Storage, ref: FileRef): Promise<void> {
  const [upload, request, quarantined, tombstone, summaryBytes] = await Promise.all([
    storage.head(uploadKey(ref)),
    storage.head(requestKey(ref)),
    storage.head(quarantineKey(ref)),
    storage.head(tombstoneKey(ref)),
    storage.get(summaryKey(ref)),
  ]);
  // A summary alone (bytes expired by a lifecycle rule) is not a file: GET /files/{id} says 404 too.
  if (!upload && !request && !quarantined && !tombstone) {
    throw new DomainError('FileNotFound', 'No file has been uploaded under this id, and no upload URL was issued for it.');
  }
  // Written first, kept on a repeat (it may be the finishing run of a delete that failed half-way).
  if (!tombstone) await storage.put(tombstoneKey(ref), new Uint8Array(0), 'application/octet-stream');

  const sha256 = parseSummary(summaryBytes)?.sha256;
  await Promise.all([uploadKey(ref), requestKey(ref), summaryKey(ref), quarantineKey(ref)].map((k) => storage.delete(k)));
  // Tens of thousands of windows of one file leave some renders for a repeated DELETE; the
  // tombstone keeps them from being served meanwhile.
  if (!(await deleteAllUnder(storage, renderPrefix(ref)))) log.warn('delete left renders of the file for a repeated DELETE', { fileId: ref.id });
  if (isSha256Hex(sha256)) await releaseContent(storage, ref, sha256);
}
