/**
 * References from a tenant's ready files to their content hash (uploads/{tenant}/by-hash/{hash}/{id},
 * lib/storage/object-keys.ts): the hash-keyed renders are shared by identical uploads of one
 * tenant, so a delete removes them only when no other file of the tenant holds the bytes.
 * The processor writes a reference when a file becomes ready; DELETE /files/{id} (and a processor
 * that lost a race with it) releases it.
 */
import { type FileRef, contentRenderPrefix, hashRefKey, hashRefPrefix } from '../storage/object-keys.js';
import type { Storage } from '../storage/storage.js';

/** At most this many keys per prefix are removed in one call (a file has a handful of render variants). */
const LIST_LIMIT = 1000;

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

/** Deletes every object under a prefix (bounded by LIST_LIMIT). */
export async function deleteAllUnder(storage: Storage, prefix: string): Promise<void> {
  const keys = await storage.list(prefix, LIST_LIMIT);
  await Promise.all(keys.map((k) => storage.delete(k)));
}
