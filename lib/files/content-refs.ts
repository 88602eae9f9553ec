/**
 * References from a tenant's ready files to their content hash (uploads/{tenant}/by-hash/{hash}/{id},
 * lib/storage/object-keys.ts): the hash-keyed renders are shared by identical uploads of one
 * tenant, so a delete removes them only when no other file of the tenant holds the bytes.
 * The processor writes a reference when a file becomes ready; DELETE /files/{id} (and a processor
 * that lost a race with it) releases it.
 */
import { type FileRef, contentRenderPrefix, hashRefKey, hashRefPrefix } from '../storage/object-keys.js';
import type { Storage } from '../storage/storage.js';

/** Keys listed (and deleted) per round: one ListObjectsV2 page. */
const LIST_LIMIT = 1000;
/**
 * Rounds per call: 50,000 objects under one prefix (renders of one file) in one DELETE; a file
 * with more (one render per window asked for) is finished by a repeated DELETE, which the
 * tombstone makes idempotent, and is not served meanwhile (the tombstone again).
 */
const MAX_ROUNDS = 50;

/** Records that `ref` is ready with content `sha256` (an empty object). */
export const holdContent = (storage: Storage, ref: FileRef, sha256: string): Promise<void> =>
  storage.put(hashRefKey(ref, sha256), new Uint8Array(0), 'application/octet-stream');

/**
 * Drops the file's reference to its content hash, and the tenant's renders of that hash when no
 * other file of the tenant references it any more.
 */
export async function releaseContent(storage: Storage, ref: FileRef, sha256: string): Promise<void> {
  await storage.delete(hashRefKey(ref, sha256));
  const others = await storage.list(hashRefPrefix(ref.tenant, sha256), 1);
  if (others.length === 0) await deleteAllUnder(storage, contentRenderPrefix(ref.tenant, sha256));
}

/** Deletes every object under a prefix, a page at a time; false when MAX_ROUNDS left some. */
export async function deleteAllUnder(storage: Storage, prefix: string): Promise<boolean> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const keys = await storage.list(prefix, LIST_LIMIT);
    await Promise.all(keys.map((k) => storage.delete(k)));
    if (keys.length < LIST_LIMIT) return true;
  }
  return (await storage.list(prefix, 1)).length === 0;
}
