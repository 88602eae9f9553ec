import { type Config, DEFAULT_FEATURES, DEFAULT_MEMO_TTL_SECONDS } from '../config.js';
import type { ParsedDicom } from '../dicom/parse.js';
import { type RenderResult, renderPng } from '../render/render-frame.js';
import { assertSameUpload, currentUpload, isReady, recordedState } from '../files/file-state.js';
import { transferSyntax } from '../dicom/transfer-syntax.js';
import { recordExportCache, recordRenderTime } from '../observability/metrics.js';
import { ImmutableMemo } from '../cache/immutable-memo.js';
import { type FileRef, contentRenderKey, isContentRenderKey, renderKey, uploadKey } from '../storage/object-keys.js';
import type { ObjectInfo, Storage } from '../storage/storage.js';
import { assertCodecEnabled } from '../pixels/decoders.js';
import { type RenderParams, checkRenderFeatures, renderVariant } from './render-params.js';
import { ReadySources } from './ready-sources.js';
import { nextTurns, settled, unwrap } from './settled.js';
import { INLINE_CACHE_WRITE_MIN_RENDER_MS, INLINE_PNG_MAX_BYTES } from './inline-png.js';

export interface ExportResult {
  url: string;
  cached: boolean;
  width: number;
  height: number;
  frame: number;
  bitDepth: 8 | 16;
}

/** The answer to `Accept: image/png`: the PNG itself when small enough, else where it is (as ExportResult). */
export type InlineExportResult = (Omit<ExportResult, 'url'> & { png: Uint8Array; url?: undefined }) | (ExportResult & { png?: undefined });

/** What the export needs of the configuration; the memo age and decode bound default as in lib/config.ts. */
export type ExportConfig = Pick<Config, 'renderUrlTtlSeconds' | 'maxUploadBytes'> & Partial<Pick<Config, 'memoTtlSeconds' | 'maxDecodedBytes' | 'features'>>;

/**
 * GET /files/{id}/png. One instance per container (functions/export.ts): its memos
 * (lib/cache/immutable-memo.ts) live as long as the container and are built here, once.
 */
export class ExportService {
  /**
   * Upload key (so tenant and id) -> content hash, learnt from a `ready` summary: the upload under
   * the key is write-once. Never keyed by id or hash alone: memos are per tenant.
   */
  private readonly hashes: ImmutableMemo<ReadyContent>;
  /** Content-addressed render key -> its HEAD: a render under a content hash never changes. */
  private readonly renders: ImmutableMemo<ObjectInfo>;
  /**
   * Presigned GETs of renders, reused for a fifth of their lifetime (and at most the memo's age
   * bound): signing costs about 0.8 ms of a cached request's 1.5, and the same URL for the same
   * PNG lets a browser's HTTP cache answer the repeat itself. A URL handed out still has at
   * least four fifths of RENDER_URL_TTL_SECONDS to live.
   */
  private readonly urls: ImmutableMemo<string>;
  /** Ready files this container has parsed, and their decoded frames (lib/export/ready-sources.ts). */
  private readonly sources: ReadySources;

  constructor(
    private readonly storage: Storage,
    private readonly cfg: ExportConfig,
    /** The inline answer's limits (lib/export/inline-png.ts); tests change them. */
    private readonly inline = { maxBytes: INLINE_PNG_MAX_BYTES, cacheWriteMinRenderMs: INLINE_CACHE_WRITE_MIN_RENDER_MS },
  ) {
    const ttlMs = (cfg.memoTtlSeconds ?? DEFAULT_MEMO_TTL_SECONDS) * 1000;
    this.hashes = new ImmutableMemo<ReadyContent>({ maxEntries: 10_000, maxBytes: 2 * 1024 * 1024, ttlMs, sizeOf: (v) => v.sha256.length + (v.etag?.length ?? 0) + 100 });
    this.renders = new ImmutableMemo({ maxEntries: 10_000, maxBytes: 4 * 1024 * 1024, ttlMs, sizeOf: () => 300 });
    this.urls = new ImmutableMemo({
      maxEntries: 10_000,
      maxBytes: 16 * 1024 * 1024,
      ttlMs: Math.min(ttlMs, (cfg.renderUrlTtlSeconds * 1000) / 5),
      sizeOf: (url) => url.length + 100,
    });
    this.sources = new ReadySources(storage, cfg, ttlMs);
  }

