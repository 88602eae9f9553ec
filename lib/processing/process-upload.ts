/**
 * Processes one upload after it lands in S3: validate, hash, summarise, pre-render.
 *
 * Idempotent and race-tolerant without locks:
 * - every object it writes is complete when written (one PUT), and the summary is written
 *   last, so a reader never sees a summary whose renders or quarantine copy are missing;
 * - renders are keyed by content hash + parameters, and rendering is deterministic, so two
 *   processors racing write the same bytes to the same key;
 * - the summary is written with If-None-Match: * (S3 refuses the second writer with 412);
 *   on servers that ignore the condition the later of two complete summaries wins, both
 *   describing the same bytes;
 * - a summary carries the upload's ETag in its metadata: the same event again finds it and
 *   does nothing, while a new upload under the same id (a presigned URL used twice) is
 *   processed again.
 */
import { createHash } from 'node:crypto';
import type { Config } from '../config.js';
import { vrLookup } from '../dicom/dictionary.js';
import { parseDicom, type ParsedDicom } from '../dicom/parse.js';
import { DomainError } from '../errors.js';
import { THUMBNAIL_EDGE, renderVariant, type RenderParams } from '../export/render-params.js';
import { log } from '../log.js';
import { encodeRendered, renderPixels } from '../render/render-frame.js';
import {
  type ObjectInfo,
  type Storage,
  UPLOAD_STATE_TAG,
  contentRenderKey,
  quarantineKey,
  requestKey,
  summaryKey,
  uploadKey,
} from '../storage/storage.js';
import { type FileSummary, SUMMARY_META, serializeSummary } from './summary.js';

/** The render GET /files/{id}/png makes without parameters: frame 1, the file's window, 8 bits. */
export const DEFAULT_RENDER: RenderParams = { frame: 1, bitDepth: 8 };
/** The thumbnail: the same rendering, longer edge THUMBNAIL_EDGE (GET .../png?size=256). */
export const THUMBNAIL_RENDER: RenderParams = { ...DEFAULT_RENDER, size: THUMBNAIL_EDGE };
/** What the processor renders ahead, so the first requests for them are cache hits; they differ only in size. */
export const PRE_RENDERS: readonly RenderParams[] = [DEFAULT_RENDER, THUMBNAIL_RENDER];

export type ProcessOutcome =
  /** Validated, summarised and (when it is an image the renderer supports) pre-rendered. */
  | 'ready'
  /** Moved to quarantine/ with the reason in its summary. */
  | 'rejected'
  /** A summary of this very upload exists: a repeated event, nothing done. */
  | 'duplicate'
  /** Another processor wrote the summary first (conditional write refused). */
  | 'raced'
  /** No object under the key any more (deleted, or quarantined by another processor). */
  | 'gone';

export interface ProcessResult {
  outcome: ProcessOutcome;
  /** Whether this call rendered a PNG (false when the content's render already existed). */
  rendered: boolean;
}

export interface ProcessOptions {
  /** The clock for processedAt (tests). */
  now?: () => Date;
}

const hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function text(parsed: ParsedDicom, tag: string): string | undefined {
  try {
    const v = parsed.dataSet.string(tag);
    const t = v?.replace(/\0/g, '').trim();
    return t ? t : undefined;
  } catch {
    return undefined;
  }
}

function us(parsed: ParsedDicom, tag: string): number | undefined {
  const el = parsed.dataSet.elements[tag];
  if (!el || el.length < 2) return undefined;
  try {
    return parsed.dataSet.uint16(tag);
  } catch {
    return undefined;
  }
}

/** The technical description of a parsed file; nothing identifying a person. */
function describe(parsed: ParsedDicom): Pick<
  FileSummary,
  'transferSyntaxUid' | 'sopClassUid' | 'sopInstanceUid' | 'rows' | 'columns' | 'frames' | 'photometric'
> {
  const rows = us(parsed, 'x00280010');
  const columns = us(parsed, 'x00280011');
  const framesText = text(parsed, 'x00280008');
  const framesValue = framesText !== undefined ? Number.parseInt(framesText, 10) : NaN;
  const isImage = Boolean(parsed.pixelElement) || rows !== undefined;
  return {
    transferSyntaxUid: parsed.transferSyntaxUid || undefined,
    // SOP Common (PS3.3 C.12.1), falling back to the File Meta's Media Storage SOP Class/Instance.
    sopClassUid: text(parsed, 'x00080016') ?? text(parsed, 'x00020002'),
    sopInstanceUid: text(parsed, 'x00080018') ?? text(parsed, 'x00020003'),
    rows,
    columns,
    frames: Number.isInteger(framesValue) && framesValue > 0 ? framesValue : isImage ? 1 : undefined,
    photometric: text(parsed, 'x00280004'),
  };
}

/** Whether `existing` (the summary object's HEAD) describes exactly the object `current`. */
const describes = (existing: ObjectInfo | undefined, current: ObjectInfo): boolean =>
  Boolean(existing && current.etag && existing.metadata?.[SUMMARY_META.sourceEtag] === current.etag);

