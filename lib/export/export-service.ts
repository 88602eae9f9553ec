import { type Config, config } from '../config.js';
import { DomainError } from '../errors.js';
import { vrLookup } from '../dicom/dictionary.js';
import { parseDicom } from '../dicom/parse.js';
import { renderPng } from '../render/render-frame.js';
import { SUMMARY_META, isSha256Hex, missingUploadError } from '../processing/summary.js';
import { memoOf } from '../cache/immutable-memo.js';
import { CONTENT_RENDER_PREFIX, type ObjectInfo, type Storage, contentRenderKey, renderKey, summaryKey, uploadKey } from '../storage/storage.js';
import { type RenderParams, renderVariant } from './render-params.js';

export interface ExportResult {
  url: string;
  cached: boolean;
  width: number;
  height: number;
  frame: number;
  bitDepth: 8 | 16;
}

/** Age bound of the memos below (see lib/cache/immutable-memo.ts); MEMO_TTL_SECONDS. */
const memoTtlMs = () => config().memoTtlSeconds * 1000;

/** id -> content hash, learnt from a `ready` summary: the upload under the id is write-once. */
const hashMemo = (storage: Storage) =>
  memoOf<string>(storage, 'export:sha256', { maxEntries: 10_000, maxBytes: 2 * 1024 * 1024, ttlMs: memoTtlMs(), sizeOf: (v) => v.length + 100 });
/** Content-addressed render key -> its HEAD: a render under a content hash never changes. */
const renderMemo = (storage: Storage) =>
  memoOf<ObjectInfo>(storage, 'export:renders', { maxEntries: 10_000, maxBytes: 4 * 1024 * 1024, ttlMs: memoTtlMs(), sizeOf: () => 300 });

/**
 * Presigned GETs of renders, reused for a fifth of their lifetime (and at most the memo's age
 * bound): signing costs about 0.8 ms of a cached request's 1.5, and the same URL for the same
 * PNG lets a browser's HTTP cache answer the repeat itself. A URL handed out still has at
 * least four fifths of RENDER_URL_TTL_SECONDS to live.
 */
const urlMemo = (storage: Storage, ttlSeconds: number) =>
  memoOf<string>(storage, `export:urls:${ttlSeconds}`, {
    maxEntries: 10_000,
    maxBytes: 16 * 1024 * 1024,
    ttlMs: Math.min(memoTtlMs(), (ttlSeconds * 1000) / 5),
    sizeOf: (url) => url.length + 100,
  });

async function presignRender(storage: Storage, key: string, ttlSeconds: number): Promise<string> {
  const memo = urlMemo(storage, ttlSeconds);
  const known = memo.get(key);
  if (known) return known;
  const url = await storage.presignGet(key, { expiresIn: ttlSeconds, contentType: 'image/png' });
  memo.set(key, url);
  return url;
}

/**
 * Uploads of ready files (write-once), kept for the next new rendering of the same file: a
 * viewer dragging the window asks for one new PNG after another, and the download from S3 was
 * most of each (CT 512: 33 ms over HTTP for a 3 ms render). At most 128 MiB (the export
 * function has 2 GiB), a dozen 10 MiB files.
 */
const sourceMemo = (storage: Storage) =>
  memoOf<Uint8Array>(storage, 'export:sources', { maxEntries: 64, maxBytes: 128 * 1024 * 1024, ttlMs: memoTtlMs(), sizeOf: (b) => b.length });

/** The upload's bytes: HEAD first, to refuse an oversized object without downloading it. */
async function sourceBytes(storage: Storage, cfg: Pick<Config, 'maxUploadBytes'>, id: string): Promise<Uint8Array> {
  const known = sourceMemo(storage).get(id);
  if (known) return known;
  const source = await storage.head(uploadKey(id));
  if (!source) throw await missingUploadError(storage, id);
  if (source.size > cfg.maxUploadBytes) {
    throw new DomainError('ImageTooLarge', `The file is ${source.size} bytes, over the ${cfg.maxUploadBytes}-byte limit.`);
  }
  const bytes = await storage.get(uploadKey(id));
  if (!bytes) throw await missingUploadError(storage, id);
  // Only a file known to be ready (its hash came from a ready summary) cannot change or go.
  if (hashMemo(storage).get(id)) sourceMemo(storage).set(id, bytes);
  return bytes;
}

