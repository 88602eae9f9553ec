/**
 * Decoded frames of compressed ready files, kept in a warm container for the file's next new
 * window: a viewer dragging the window over a JPEG 2000 or JPEG Lossless image asks for one new
 * rendering after another, and the decode is nearly all of each (README: 234-397 ms for the
 * corpus's JPEG 2000 images against a few ms of windowing and encoding). Frames of native
 * (uncompressed) files are not kept: reading them is a view or one typed copy.
 *
 * Keyed by the string the export's memo of ready files uses for the file (so whatever that key
 * names, the frames are the same file's) plus the 0-based frame index and, for a frame decoded
 * at a reduced resolution for a thumbnail (JPEG 2000, lib/pixels/resolution-level.ts), the
 * reduction level asked for: a reduced frame never answers a full-size request. Bounded as the other
 * memos (lib/cache/immutable-memo.ts): entries, bytes and age. The age bound is honoured because
 * a frame is only reached through the file's parsed form, which the export obtains from its own
 * memo or from S3 first (a deleted file is a 404 before any frame is looked at).
 */
import { ImmutableMemo } from '../cache/immutable-memo.js';
import type { ParsedDicom } from '../dicom/parse.js';
import { type DecodedStored, type DecodedFrameStore, keepDecodedFrames } from '../pixels/decoders.js';

/**
 * 256 MiB of decoded samples: the export function has 2 GiB, the memo of ready files 128 MiB;
 * this holds about 17 frames of the corpus's largest (2394 x 3062 x 16-bit, 14.7 MB), 34 of a
 * 1760 x 2140 JPEG 2000 or 500 CT slices.
 */
export const FRAME_MEMO_MAX_BYTES = 256 * 1024 * 1024;
export const FRAME_MEMO_MAX_ENTRIES = 512;

export class FrameMemo {
  private readonly frames: ImmutableMemo<DecodedStored>;

  constructor(opts: { ttlMs: number; maxBytes?: number; maxEntries?: number }) {
    this.frames = new ImmutableMemo({
      maxEntries: opts.maxEntries ?? FRAME_MEMO_MAX_ENTRIES,
      maxBytes: opts.maxBytes ?? FRAME_MEMO_MAX_BYTES,
      ttlMs: opts.ttlMs,
      sizeOf: (d) => d.values.byteLength + 100,
    });
  }

  /** Bytes of decoded samples held now. */
  get totalBytes(): number {
    return this.frames.totalBytes;
  }

  get size(): number {
    return this.frames.size;
  }

  /**
   * Lets decodeFrame (lib/pixels/decoders.ts) answer `parsed`'s frames from this memo and keep
   * what it decodes, when the file's pixel data is compressed (encapsulated, PS3.5 A.4).
   * `fileKey` is the key under which the caller keeps `parsed` itself; `seed` is a frame the
   * caller already has decoded (the processor's copy, lib/pixels/decoded-frame-file.ts).
   */
  attach(parsed: ParsedDicom, fileKey: string, seed?: { frameIndex: number; decoded: DecodedStored }): void {
    if (!parsed.pixelElement?.encapsulatedPixelData) return;
    if (!this.frames.enabled) {
      // No memo (MEMO_TTL_SECONDS=0): the seed, a frame read rather than decoded, serves this request only.
      if (seed) keepDecodedFrames(parsed, { get: (i, level) => (i === seed.frameIndex && level === 0 ? seed.decoded : undefined), set: () => undefined });
      return;
    }
    const store = this.storeFor(fileKey);
    // Full resolution (level 0): a thumbnail decodes its reduced level as before.
    if (seed && !store.get(seed.frameIndex, 0)) store.set(seed.frameIndex, 0, seed.decoded);
    keepDecodedFrames(parsed, store);
  }

  private storeFor(fileKey: string): DecodedFrameStore {
    // NUL cannot occur in an object key or a file id, so file, frame and level stay apart.
    const key = (frameIndex: number, level: number) => `${fileKey}\u0000${frameIndex}${level > 0 ? `\u0000r${level}` : ''}`;
    return {
      get: (frameIndex, level) => this.frames.get(key(frameIndex, level)),
      set: (frameIndex, level, decoded) => this.frames.set(key(frameIndex, level), decoded),
    };
  }
}