  /**
   * Renders one frame to PNG, or finds the PNG a previous identical request made (see
   * cacheLookup): a hit costs HEADs only and neither downloads the DICOM nor renders.
   */
  async exportPng(ref: FileRef, params: RenderParams): Promise<ExportResult> {
    checkRenderFeatures(params, this.cfg.features);
    const found = await this.lookupOrRender(ref, params);
    if (found.hit) return this.cachedResult(found.key, found.hit, params);
    const { key, out } = found;
    await this.store(key, out);
    return { url: await this.presign(key), cached: false, ...dimensions(out) };
  }

  /**
   * The PNG itself for an inline answer (lib/export/inline-png.ts) when a new rendering is at
   * most the inline limit, else the same as exportPng. A PNG already cached keeps the redirect:
   * measured (bench/inline.ts), reading it from S3 into the answer cost more than the client's
   * own GET of it (CT 512: 18.5 against 8.7 ms; DX 2048: 112 against 4.7 ms). A new rendering is
   * stored only when it took at least INLINE_CACHE_WRITE_MIN_RENDER_MS: a quicker one costs less
   * to render again than the PUT would add to this answer.
   */
  async exportPngInline(ref: FileRef, params: RenderParams): Promise<InlineExportResult> {
    checkRenderFeatures(params, this.cfg.features);
    const found = await this.lookupOrRender(ref, params);
    if (found.hit) return this.cachedResult(found.key, found.hit, params);
    const { key, out, renderMs } = found;
    if (out.png.length > this.inline.maxBytes) {
      await this.store(key, out);
      return { url: await this.presign(key), cached: false, ...dimensions(out) };
    }
    if (renderMs >= this.inline.cacheWriteMinRenderMs) await this.store(key, out);
    return { png: out.png, cached: false, ...dimensions(out) };
  }

  /**
   * The cached PNG for (file, parameters), or a new rendering of it. A warm container that holds
   * the ready file parsed and has not seen this rendering renders it while the lookup's HEADs
   * (upload, tombstone, render key) are in flight, instead of after them: in Lambda those are
   * network waits of a few ms each, as long as a CT's render (bench/profile-export.ts). The
   * early rendering is answered only once the lookup has confirmed the upload is still the
   * ready one (a deleted or rewritten file gets the lookup's error, and the rendering is
   * dropped unstored); when the render key turns out to exist (made by another container or the
   * processor) the cached PNG is answered and the rendering is wasted CPU, never latency beyond
   * the render's own.
   */
  private async lookupOrRender(ref: FileRef, params: RenderParams): Promise<{ key: string; hit: ObjectInfo } | { key: string; hit?: undefined; out: RenderResult; renderMs: number }> {
    const early = this.knownSource(ref, params);
    let looking = true;
    const looked = this.lookup(ref, params).finally(() => (looking = false));
    // The render is synchronous CPU work: started two turns of the event loop later, once the
    // lookup's requests are on their sockets (the SDK needs two, measured against a server in
    // another process), it overlaps their round trips. Not started at all when the lookup has
    // already answered (a hit, or an error).
    const pending = early ? settled(nextTurns(2).then(() => (looking ? this.timedRender(early, params) : undefined))) : undefined;
    const { key, hit, upload, readySha256 } = await looked;
    recordExportCache(Boolean(hit));
    if (hit) return { key, hit };
    const rendered = pending && unwrap(await pending);
    if (rendered) return { key, ...rendered };
    const parsed = await this.sources.load(ref, upload, params.frame - 1, readySha256);
    return { key, ...(await this.timedRender(parsed, params)) };
  }

  /** The ready file this container holds parsed, when the rendering asked for is not one it has seen cached. */
  private knownSource(ref: FileRef, params: RenderParams): ParsedDicom | undefined {
    const ready = this.hashes.get(uploadKey(ref));
    const parsed = this.sources.known(ref);
    if (!ready || !parsed) return undefined;
    return this.renders.get(contentRenderKey(ref.tenant, ready.sha256, renderVariant(params))) ? undefined : parsed;
  }

  /**
   * cacheLookup, and beside it the upload's HEAD and its tombstone's (currentUpload): a warm
   * container answers from what it remembers only while the file exists and is the object the
   * processor made ready, and never renders (or stores a render of) a deleted or rewritten file.
   */
  private async lookup(ref: FileRef, params: RenderParams): Promise<{ key: string; hit?: ObjectInfo; upload: ObjectInfo; readySha256?: string }> {
    const [found, upload] = await Promise.all([this.cacheLookup(ref, renderVariant(params)), currentUpload(this.storage, ref)]);
    try {
      assertSameUpload(found.recordedEtag, upload);
    } catch (e) {
      this.forget(ref);
      throw e;
    }
    return { key: found.key, hit: found.hit, upload, readySha256: found.readySha256 };
  }

  /** Drops what the memos hold of a file whose upload changed under its key. */
  private forget(ref: FileRef): void {
    this.hashes.delete(uploadKey(ref));
    this.sources.forget(ref);
  }

