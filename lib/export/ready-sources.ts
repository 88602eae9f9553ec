/**
 * The uploads of ready files an export container has parsed, and their decoded frames: what it
 * keeps for a file's next new window (one instance per ExportService, so per container).
 */
import { DomainError } from '../errors.js';
import { vrLookup } from '../dicom/dictionary.js';
import { type ParsedDicom, parseDicom } from '../dicom/parse.js';
import { missingUploadError } from '../files/file-state.js';
import { ImmutableMemo } from '../cache/immutable-memo.js';
import { log } from '../log.js';
import { readDecodedFrame } from '../pixels/decoded-frame-file.js';
import { type FileRef, contentFrameKey, uploadKey } from '../storage/object-keys.js';
import type { ObjectInfo, Storage } from '../storage/storage.js';
import { FrameMemo } from './frame-memo.js';

export class ReadySources {
  /**
   * Uploads of ready files (write-once), parsed, kept for the next new rendering of the same
   * file: a viewer dragging the window asks for one new PNG after another, and the download from
   * S3 was most of each (CT 512: 33 ms over HTTP for a 3 ms render). Kept parsed so a file is
   * parsed once, not once a window. At most 128 MiB of file bytes (the export function has
   * 2 GiB), a dozen 10 MiB files. Keyed by the upload's object key, so by tenant and id.
   */
  private readonly parsed: ImmutableMemo<ParsedDicom>;
  /** Decoded frames of the compressed ones among them, for their next window (lib/export/frame-memo.ts). */
  private readonly frames: FrameMemo;

  constructor(
    private readonly storage: Storage,
    private readonly limits: { maxUploadBytes: number; maxDecodedBytes?: number },
    ttlMs: number,
  ) {
    this.parsed = new ImmutableMemo({ maxEntries: 64, maxBytes: 128 * 1024 * 1024, ttlMs, sizeOf: (p) => p.byteArray.length });
    this.frames = new FrameMemo({ ttlMs });
  }

  /** Bytes held now: parsed files' bytes and decoded frames' samples (bench/memory.ts fills both). */
  get heldBytes(): { parsed: number; frames: number } {
    return { parsed: this.parsed.totalBytes, frames: this.frames.totalBytes };
  }

  /** The file as this container holds it parsed, if it does. */
  known(ref: FileRef): ParsedDicom | undefined {
    return this.parsed.get(uploadKey(ref));
  }

  /** Drops a file whose upload changed under its key. */
  forget(ref: FileRef): void {
    this.parsed.delete(uploadKey(ref));
  }

  /**
   * The upload, parsed; its HEAD (`source`) refuses an oversized object without downloading it.
   * A ready file (`readySha256`, from its summary) is kept, with its decoded frames (only a file
   * known to be ready cannot change or go), and the processor's decoded copy of frame
   * `frameIndex` is fetched beside it.
   */
  async load(ref: FileRef, source: ObjectInfo, frameIndex: number, readySha256: string | undefined): Promise<ParsedDicom> {
    const key = uploadKey(ref);
    const known = this.parsed.get(key);
    if (known) return known;
    const { storage, limits } = this;
    if (source.size > limits.maxUploadBytes) {
      throw new DomainError('ImageTooLarge', `The file is ${source.size} bytes, over the ${limits.maxUploadBytes}-byte limit.`);
    }
    // The processor writes frame 1 only (lib/export/pre-render.ts): no GET for another frame.
    const fetchFrame = readySha256 !== undefined && frameIndex === 0;
    const [bytes, frameFile] = await Promise.all([storage.get(key), fetchFrame ? this.decodedFrameFile(ref.tenant, readySha256, frameIndex) : undefined]);
    if (!bytes) throw await missingUploadError(storage, ref);
    const parsed = parseDicom(bytes, { vrLookup, maxInflatedBytes: limits.maxDecodedBytes });
    const decoded = frameFile && parsed.pixelElement?.encapsulatedPixelData ? readDecodedFrame(parsed, frameFile, frameIndex) : undefined;
    if (readySha256) {
      this.parsed.set(key, parsed);
      this.frames.attach(parsed, key, decoded && { frameIndex, decoded });
    }
    return parsed;
  }

  /**
   * The processor's decoded copy of a frame (lib/pixels/decoded-frame-file.ts), fetched beside
   * the upload when this container has not parsed the file yet: for a slow codec it replaces the
   * codec's start and decode. Absent (most files), unreadable or refused, it is no answer, and
   * the frame is decoded as before.
   */
  private async decodedFrameFile(tenant: string, sha256: string, frameIndex: number): Promise<Uint8Array | undefined> {
    try {
      return await this.storage.get(contentFrameKey(tenant, sha256, frameIndex));
    } catch (e) {
      log.debug('decoded frame not read', { errorName: (e as Error | undefined)?.name ?? typeof e });
      return undefined;
    }
  }
}
