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
 *   does nothing;
 * - it checks what S3 enforces through the signed upload URL, since AWS emulators that check no
 *   signatures or conditions (moto, plain s3rver, fauxqs) do not: the stored size is the declared
 *   one and the content type the signed one (the request record, lib/files/request-record.ts), and
 *   the bytes were written once (an object under the key with another ETag than the event's, or
 *   than the one a summary recorded, was replaced). Otherwise the file is rejected
 *   (UploadMismatch): quarantined like any rejected file, so nothing of it is served;
 * - id-keyed renders (made before processing) go with a replaced upload, and whenever the event
 *   names no ETag to prove which bytes they were made from;
 * - a delete (DELETE /files/{id}) writes its tombstone first: a run that finds it does nothing,
 *   and a run that finds it only after its own writes (the delete ran in between) removes what
 *   it wrote, so a delete racing the processor leaves nothing behind.
 */
import { createHash } from 'node:crypto';
import type { Config } from '../config.js';
import { vrLookup } from '../dicom/dictionary.js';
import { instanceProblem } from '../dicom/instance-problem.js';
import { parseDicom, type ParsedDicom } from '../dicom/parse.js';
import { PIXEL_TAGS } from '../dicom/tag.js';
import { DomainError } from '../errors.js';
import { deleteAllUnder, holdContent, releaseContent } from '../files/content-refs.js';
import { isDeleted, recordedState, recordsUpload } from '../files/file-state.js';
import { parseRequestRecord } from '../files/request-record.js';
import { type FileSummary, serializeSummary, summaryMetadata, summaryWarnings } from '../files/summary.js';
import { log } from '../log.js';
import { type FileRef, contentRenderPrefix, quarantineKey, renderPrefix, requestKey, summaryKey, uploadKey } from '../storage/object-keys.js';
import { recordUploadRejected, recordUploadSize } from '../observability/metrics.js';
import { type ObjectInfo, type Storage, UPLOAD_STATE_TAG } from '../storage/storage.js';

/**
 * Renders ahead what a file's first viewers ask for (lib/export/pre-render.ts, injected by
 * functions/processor.ts so that processing does not depend on the export); true when it
 * rendered anything.
 */
/** Renders ahead into `tenant`'s content-addressed cache (renders are per tenant, never shared). */
export type PreRender = (storage: Storage, tenant: string, parsed: ParsedDicom, sha256: string, cfg: Partial<Pick<Config, 'maxDecodedBytes' | 'features'>>) => Promise<boolean>;

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
  /** The render-ahead step (the processor function passes lib/export/pre-render.ts). */
  preRender: PreRender;
  /**
   * The ETag the S3 event announced (lib/processing/s3-event.ts): when the object under the key
   * has another one now, it was written again after that event's write.
   */
  eventEtag?: string;
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

/** Data Set Trailing Padding (PS3.10 7.2): no meaning, left out of the whole header. */
const TRAILING_PADDING = 'xfffcfffc';
/** VRs with a 12-byte element header in Explicit VR (PS3.5 Table 7.1-1); Implicit VR headers are 8 bytes. */
const LONG_HEADER_VRS = new Set('OB OD OF OL OV OW SQ SV UC UN UR UT UV'.split(' '));

/**
 * Where the elements after the first top-level pixel data element lie in the file
 * (FileSummary trailingOffset/trailingEnd), so that the header route reads them with one ranged
 * GET and never walks encapsulated fragments: from the end of the pixel data value (encapsulated:
 * after its Sequence Delimitation Item, PS3.5 A.4) to the end of the file, or to Data Set
 * Trailing Padding when it ends the file. Nothing when only padding follows, and nothing for a
 * Deflated file (offsets into the inflated stream are not file offsets, PS3.5 A.5).
 */
function trailingRange(parsed: ParsedDicom, size: number): Pick<FileSummary, 'trailingOffset' | 'trailingEnd'> {
  if (parsed.inflated) return {};
  const elements = parsed.dataSet.elements;
  // The header route stops at the first pixel element in the file, whichever of the three it is.
  const pixel = [...PIXEL_TAGS].map((t) => elements[t]).filter((e) => e !== undefined).sort((a, b) => a.dataOffset - b.dataOffset)[0];
  if (!pixel) return {};
  const offset = pixel.dataOffset + pixel.length;
  const after = Object.values(elements).filter((e) => e.dataOffset > pixel.dataOffset);
  if (!after.some((e) => e.tag !== TRAILING_PADDING)) return {};
  const padding = elements[TRAILING_PADDING];
  const paddingEndsFile = padding && padding.dataOffset > offset && padding.dataOffset + padding.length >= size;
  const end = paddingEndsFile ? padding.dataOffset - (padding.vr && LONG_HEADER_VRS.has(padding.vr) ? 12 : 8) : size;
  return offset < end ? { trailingOffset: offset, trailingEnd: end } : {};
}