  private async cachedResult(key: string, hit: ObjectInfo, params: RenderParams): Promise<ExportResult> {
    return {
      url: await this.presign(key),
      cached: true,
      width: Number(hit.metadata?.width ?? 0),
      height: Number(hit.metadata?.height ?? 0),
      frame: params.frame,
      bitDepth: params.bitDepth,
    };
  }

  private async timedRender(parsed: ParsedDicom, params: RenderParams): Promise<{ out: RenderResult; renderMs: number }> {
    assertCodecEnabled(parsed.transferSyntaxUid, (this.cfg.features ?? DEFAULT_FEATURES).codecs);
    const started = performance.now();
    const out = await renderPng(parsed, params, this.cfg.maxDecodedBytes);
    const renderMs = performance.now() - started;
    recordRenderTime(renderMs, transferSyntax(parsed.transferSyntaxUid)?.keyword ?? 'Unknown');
    return { out, renderMs };
  }

  /** Written only after a complete render: a failed render leaves no cache object behind. */
  private async store(key: string, out: RenderResult): Promise<void> {
    const metadata = { width: String(out.width), height: String(out.height) };
    await this.storage.put(key, out.png, 'image/png', metadata);
    if (isContentRenderKey(key)) this.renders.set(key, { size: out.png.length, contentType: 'image/png', metadata });
  }

  private async presign(key: string): Promise<string> {
    const known = this.urls.get(key);
    if (known) return known;
    const url = await this.storage.presignGet(key, { expiresIn: this.cfg.renderUrlTtlSeconds, contentType: 'image/png' });
    this.urls.set(key, url);
    return url;
  }

  /**
   * Where the PNG for (file, parameters) is cached. Once the processor has summarised the file,
   * the key is the tenant, its content hash and the normalised parameters
   * (`renders/{tenant}/sha256/{hash}/...`), so identical bytes uploaded under several ids of one
   * tenant share renders (never across tenants: a hit would reveal another tenant's bytes); the hash comes from the
   * summary's metadata (one HEAD, no GET). Before that, the key is the file id
   * (`renders/{tenant}/{id}/...`), which stays a valid fallback for renders made before processing.
   * A warm container remembers the hash of a ready file and the renders it has seen, so a
   * repeated request needs no S3 request at all.
   */
  private async cacheLookup(ref: FileRef, variant: string): Promise<CacheLookup> {
    const { storage } = this;
    const memoKey = uploadKey(ref);
    const known = this.hashes.get(memoKey);
    if (known) {
      // The hash is known only for ready files, whose renders go under the hash key (the id-keyed
      // fallback is for renders made before processing).
      const key = contentRenderKey(ref.tenant, known.sha256, variant);
      const recordedEtag = known.etag;
      const remembered = this.renders.get(key);
      if (remembered) return { key, hit: remembered, recordedEtag, readySha256: known.sha256 };
      const hit = await storage.head(key);
      // Set only when read from S3: an entry's age stays bounded however often it is used.
      if (hit) this.renders.set(key, hit);
      return { key, hit, recordedEtag, readySha256: known.sha256 };
    }
    const idKey = renderKey(ref, variant);
    const [state, idHit] = await Promise.all([recordedState(storage, ref), storage.head(idKey)]);
    const sha256 = state?.sha256;
    if (!sha256) return { key: idKey, hit: idHit };
    const recordedEtag = state.sourceEtag;
    const readySha256 = isReady(state) ? sha256 : undefined;
    if (readySha256) this.hashes.set(memoKey, { sha256, etag: recordedEtag });
    const shaKey = contentRenderKey(ref.tenant, sha256, variant);
    const shaHit = await storage.head(shaKey);
    if (shaHit) {
      this.renders.set(shaKey, shaHit);
      return { key: shaKey, hit: shaHit, recordedEtag, readySha256 };
    }
    if (idHit) return { key: idKey, hit: idHit, recordedEtag, readySha256 };
    return { key: shaKey, recordedEtag, readySha256 };
  }
}

/** A ready file's content hash and the ETag of the upload it was computed from (its summary's metadata). */
interface ReadyContent {
  sha256: string;
  etag?: string;
}

/** Where a render is (or goes), and the ETag of the upload the processor recorded, if any. */
interface CacheLookup {
  key: string;
  hit?: ObjectInfo;
  recordedEtag?: string;
  /** The content hash, when the summary says the file is ready. */
  readySha256?: string;
}

const dimensions = (out: RenderResult) => ({ width: out.width, height: out.height, frame: out.frame, bitDepth: out.bitDepth });
