import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { DomainError } from '../errors.js';
import { log } from '../log.js';
import type { ObjectInfo, Storage } from './storage.js';

export interface S3StorageOptions {
  bucket: string;
  region: string;
  endpoint?: string;
  /** Attempts per request (the SDK retries throttling and 5xx with backoff). */
  maxAttempts?: number;
}

export function createS3Client(opts: S3StorageOptions): S3Client {
  return new S3Client({
    region: opts.region,
    endpoint: opts.endpoint,
    // Local S3 servers and LocalStack address buckets by path, not by virtual host.
    forcePathStyle: Boolean(opts.endpoint),
    maxAttempts: opts.maxAttempts ?? 4,
    // Without these a request that S3 accepts and never answers hangs until the Lambda dies
    // and the client gets API Gateway's non-JSON error instead of our 504.
    requestHandler: { connectionTimeout: 1000, requestTimeout: 3000, throwOnRequestTimeout: true },
    // Otherwise presigned PUT URLs carry a CRC of an empty body and S3 refuses the real one.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** The bucket itself is missing (a GET says so; a HEAD's 404 has no body and cannot). */
const isNoSuchBucket = (e: unknown): boolean =>
  (e as { name?: string })?.name === 'NoSuchBucket' || (e as { Code?: string })?.Code === 'NoSuchBucket';

/**
 * A read of a key that is not there. The functions hold no s3:ListBucket (least privilege), and
 * S3 then answers a missing key with 403 AccessDenied instead of 404 (a HEAD's 403 has no body,
 * so its name is only 'Forbidden'): read as absent, as S3 means it. Other 403s (bad signature,
 * expired credentials, clock skew) stay storage failures. Used on reads only: a 403 on a write is
 * always a failure.
 */
const isNotFound = (e: unknown): boolean => {
  if (!(e instanceof S3ServiceException) || isNoSuchBucket(e)) return false;
  const status = e.$metadata?.httpStatusCode;
  if (status === 404 || e.name === 'NotFound' || e.name === 'NoSuchKey') return true;
  const code = (e as { Code?: string }).Code;
  return status === 403 && (e.name === 'AccessDenied' || code === 'AccessDenied' || e.name === 'Forbidden');
};

const isConditionFailed = (e: unknown): boolean =>
  e instanceof S3ServiceException
    ? e.$metadata?.httpStatusCode === 412 ||
      e.$metadata?.httpStatusCode === 409 ||
      e.name === 'PreconditionFailed' ||
      e.name === 'ConditionalRequestConflict'
    : false;

/** Maps what the SDK throws after its retries into the domain's 503/504, never a raw 5xx. */
function storageFailure(e: unknown, bucket: string): DomainError {
  if (isNoSuchBucket(e)) {
    // A deployment or local setup error, not a passing outage: say so, and name the bucket in
    // the log (a bucket name is configuration, not patient data).
    log.error('storage bucket does not exist', { bucket, errorCode: 'NoSuchBucket' });
    return new DomainError('StorageUnavailable', "The service's object storage is misconfigured (its bucket does not exist); retrying will not help.");
  }
  const name = (e as { name?: string })?.name ?? '';
  const code = (e as { code?: string })?.code ?? '';
  // A dropped or refused connection is unavailability, even when the SDK names it a timeout.
  if (['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) {
    return new DomainError('StorageUnavailable', 'Object storage is unavailable right now; please retry.');
  }
  if (/Timeout|TimedOut/i.test(name) || code === 'ETIMEDOUT' || name === 'RequestTimeout') {
    return new DomainError('StorageTimeout', 'Object storage did not answer in time; please retry.');
  }
  return new DomainError('StorageUnavailable', 'Object storage is unavailable right now; please retry.');
}

async function guard<T>(bucket: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    if (e instanceof DomainError) throw e;
    throw storageFailure(e, bucket);
  }
}

export class S3Storage implements Storage {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        size: out.ContentLength ?? 0,
        lastModified: out.LastModified,
        contentType: out.ContentType,
        metadata: out.Metadata,
        etag: out.ETag?.replace(/"/g, ''),
      };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw storageFailure(e, this.bucket);
    }
  }

  async getRange(key: string, start: number, endInclusive: number): Promise<Uint8Array> {
    return guard(this.bucket, async () => {
      try {
        const out = await this.client.send(
          new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${start}-${endInclusive}` }),
        );
        return out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
      } catch (e) {
        if (isNotFound(e)) throw new DomainError('FileNotFound', 'No file has been uploaded under this id.');
        // 416: the range starts past the end of the object.
        if (e instanceof S3ServiceException && e.$metadata?.httpStatusCode === 416) return new Uint8Array(0);
        throw e;
      }
    });
  }

  async getHead(key: string, length: number): Promise<{ bytes: Uint8Array; size: number } | undefined> {
    return guard(this.bucket, async () => {
      try {
        const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=0-${length - 1}` }));
        const bytes = out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
        // "bytes 0-65535/531324": the total after the slash. Without it the object was sent whole.
        const total = /\/(\d+)\s*$/.exec(out.ContentRange ?? '')?.[1];
        return { bytes, size: total !== undefined ? Number(total) : bytes.length };
      } catch (e) {
        if (isNotFound(e)) return undefined;
        // 416: an empty object has no byte 0.
        if (e instanceof S3ServiceException && e.$metadata?.httpStatusCode === 416) return { bytes: new Uint8Array(0), size: 0 };
        throw e;
      }
    });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return guard(this.bucket, async () => {
      try {
        const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        return out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    });
  }

  async put(
    key: string,
    body: Uint8Array,
    contentType: string,
    metadata?: Record<string, string>,
    tags?: Record<string, string>,
  ): Promise<void> {
    await guard(this.bucket, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          Metadata: metadata,
          Tagging: tags ? new URLSearchParams(tags).toString() : undefined,
        }),
      ),
    );
  }

  async putIfAbsent(key: string, body: Uint8Array, contentType: string, metadata?: Record<string, string>): Promise<boolean> {
    return guard(this.bucket, async () => {
      try {
        await this.client.send(
          new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType, Metadata: metadata, IfNoneMatch: '*' }),
        );
        return true;
      } catch (e) {
        // 412: an object is there; 409: a concurrent conditional write to the key won.
        if (isConditionFailed(e)) return false;
        throw e;
      }
    });
  }

  async copy(fromKey: string, toKey: string): Promise<boolean> {
    return guard(this.bucket, async () => {
      try {
        await this.client.send(
          new CopyObjectCommand({
            Bucket: this.bucket,
            Key: toKey,
            CopySource: `${this.bucket}/${fromKey.split('/').map(encodeURIComponent).join('/')}`,
          }),
        );
        return true;
      } catch (e) {
        if (isNotFound(e)) return false;
        throw e;
      }
    });
  }

  async delete(key: string): Promise<void> {
    await guard(this.bucket, () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })));
  }

  async list(prefix: string, limit = 1000): Promise<string[]> {
    return guard(this.bucket, async () => {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const out = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: Math.min(1000, limit - keys.length) }),
        );
        for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token && keys.length < limit);
      return keys.slice(0, limit);
    });
  }

  async setTags(key: string, tags: Record<string, string>): Promise<boolean> {
    return guard(this.bucket, async () => {
      try {
        await this.client.send(
          new PutObjectTaggingCommand({
            Bucket: this.bucket,
            Key: key,
            Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
          }),
        );
        return true;
      } catch (e) {
        if (isNotFound(e)) return false;
        throw e;
      }
    });
  }

  presignPut(key: string, opts: { contentLength: number; contentType: string; expiresIn: number }): Promise<string> {
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ContentLength: opts.contentLength,
      ContentType: opts.contentType,
      IfNoneMatch: '*',
    });
    // Signing the headers makes S3 itself refuse a body of another length or type, and, with
    // If-None-Match: * (S3 conditional writes), a second PUT once the object exists (412): an
    // upload is written once, so what is read from it later can be kept (lib/cache).
    return getSignedUrl(this.client, command, {
      expiresIn: opts.expiresIn,
      signableHeaders: new Set(['content-length', 'content-type', 'if-none-match']),
    });
  }

  presignGet(key: string, opts: { expiresIn: number; contentType?: string }): Promise<string> {
    return getSignedUrl(
      this.client,
      new GetObjectCommand({ Bucket: this.bucket, Key: key, ResponseContentType: opts.contentType }),
      { expiresIn: opts.expiresIn },
    );
  }
}