/**
 * Where the PNG for (file, parameters) is cached. Once the processor has summarised the file,
 * the key is its content hash plus the normalised parameters (`renders/sha256/{hash}/...`),
 * so identical bytes uploaded under several ids share renders; the hash comes from the
 * summary's metadata (one HEAD, no GET). Before that, the key is the file id
 * (`renders/{id}/...`), which stays a valid fallback for renders made before processing.
 * A warm container remembers the hash of a ready file and the renders it has seen, so a
 * repeated request needs no S3 request at all.
 */
async function cacheLookup(storage: Storage, id: string, variant: string): Promise<{ key: string; hit?: ObjectInfo }> {
  const known = hashMemo(storage).get(id);
  if (known) {
    // The hash is known only for ready files, whose renders go under the hash key (the id-keyed
    // fallback is for renders made before processing).
    const key = contentRenderKey(known, variant);
    const remembered = renderMemo(storage).get(key);
    if (remembered) return { key, hit: remembered };
    const hit = await storage.head(key);
    // Set only when read from S3: an entry's age stays bounded however often it is used.
    if (hit) renderMemo(storage).set(key, hit);
    return { key, hit };
  }
  const idKey = renderKey(id, variant);
  const [summary, idHit] = await Promise.all([storage.head(summaryKey(id)), storage.head(idKey)]);
  const sha256 = summary?.metadata?.[SUMMARY_META.sha256];
  if (!isSha256Hex(sha256)) return { key: idKey, hit: idHit };
  if (summary?.metadata?.[SUMMARY_META.status] === 'ready') hashMemo(storage).set(id, sha256);
  const shaKey = contentRenderKey(sha256, variant);
  const shaHit = await storage.head(shaKey);
  if (shaHit) {
    renderMemo(storage).set(shaKey, shaHit);
    return { key: shaKey, hit: shaHit };
  }
  if (idHit) return { key: idKey, hit: idHit };
  return { key: shaKey };
}

/**
 * Renders one frame to PNG, or finds the PNG a previous identical request made (see
 * cacheLookup): a hit costs HEADs only and neither downloads the DICOM nor renders.
 */
export async function exportPng(
  storage: Storage,
  cfg: Pick<Config, 'renderUrlTtlSeconds' | 'maxUploadBytes'>,
  id: string,
  params: RenderParams,
): Promise<ExportResult> {
  const { key, hit } = await cacheLookup(storage, id, renderVariant(params));
  const presign = () => presignRender(storage, key, cfg.renderUrlTtlSeconds);

  if (hit) {
    return {
      url: await presign(),
      cached: true,
      width: Number(hit.metadata?.width ?? 0),
      height: Number(hit.metadata?.height ?? 0),
      frame: params.frame,
      bitDepth: params.bitDepth,
    };
  }

  const bytes = await sourceBytes(storage, cfg, id);
  const parsed = parseDicom(bytes, { vrLookup });
  const out = await renderPng(parsed, params);
  // Written only after a complete render: a failed render leaves no cache object behind.
  const metadata = { width: String(out.width), height: String(out.height) };
  await storage.put(key, out.png, 'image/png', metadata);
  if (key.startsWith(CONTENT_RENDER_PREFIX)) renderMemo(storage).set(key, { size: out.png.length, contentType: 'image/png', metadata });
  return { url: await presign(), cached: false, width: out.width, height: out.height, frame: out.frame, bitDepth: out.bitDepth };
}