export async function processUpload(
  storage: Storage,
  cfg: Pick<Config, 'maxUploadBytes'> & Partial<Pick<Config, 'maxDecodedBytes' | 'features'>>,
  ref: FileRef,
  opts: ProcessOptions,
): Promise<ProcessResult> {
  const now = opts.now ?? (() => new Date());
  const [object, existing, deleted] = await Promise.all([storage.head(uploadKey(ref)), recordedState(storage, ref), isDeleted(storage, ref)]);

  if (deleted) {
    // Bytes sent after the delete through an upload URL issued before it: nothing may serve
    // them, so they go too.
    if (object) await storage.delete(uploadKey(ref));
    return { outcome: 'gone', rendered: false };
  }
  if (!object) {
    // Quarantined by an earlier run (its summary says so) or deleted: nothing left to do.
    return { outcome: existing ? 'duplicate' : 'gone', rendered: false };
  }
  // Write-once, as the upload URL's signed If-None-Match: * makes it on S3: an event announcing
  // other bytes than those under the key now, or a summary of other bytes, means the object was
  // written again. Checked before "the same event again": the later write may be the one recorded.
  const replacedAfterEvent = Boolean(opts.eventEtag && object.etag && opts.eventEtag !== object.etag);
  if (!replacedAfterEvent && recordsUpload(existing, object)) {
    // The same event again. If an earlier run died between the summary and the delete of a
    // rejected upload, finish the move now.
    if (existing?.status === 'rejected') await storage.delete(uploadKey(ref));
    return { outcome: 'duplicate', rendered: false };
  }

  // The upload arrived: its request record no longer expires as an unused URL.
  await storage.setTags(requestKey(ref), { [UPLOAD_STATE_TAG]: 'received' });

  const uploadedAt = (object.lastModified ?? now()).toISOString();
  const base = { size: object.size, uploadedAt };
  recordUploadSize(object.size);
  const rejectNow = (error: DomainError) => reject(storage, ref, object, Boolean(existing), { ...base, processedAt: now().toISOString() }, error);

  const replacedAfterProcessing = Boolean(existing?.sourceEtag && object.etag && existing.sourceEtag !== object.etag);
  if (replacedAfterProcessing || replacedAfterEvent) {
    const result = await rejectNow(new DomainError('UploadMismatch', 'The upload was written more than once under this id; upload URLs are write-once.'));
    // What was made of the earlier bytes goes too: their renders may also have been made from
    // the new bytes between the write and this run, so none of them is trusted.
    if (existing?.sha256) {
      await releaseContent(storage, ref, existing.sha256);
      await deleteAllUnder(storage, contentRenderPrefix(ref.tenant, existing.sha256));
    }
    await deleteAllUnder(storage, renderPrefix(ref));
    return result;
  }

  if (object.size > cfg.maxUploadBytes) {
    return rejectNow(new DomainError('ImageTooLarge', `The file is ${object.size} bytes, over the ${cfg.maxUploadBytes}-byte limit.`));
  }
  if (object.size === 0) {
    return rejectNow(new DomainError('NotDicom', 'The file is empty, so it is not DICOM (PS3.10 7.1).'));
  }
  const mismatch = await signedTermsBroken(storage, ref, object);
  if (mismatch) return rejectNow(new DomainError('UploadMismatch', mismatch));

  const bytes = await storage.get(uploadKey(ref));
  if (!bytes) return { outcome: 'gone', rendered: false };
  const sha256 = hex(bytes);

  let parsed: ParsedDicom;
  try {
    parsed = parseDicom(bytes, { vrLookup, maxInflatedBytes: cfg.maxDecodedBytes });
  } catch (e) {
    // Bad bytes are a verdict, not a failure: anything else (a bug) is retried, then dead-lettered.
    if (!(e instanceof DomainError)) throw e;
    return reject(storage, ref, object, Boolean(existing), { ...base, sha256, processedAt: now().toISOString() }, e);
  }
  // Damage (parsed.damage) keeps the file, with warnings; a stream that is no instance does not.
  const notInstance = instanceProblem(parsed);
  if (notInstance) return reject(storage, ref, object, Boolean(existing), { ...base, sha256, processedAt: now().toISOString() }, notInstance);

  const rendered = await opts.preRender(storage, ref.tenant, parsed, sha256, cfg);
  const summary: FileSummary = {
    status: 'ready',
    ...base,
    sha256,
    ...describe(parsed),
    ...trailingRange(parsed, bytes.length),
    processedAt: now().toISOString(),
    ...summaryWarnings(parsed.damage),
  };
  // Renders keyed by id were made before processing. When the event names the ETag processed, a
  // write after them would have been caught above (the event of the earlier write differs), so
  // they are of these bytes and stay hits; without one nothing tells, so they go.
  if (!opts.eventEtag) await deleteAllUnder(storage, renderPrefix(ref));
  // The reference before the summary: a delete that reads the summary finds the reference too.
  await holdContent(storage, ref, sha256);
  const wrote = await writeSummary(storage, ref, summary, object, Boolean(existing));
  if (await isDeleted(storage, ref)) {
    await undoAfterDelete(storage, ref, sha256);
    return { outcome: 'gone', rendered: false };
  }
  return { outcome: wrote ? 'ready' : 'raced', rendered };
}

