/**
 * Header reads of uploads, remembered for ready files: the memo policy of the header routes.
 * One instance per container (built by HeaderService, itself built once by functions/header.ts).
 */
import { ImmutableMemo } from '../cache/immutable-memo.js';
import { DomainError } from '../errors.js';
import { assertSameUpload, currentUpload, isReady, missingUploadError, recordedState } from '../files/file-state.js';
import { type FileRef, uploadKey } from '../storage/object-keys.js';
import type { Storage } from '../storage/storage.js';
import { withRecorded } from './header-warnings.js';
import { type HeaderRead, type ReadHeaderOptions, readHeader } from './ranged-header-read.js';

export class UploadHeaders {
  /**
   * Parsed headers of ready files (lib/cache/immutable-memo.ts): a viewer asking for several
   * tags of the same file is answered from memory after the first request. At most 32 MiB of
   * header bytes; `ttlMs` at most (MEMO_TTL_SECONDS), so a deleted file stops being answered soon.
   */
  private readonly memo: ImmutableMemo<HeaderRead & { etag?: string }>;

  constructor(
    private readonly storage: Storage,
    ttlMs: number,
  ) {
    this.memo = new ImmutableMemo<HeaderRead & { etag?: string }>({
      maxEntries: 1000,
      maxBytes: 32 * 1024 * 1024,
      ttlMs,
      // The bytes the parse holds, plus the element objects (about 200 bytes each).
      sizeOf: (r) => r.parsed.byteArray.length + 200 * Object.keys(r.parsed.dataSet.elements).length,
    });
  }

  /**
   * readHeader on an upload. A file the processor quarantined is no longer under its upload key,
   * so its recorded reason (e.g. 422 NotDicom) is answered rather than a bare 404.
   */
  async read(ref: FileRef, options: ReadHeaderOptions): Promise<HeaderRead> {
    const { storage, memo } = this;
    // Keyed by the object key, so by tenant and id: never one tenant's header for another's request.
    // Reads with and without the elements after the pixel data are kept apart.
    const memoKey = `${uploadKey(ref)}${options.includeTrailing === 'whole-header' ? ':whole' : options.includeTrailing ? ':trailing' : ''}`;
    // Asked on every request, memo hit or not: a DELETE in another container is seen at once.
    const upload = currentUpload(storage, ref);
    const known = memo.get(memoKey);
    if (known) {
      const { etag, ...read } = known;
      try {
        assertSameUpload(etag, await upload);
      } catch (e) {
        memo.delete(memoKey);
        throw e;
      }
      return { ...read, bytesRead: 0, reads: 0 };
    }
    // Beside the first read, not before it: whether the file is ready decides what to keep, and
    // a ready file's summary says where the elements after the pixel data lie.
    const state = memo.enabled || options.includeTrailing ? recordedState(storage, ref).catch(() => undefined) : undefined;
    const trailingRecord = options.includeTrailing ? state?.then((s) => (isReady(s) ? s?.trailing : undefined)) : undefined;
    let read: HeaderRead;
    try {
      [read] = await Promise.all([readHeader(storage, uploadKey(ref), { ...options, trailingRecord }), upload]);
    } catch (e) {
      if (e instanceof DomainError && e.code === 'FileNotFound') throw await missingUploadError(storage, ref);
      throw e;
    }
    // A ready file stays: its upload is write-once and the processor leaves it in place (it moves
    // only rejected files). A pending one may still be quarantined, so it is read again next time.
    const recorded = await state;
    if (isReady(recorded)) {
      assertSameUpload(recorded?.sourceEtag, await upload);
      // What the processor found damaged that a header read cannot see (a cut inside encapsulated pixel data).
      read = { ...read, warnings: withRecorded(read.warnings, recorded?.warnings) };
      memo.set(memoKey, { ...read, etag: recorded?.sourceEtag });
    }
    return read;
  }
}