export async function processUpload(
  storage: Storage,
  cfg: Pick<Config, 'maxUploadBytes'> & Partial<Pick<Config, 'maxDecodedBytes'>>,
  id: string,
  opts: ProcessOptions = {},
): Promise<ProcessResult> {
  const now = opts.now ?? (() => new Date());
  const [object, existing] = await Promise.all([storage.head(uploadKey(id)), storage.head(summaryKey(id))]);

  if (!object) {
    // Quarantined by an earlier run (its summary says so) or deleted: nothing left to do.
    return { outcome: existing ? 'duplicate' : 'gone', rendered: false };
  }
  if (describes(existing, object)) {
    // The same event again. If an earlier run died between the summary and the delete of a
    // rejected upload, finish the move now.
    if (existing?.metadata?.[SUMMARY_META.status] === 'rejected') await storage.delete(uploadKey(id));
    return { outcome: 'duplicate', rendered: false };
  }

  // The upload arrived: its request record no longer expires as an unused URL.
  await storage.setTags(requestKey(id), { [UPLOAD_STATE_TAG]: 'received' });

  const uploadedAt = (object.lastModified ?? now()).toISOString();
  const base = { size: object.size, uploadedAt };

  if (object.size > cfg.maxUploadBytes) {
    return reject(storage, id, object, Boolean(existing), { ...base, processedAt: now().toISOString() }, new DomainError(
      'ImageTooLarge',
      `The file is ${object.size} bytes, over the ${cfg.maxUploadBytes}-byte limit.`,
    ));
  }
  if (object.size === 0) {
    return reject(storage, id, object, Boolean(existing), { ...base, processedAt: now().toISOString() }, new DomainError(
      'NotDicom',
      'The file is empty, so it is not DICOM (PS3.10 7.1).',
    ));
  }

  const bytes = await storage.get(uploadKey(id));
  if (!bytes) return { outcome: 'gone', rendered: false };
  const sha256 = hex(bytes);

  let parsed: ParsedDicom;
  try {
    parsed = parseDicom(bytes, { vrLookup, maxInflatedBytes: cfg.maxDecodedBytes });
  } catch (e) {
    // Bad bytes are a verdict, not a failure: anything else (a bug) is retried, then dead-lettered.
    if (!(e instanceof DomainError)) throw e;
    return reject(storage, id, object, Boolean(existing), { ...base, sha256, processedAt: now().toISOString() }, e);
  }

  const rendered = await preRender(storage, parsed, sha256, cfg.maxDecodedBytes);
  const summary: FileSummary = { status: 'ready', ...base, sha256, ...describe(parsed), processedAt: now().toISOString() };
  const wrote = await writeSummary(storage, id, summary, object, Boolean(existing));
  return { outcome: wrote ? 'ready' : 'raced', rendered };
}

/**
 * Renders the default PNG and the thumbnail into the content-addressed cache, each unless the
 * same content already has it, from one decode (they differ only in size). A file the renderer
 * cannot draw (no pixel data, an unsupported syntax...) is still a valid DICOM file: it is
 * ready, and GET /files/{id}/png names the reason when asked. Returns whether anything was rendered.
 */
async function preRender(storage: Storage, parsed: ParsedDicom, sha256: string, maxDecodedBytes?: number): Promise<boolean> {
  if (!parsed.pixelElement) return false;
  const missing: RenderParams[] = [];
  for (const params of PRE_RENDERS) {
    if (!(await storage.head(contentRenderKey(sha256, renderVariant(params))))) missing.push(params);
  }
  if (missing.length === 0) return false;
  let pixels: Awaited<ReturnType<typeof renderPixels>>;
  try {
    pixels = await renderPixels(parsed, DEFAULT_RENDER, maxDecodedBytes);
  } catch (e) {
    if (e instanceof DomainError) {
      log.info('pre-render skipped', { errorCode: e.code });
    } else {
      // Unexpected: a renderer bug. The upload itself is fine; GET .../png will surface it.
      log.error('pre-render failed', { errorName: (e as Error)?.name ?? typeof e });
    }
    return false;
  }
  for (const params of missing) {
    const out = encodeRendered(pixels, params.size);
    await storage.put(contentRenderKey(sha256, renderVariant(params)), out.png, 'image/png', {
      width: String(out.width),
      height: String(out.height),
    });
  }
  return true;
}

async function reject(
  storage: Storage,
  id: string,
  object: ObjectInfo,
  hadSummary: boolean,
  base: Pick<FileSummary, 'size' | 'uploadedAt' | 'processedAt' | 'sha256'>,
  error: DomainError,
): Promise<ProcessResult> {
  // Copy, then summary, then delete: a crash in between leaves the upload in place and the
  // next delivery finishes the move; GET /files/{id} says "rejected" as soon as the summary is there.
  if (!(await storage.copy(uploadKey(id), quarantineKey(id)))) return { outcome: 'gone', rendered: false };
  const summary: FileSummary = { status: 'rejected', ...base, reason: { code: error.code, message: error.message } };
  const wrote = await writeSummary(storage, id, summary, object, hadSummary);
  await storage.delete(uploadKey(id));
  log.info('upload rejected', { errorCode: error.code });
  return { outcome: wrote ? 'rejected' : 'raced', rendered: false };
}

/**
 * The first summary of an id is written conditionally (a racing processor's write is refused);
 * a summary of an older upload under the same id is replaced.
 */
async function writeSummary(storage: Storage, id: string, summary: FileSummary, object: ObjectInfo, replace: boolean): Promise<boolean> {
  const metadata: Record<string, string> = { [SUMMARY_META.status]: summary.status };
  if (summary.sha256) metadata[SUMMARY_META.sha256] = summary.sha256;
  if (object.etag) metadata[SUMMARY_META.sourceEtag] = object.etag;
  const body = serializeSummary(summary);
  if (replace) {
    await storage.put(summaryKey(id), body, 'application/json', metadata);
    return true;
  }
  return storage.putIfAbsent(summaryKey(id), body, 'application/json', metadata);
}
