/** Object storage as the services see it. One implementation: S3 (s3-storage.ts). */
export interface ObjectInfo {
  size: number;
  lastModified?: Date;
  contentType?: string;
  metadata?: Record<string, string>;
  /** The entity tag, without quotes: changes whenever the object is written again. */
  etag?: string;
}

export interface Storage {
  /** Metadata of an object, or undefined when there is none under the key. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Bytes [start, endInclusive] of an object (clamped to its end by S3). */
  getRange(key: string, start: number, endInclusive: number): Promise<Uint8Array>;
  /**
   * The first `length` bytes of an object and its total size in one request (the size comes
   * from Content-Range), or undefined when there is no object: saves a HEAD on every header read.
   */
  getHead(key: string, length: number): Promise<{ bytes: Uint8Array; size: number } | undefined>;
  /** The whole object, or undefined when there is none. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Writes an object; `tags` become its object tags (lifecycle rules can filter on them). */
  put(key: string, body: Uint8Array, contentType: string, metadata?: Record<string, string>, tags?: Record<string, string>): Promise<void>;
  /**
   * Writes only when nothing is stored under the key (S3 conditional write, If-None-Match: *).
   * True when this call wrote the object, false when one was already there. Servers that
   * ignore the condition (the local s3rver) overwrite and answer true.
   */
  putIfAbsent(key: string, body: Uint8Array, contentType: string, metadata?: Record<string, string>): Promise<boolean>;
  /** Server-side copy within the bucket. False when the source does not exist. */
  copy(fromKey: string, toKey: string): Promise<boolean>;
  /** Deletes an object; deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /**
   * The keys under a prefix, at most `limit` (default 1000; S3 ListObjectsV2, paginated). The
   * functions may list only the prefixes their IAM grant names (an s3:prefix condition).
   */
  list(prefix: string, limit?: number): Promise<string[]>;
  /** Replaces the object tags of an object. False when the object does not exist. */
  setTags(key: string, tags: Record<string, string>): Promise<boolean>;
  /** A presigned PUT with content-length and content-type signed, so S3 enforces both. */
  presignPut(key: string, opts: { contentLength: number; contentType: string; expiresIn: number }): Promise<string>;
  presignGet(key: string, opts: { expiresIn: number; contentType?: string }): Promise<string>;
}

/**
 * Object tag of request records. POST /files writes `awaiting`; the processor sets `received`
 * when the upload arrives. A lifecycle rule expires `awaiting` records (URLs never used).
 */
export const UPLOAD_STATE_TAG = 'upload-state';
