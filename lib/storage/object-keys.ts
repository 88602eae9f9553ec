/**
 * The object keys of the bucket: the only module that builds or parses one. Keys are built
 * from a tenant segment (lib/auth/tenant.ts: `t` + 32 hex, derived from the token, never the
 * raw claim), server-made UUIDs and content hashes only, never from user input. The kind comes
 * first, so lifecycle rules, the S3 notification filter and IAM patterns match by prefix:
 *
 *   uploads/{tenant}/{id}.dcm               the upload (write-once; the presigned PUT signs If-None-Match: *)
 *   uploads/{tenant}/{id}.json              the request record POST /files writes (declared size, filename)
 *   uploads/{tenant}/{id}.summary.json      what the processor recorded (lib/files/summary.ts)
 *   uploads/{tenant}/{id}.deleted           tombstone of DELETE /files/{id} (lib/upload/delete-file.ts):
 *       tells "deleted" from "never existed" and stops a racing processor
 *   uploads/{tenant}/by-hash/{sha256}/{id}  empty: file {id} of the tenant is ready with these bytes;
 *       a delete removes the hash renders only when no reference is left (no .dcm suffix: no S3 event)
 *   quarantine/{tenant}/{id}.dcm            where the processor moves an upload it rejects
 *   renders/{tenant}/{id}/{variant}.png     renders made before processing, keyed by file id
 *   renders/{tenant}/sha256/{hash}/{variant}.png  renders keyed by content, per tenant: immutable,
 *       shared by identical uploads of one tenant and never across tenants (a shared cache would
 *       tell one tenant that another holds the same bytes)
 *   renders/{tenant}/sha256/{hash}/decoded/f{n}.bin  frame n of a slow-to-decode file, decoded by the
 *       processor (lib/pixels/decoded-frame-file.ts): a new container renders from it instead of
 *       running the codec; a cache like the renders beside it, and removed with them
 */
export const PREFIXES = {
  uploads: 'uploads/',
  renders: 'renders/',
  quarantine: 'quarantine/',
} as const;

/** The segment between a tenant and a content hash in render keys. */
const CONTENT_SEGMENT = 'sha256/';

const UPLOAD_SUFFIX = '.dcm';
const REQUEST_SUFFIX = '.json';
const SUMMARY_SUFFIX = '.summary.json';
const TOMBSTONE_SUFFIX = '.deleted';
const BY_HASH_SEGMENT = 'by-hash/';