/**
 * What S3 enforces through the upload URL's signature (Content-Length and Content-Type signed,
 * lib/storage/s3-storage.ts presignPut), checked against the request record POST /files wrote:
 * the reason when the stored object breaks it, else undefined. An object without a record has
 * nothing to be checked against.
 */
async function signedTermsBroken(storage: Storage, ref: FileRef, object: ObjectInfo): Promise<string | undefined> {
  const record = parseRequestRecord(await storage.get(requestKey(ref)));
  if (!record) return undefined;
  if (record.declaredSize !== undefined && object.size !== record.declaredSize) {
    return `The stored upload is ${object.size} bytes; its upload URL was signed for ${record.declaredSize}.`;
  }
  if (object.contentType !== undefined && object.contentType !== record.contentType) {
    return `The stored upload's content type is not the one its upload URL was signed for (${record.contentType}).`;
  }
  return undefined;
}

/**
 * The file was deleted while this run processed it (the delete found its tombstone missing
 * objects this run wrote afterwards): removes the summary, any id-keyed render, the reference to
 * the content and, when no other file of the tenant holds it, the renders of the content.
 */
async function undoAfterDelete(storage: Storage, ref: FileRef, sha256: string): Promise<void> {
  log.info('upload deleted while processing', { fileId: ref.id });
  await Promise.all([storage.delete(summaryKey(ref)), storage.delete(uploadKey(ref)), storage.delete(requestKey(ref))]);
  await deleteAllUnder(storage, renderPrefix(ref));
  await releaseContent(storage, ref, sha256);
}

async function reject(
  storage: Storage,
  ref: FileRef,
  object: ObjectInfo,
  hadSummary: boolean,
  base: Pick<FileSummary, 'size' | 'uploadedAt' | 'processedAt' | 'sha256'>,
  error: DomainError,
): Promise<ProcessResult> {
  // Copy, then summary, then delete: a crash in between leaves the upload in place and the
  // next delivery finishes the move; GET /files/{id} says "rejected" as soon as the summary is there.
  if (!(await storage.copy(uploadKey(ref), quarantineKey(ref)))) return { outcome: 'gone', rendered: false };
  const summary: FileSummary = { status: 'rejected', ...base, reason: { code: error.code, message: error.message } };
  const wrote = await writeSummary(storage, ref, summary, object, hadSummary);
  await storage.delete(uploadKey(ref));
  if (await isDeleted(storage, ref)) {
    // Deleted meanwhile: the copy and the summary written after the delete's sweep go too.
    await Promise.all([storage.delete(quarantineKey(ref)), storage.delete(summaryKey(ref)), storage.delete(requestKey(ref))]);
    return { outcome: 'gone', rendered: false };
  }
  log.info('upload rejected', { fileId: ref.id, errorCode: error.code });
  if (wrote) recordUploadRejected(error.code);
  return { outcome: wrote ? 'rejected' : 'raced', rendered: false };
}

/**
 * The first summary of an id is written conditionally (a racing processor's write is refused);
 * a summary of an older upload under the same id is replaced.
 */
async function writeSummary(storage: Storage, ref: FileRef, summary: FileSummary, object: ObjectInfo, replace: boolean): Promise<boolean> {
  const metadata = summaryMetadata(summary, object);
  const body = serializeSummary(object.etag ? { ...summary, sourceEtag: object.etag } : summary);
  if (replace) {
    await storage.put(summaryKey(ref), body, 'application/json', metadata);
    return true;
  }
  return storage.putIfAbsent(summaryKey(ref), body, 'application/json', metadata);
}
