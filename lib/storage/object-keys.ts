/**
 * The object keys of the bucket: the only module that builds or parses one. Keys are built
 * from server-made UUIDs and content hashes only, never from user input. Every key starts
 * with one of PREFIXES, so a tenant segment can later be put in front of all of them here.
 *
 *   uploads/{id}.dcm               the upload (write-once; the presigned PUT signs If-None-Match: *)
 *   uploads/{id}.json              the request record POST /files writes (declared size, filename)
 *   uploads/{id}.summary.json      what the processor recorded (lib/files/summary.ts)
 *   quarantine/{id}.dcm            where the processor moves an upload it rejects
 *   renders/{id}/{variant}.png     renders made before processing, keyed by file id
 *   renders/sha256/{hash}/{variant}.png  renders keyed by content: immutable, shared by identical uploads
 */
export const PREFIXES = {
  uploads: 'uploads/',
  renders: 'renders/',
  contentRenders: 'renders/sha256/',
  quarantine: 'quarantine/',
} as const;

const UPLOAD_SUFFIX = '.dcm';
const REQUEST_SUFFIX = '.json';
const SUMMARY_SUFFIX = '.summary.json';

export const uploadKey = (id: string): string => `${PREFIXES.uploads}${id}${UPLOAD_SUFFIX}`;
/** The request record POST /files writes beside the upload (declared size, filename). */
export const requestKey = (id: string): string => `${PREFIXES.uploads}${id}${REQUEST_SUFFIX}`;
/** What the processor recorded about an upload (lib/files/summary.ts). */
export const summaryKey = (id: string): string => `${PREFIXES.uploads}${id}${SUMMARY_SUFFIX}`;
/** Where the processor moves an upload it rejects. */
export const quarantineKey = (id: string): string => `${PREFIXES.quarantine}${id}${UPLOAD_SUFFIX}`;
/** Renders keyed by file id: the fallback before the processor has hashed the upload. */
export const renderKey = (id: string, variant: string): string => `${PREFIXES.renders}${id}/${variant}.png`;
/** Renders keyed by content hash: immutable, whoever uploaded the bytes. */
export const contentRenderKey = (sha256: string, variant: string): string => `${PREFIXES.contentRenders}${sha256}/${variant}.png`;

/** Whether a key is a render under a content hash (immutable, so it may be remembered). */
export const isContentRenderKey = (key: string): boolean => key.startsWith(PREFIXES.contentRenders);

const UPLOAD_KEY = new RegExp(
  `^${escape(PREFIXES.uploads)}([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})${escape(UPLOAD_SUFFIX)}$`,
);
function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** The upload id of an upload key, or undefined for any other key (summaries, requests, renders...). */
export function parseUploadKey(key: string): string | undefined {
  return UPLOAD_KEY.exec(key)?.[1];
}

/**
 * The S3 notification the processor is fed by: ObjectCreated under uploads/ ending in .dcm
 * (the stack configures it; the local server applies the same filter).
 */
export const UPLOAD_NOTIFICATION_FILTER = { prefix: PREFIXES.uploads, suffix: UPLOAD_SUFFIX } as const;
export const matchesUploadNotificationFilter = (key: string): boolean =>
  key.startsWith(UPLOAD_NOTIFICATION_FILTER.prefix) && key.endsWith(UPLOAD_NOTIFICATION_FILTER.suffix);

/** Key patterns of IAM grants (lib/http/routes.ts FUNCTION_S3_ACCESS): `*` matches any characters. */
export const KEY_PATTERNS = {
  /** Uploads, request records and summaries. */
  uploadsAll: `${PREFIXES.uploads}*`,
  uploads: `${PREFIXES.uploads}*${UPLOAD_SUFFIX}`,
  requests: `${PREFIXES.uploads}*${REQUEST_SUFFIX}`,
  summaries: `${PREFIXES.uploads}*${SUMMARY_SUFFIX}`,
  renders: `${PREFIXES.renders}*`,
  quarantine: `${PREFIXES.quarantine}*`,
} as const;