const TENANT = /^t[0-9a-f]{32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** One file of one tenant: everything a key of that file is built from. */
export interface FileRef {
  /** The tenant segment (lib/auth/tenant.ts tenantOf / ANONYMOUS_TENANT). */
  tenant: string;
  /** The server-made UUID. */
  id: string;
}

/**
 * A key is never built from anything but a tenant segment and a UUID: a value of another shape
 * here is a bug (a raw claim, a path), so it throws rather than write somewhere unexpected.
 */
function checked({ tenant, id }: FileRef): string {
  if (!TENANT.test(tenant)) throw new TypeError('object key: not a tenant segment');
  if (!UUID.test(id)) throw new TypeError('object key: not a file id');
  return `${tenant}/${id}`;
}

export const uploadKey = (ref: FileRef): string => `${PREFIXES.uploads}${checked(ref)}${UPLOAD_SUFFIX}`;
/** The request record POST /files writes beside the upload (declared size, filename). */
export const requestKey = (ref: FileRef): string => `${PREFIXES.uploads}${checked(ref)}${REQUEST_SUFFIX}`;
/** What the processor recorded about an upload (lib/files/summary.ts). */
export const summaryKey = (ref: FileRef): string => `${PREFIXES.uploads}${checked(ref)}${SUMMARY_SUFFIX}`;
/** Where the processor moves an upload it rejects. */
export const quarantineKey = (ref: FileRef): string => `${PREFIXES.quarantine}${checked(ref)}${UPLOAD_SUFFIX}`;
/** Renders keyed by file id: the fallback before the processor has hashed the upload. */
export const renderKey = (ref: FileRef, variant: string): string => `${PREFIXES.renders}${checked(ref)}/${variant}.png`;
/** Renders keyed by content hash within one tenant: immutable, whichever of its files holds the bytes. */
export function contentRenderKey(tenant: string, sha256: string, variant: string): string {
  if (!TENANT.test(tenant)) throw new TypeError('object key: not a tenant segment');
  if (!SHA256.test(sha256)) throw new TypeError('object key: not a content hash');
  return `${PREFIXES.renders}${tenant}/${CONTENT_SEGMENT}${sha256}/${variant}.png`;
}

/** Frame `frameIndex` (0-based) of a file, decoded, under its content hash (lib/pixels/decoded-frame-file.ts). */
export function contentFrameKey(tenant: string, sha256: string, frameIndex: number): string {
  if (!Number.isSafeInteger(frameIndex) || frameIndex < 0) throw new TypeError('object key: not a frame index');
  return `${contentRenderPrefix(tenant, sha256)}decoded/f${frameIndex + 1}.bin`;
}

/** The tombstone DELETE /files/{id} writes first: the id was deleted (not "never existed"). */
export const tombstoneKey = (ref: FileRef): string => `${PREFIXES.uploads}${checked(ref)}${TOMBSTONE_SUFFIX}`;
/** The prefix of every id-keyed render of a file (listed and removed by a delete). */
export const renderPrefix = (ref: FileRef): string => `${PREFIXES.renders}${checked(ref)}/`;
/** The prefix of every render (and reference) under one content hash of one tenant. */
export function contentRenderPrefix(tenant: string, sha256: string): string {
  return contentRenderKey(tenant, sha256, 'x').slice(0, -'x.png'.length);
}
/** The prefix of the references of one content hash of one tenant (one empty object per ready file). */
export function hashRefPrefix(tenant: string, sha256: string): string {
  contentRenderPrefix(tenant, sha256); // the same checks of the tenant segment and the hash
  return `${PREFIXES.uploads}${tenant}/${BY_HASH_SEGMENT}${sha256}/`;
}
/** The reference of one ready file to its content hash: its renders are shared while one remains. */
export const hashRefKey = (ref: FileRef, sha256: string): string => {
  const { tenant, id } = ref;
  checked(ref);
  return `${hashRefPrefix(tenant, sha256)}${id}`;
};

/** Whether a key is a render under a content hash (immutable, so it may be remembered). */
export const isContentRenderKey = (key: string): boolean => CONTENT_RENDER_KEY.test(key);
const CONTENT_RENDER_KEY = /^renders\/t[0-9a-f]{32}\/sha256\/[0-9a-f]{64}\//;

const UPLOAD_KEY = new RegExp(
  `^${escape(PREFIXES.uploads)}(t[0-9a-f]{32})/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})${escape(UPLOAD_SUFFIX)}$`,
);
function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * The tenant and id of an upload key, or undefined for any other key (summaries, requests,
 * renders, an upload key without a valid tenant segment...).
 */
export function parseUploadKey(key: string): FileRef | undefined {
  const m = UPLOAD_KEY.exec(key);
  return m ? { tenant: m[1], id: m[2] } : undefined;
}

/**
 * The S3 notification the processor is fed by: ObjectCreated under uploads/ ending in .dcm
 * (the stack configures it; the local server applies the same filter).
 */
export const UPLOAD_NOTIFICATION_FILTER = { prefix: PREFIXES.uploads, suffix: UPLOAD_SUFFIX } as const;
export const matchesUploadNotificationFilter = (key: string): boolean =>
  key.startsWith(UPLOAD_NOTIFICATION_FILTER.prefix) && key.endsWith(UPLOAD_NOTIFICATION_FILTER.suffix);

/**
 * Key patterns of IAM grants (lib/http/routes.ts FUNCTION_S3_ACCESS): `*` matches any characters
 * (the tenant segment included: the functions serve every tenant; isolation is in the keys they build).
 */
export const KEY_PATTERNS = {
  /** Uploads, request records and summaries. */
  uploadsAll: `${PREFIXES.uploads}*`,
  uploads: `${PREFIXES.uploads}*${UPLOAD_SUFFIX}`,
  requests: `${PREFIXES.uploads}*${REQUEST_SUFFIX}`,
  summaries: `${PREFIXES.uploads}*${SUMMARY_SUFFIX}`,
  tombstones: `${PREFIXES.uploads}*${TOMBSTONE_SUFFIX}`,
  /** References of ready files to their content hash (lib/files/content-refs.ts). */
  hashRefs: `${PREFIXES.uploads}*/${BY_HASH_SEGMENT}*`,
  renders: `${PREFIXES.renders}*`,
  quarantine: `${PREFIXES.quarantine}*`,
} as const;
