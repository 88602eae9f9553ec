/** Object storage as the services see it. One implementation: S3 (s3-storage.ts). */
export interface ObjectInfo {
  size: number;
  lastModified?: Date;
  contentType?: string;
  metadata?: Record<string, string>;
}

export interface Storage {
  /** Metadata of an object, or undefined when there is none under the key. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Bytes [start, endInclusive] of an object (clamped to its end by S3). */
  getRange(key: string, start: number, endInclusive: number): Promise<Uint8Array>;
  /** The whole object, or undefined when there is none. */
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, body: Uint8Array, contentType: string, metadata?: Record<string, string>): Promise<void>;
  /** A presigned PUT with content-length and content-type signed, so S3 enforces both. */
  presignPut(key: string, opts: { contentLength: number; contentType: string; expiresIn: number }): Promise<string>;
  presignGet(key: string, opts: { expiresIn: number; contentType?: string }): Promise<string>;
}

/** Object keys are built from server-made UUIDs only, never from user input. */
export const uploadKey = (id: string): string => `uploads/${id}.dcm`;
export const renderKey = (id: string, variant: string): string => `renders/${id}/${variant}.png`;
