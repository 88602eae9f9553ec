import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectTaggingCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { S3Storage, createS3Client } from '../../../lib/storage/s3-storage.js';
import { s3Body, s3Error, useS3Mock } from '../../support/s3-mock.js';

const s3 = useS3Mock();

const storage = () => new S3Storage(createS3Client({ bucket: 'b', region: 'us-east-1', maxAttempts: 1 }), 'b');
const body = s3Body;

describe('S3Storage', () => {
  it('head gives size and metadata, undefined for a missing key', async () => {
    s3.on(HeadObjectCommand, { Key: 'a' }).resolves({ ContentLength: 7, Metadata: { width: '2' } });
    s3.on(HeadObjectCommand, { Key: 'missing' }).rejects(s3Error('NotFound', 404));
    expect(await storage().head('a')).toMatchObject({ size: 7, metadata: { width: '2' } });
    expect(await storage().head('missing')).toBeUndefined();
  });

  it('reads a 403 AccessDenied (no s3:ListBucket) as a missing key, on every read; other 403s stay failures', async () => {
    // Without ListBucket, S3 answers a missing key 403: HEAD with no body ('Forbidden'), GET 'AccessDenied'.
    s3.on(HeadObjectCommand).rejects(s3Error('Forbidden', 403));
    s3.on(GetObjectCommand).rejects(s3Error('AccessDenied', 403));
    s3.on(CopyObjectCommand).rejects(s3Error('AccessDenied', 403));
    s3.on(PutObjectTaggingCommand).rejects(s3Error('AccessDenied', 403));
    expect(await storage().head('k')).toBeUndefined();
    expect(await storage().get('k')).toBeUndefined();
    expect(await storage().getHead('k', 10)).toBeUndefined();
    await expect(storage().getRange('k', 0, 9)).rejects.toMatchObject({ status: 404, code: 'FileNotFound' });
    expect(await storage().copy('a', 'b')).toBe(false);
    expect(await storage().setTags('k', { a: 'b' })).toBe(false);
    s3.reset();
    s3.on(GetObjectCommand).rejects(s3Error('SignatureDoesNotMatch', 403));
    await expect(storage().get('k')).rejects.toMatchObject({ status: 503, code: 'StorageUnavailable' });
    s3.reset();
    s3.on(PutObjectCommand).rejects(s3Error('AccessDenied', 403));
    await expect(storage().put('k', new Uint8Array(1), 'image/png')).rejects.toMatchObject({ status: 503 });
  });

  it('list follows continuation tokens under one prefix, up to its limit; a refused list is a storage failure', async () => {
    s3.on(ListObjectsV2Command, { Prefix: 'renders/t/', ContinuationToken: undefined }).resolves({ Contents: [{ Key: 'renders/t/a' }, { Key: 'renders/t/b' }], IsTruncated: true, NextContinuationToken: 'n1' });
    s3.on(ListObjectsV2Command, { Prefix: 'renders/t/', ContinuationToken: 'n1' }).resolves({ Contents: [{ Key: 'renders/t/c' }], IsTruncated: false });
    expect(await storage().list('renders/t/')).toEqual(['renders/t/a', 'renders/t/b', 'renders/t/c']);
    expect(s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'b', Prefix: 'renders/t/', MaxKeys: 1000 },
      { Bucket: 'b', Prefix: 'renders/t/', ContinuationToken: 'n1', MaxKeys: 998 },
    ]);
    s3.resetHistory();
    expect(await storage().list('renders/t/', 1)).toEqual(['renders/t/a']);
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(1);
    s3.reset();
    s3.on(ListObjectsV2Command).rejects(s3Error('AccessDenied', 403));
    await expect(storage().list('uploads/')).rejects.toMatchObject({ status: 503, code: 'StorageUnavailable' });
  });

  it('asks S3 for exactly the byte range', async () => {
    s3.on(GetObjectCommand).resolves({ Body: body(new Uint8Array([1, 2, 3])) as never });
    expect(Array.from(await storage().getRange('k', 0, 65535))).toEqual([1, 2, 3]);
    expect(s3.commandCalls(GetObjectCommand)[0].args[0].input).toMatchObject({ Bucket: 'b', Key: 'k', Range: 'bytes=0-65535' });
  });

  it('getHead: first bytes and the total size from Content-Range in one request; undefined when absent; size 0 when empty', async () => {
    s3.on(GetObjectCommand).resolves({ Body: body(new Uint8Array([7, 8])) as never, ContentRange: 'bytes 0-1/531324' });
    expect(await storage().getHead('k', 65536)).toEqual({ bytes: new Uint8Array([7, 8]), size: 531324 });
    expect(s3.commandCalls(GetObjectCommand)[0].args[0].input).toMatchObject({ Key: 'k', Range: 'bytes=0-65535' });
    expect(s3.commandCalls(HeadObjectCommand)).toHaveLength(0);
    s3.reset();
    s3.on(GetObjectCommand).rejects(s3Error('NoSuchKey', 404));
    expect(await storage().getHead('k', 10)).toBeUndefined();
    s3.reset();
    s3.on(GetObjectCommand).rejects(s3Error('InvalidRange', 416));
    expect(await storage().getHead('k', 10)).toEqual({ bytes: new Uint8Array(0), size: 0 });
  });

  it('maps throttling and 5xx after retries to 503 StorageUnavailable', async () => {
    s3.on(GetObjectCommand).rejects(s3Error('SlowDown', 503));
    await expect(storage().get('k')).rejects.toMatchObject({ status: 503, code: 'StorageUnavailable' });
    s3.on(PutObjectCommand).rejects(s3Error('InternalError', 500));
    await expect(storage().put('k', new Uint8Array(1), 'image/png')).rejects.toMatchObject({ status: 503 });
  });

  it('maps timeouts to 504 StorageTimeout', async () => {
    s3.on(HeadObjectCommand).rejects(Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }));
    await expect(storage().head('k')).rejects.toMatchObject({ status: 504, code: 'StorageTimeout' });
  });

  it('presigns a PUT whose signature covers content-length and content-type, with no checksum of an empty body', async () => {
    const url = new URL(await storage().presignPut('uploads/x.dcm', { contentLength: 42, contentType: 'application/dicom', expiresIn: 900 }));
    expect(url.searchParams.get('X-Amz-SignedHeaders')?.split(';')).toEqual(expect.arrayContaining(['content-length', 'content-type', 'host', 'if-none-match']));
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect([...url.searchParams.keys()].some((k) => /checksum/i.test(k))).toBe(false);
  });
});

describe('S3Storage writes for the processor', () => {
  it('head gives the ETag without quotes', async () => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: 1, ETag: '"abc"' });
    expect((await storage().head('a'))?.etag).toBe('abc');
  });

  it('put sends object tags as a query string', async () => {
    s3.on(PutObjectCommand).resolves({});
    await storage().put('uploads/x.json', new Uint8Array(1), 'application/json', undefined, { 'upload-state': 'awaiting' });
    expect(s3.commandCalls(PutObjectCommand)[0].args[0].input.Tagging).toBe('upload-state=awaiting');
  });

  it('putIfAbsent writes with If-None-Match: * and answers false when S3 refuses (412 or 409)', async () => {
    s3.on(PutObjectCommand).resolvesOnce({}).rejectsOnce(s3Error('PreconditionFailed', 412)).rejectsOnce(s3Error('ConditionalRequestConflict', 409));
    expect(await storage().putIfAbsent('k', new Uint8Array(1), 'application/json', { status: 'ready' })).toBe(true);
    expect(await storage().putIfAbsent('k', new Uint8Array(1), 'application/json')).toBe(false);
    expect(await storage().putIfAbsent('k', new Uint8Array(1), 'application/json')).toBe(false);
    expect(s3.commandCalls(PutObjectCommand)[0].args[0].input).toMatchObject({ Key: 'k', IfNoneMatch: '*', Metadata: { status: 'ready' } });
    s3.on(PutObjectCommand).rejects(s3Error('InternalError', 500));
    await expect(storage().putIfAbsent('k', new Uint8Array(1), 'application/json')).rejects.toMatchObject({ code: 'StorageUnavailable' });
  });

  it('copy names the URL-encoded source, and is false when it does not exist', async () => {
    s3.on(CopyObjectCommand).resolvesOnce({}).rejectsOnce(s3Error('NoSuchKey', 404));
    expect(await storage().copy('uploads/a b.dcm', 'quarantine/a b.dcm')).toBe(true);
    expect(s3.commandCalls(CopyObjectCommand)[0].args[0].input).toEqual({ Bucket: 'b', Key: 'quarantine/a b.dcm', CopySource: 'b/uploads/a%20b.dcm' });
    expect(await storage().copy('uploads/gone.dcm', 'quarantine/gone.dcm')).toBe(false);
  });

  it('delete and setTags', async () => {
    s3.on(DeleteObjectCommand).resolves({});
    s3.on(PutObjectTaggingCommand).resolvesOnce({}).rejectsOnce(s3Error('NoSuchKey', 404));
    await storage().delete('uploads/x.dcm');
    expect(s3.commandCalls(DeleteObjectCommand)[0].args[0].input).toEqual({ Bucket: 'b', Key: 'uploads/x.dcm' });
    expect(await storage().setTags('uploads/x.json', { 'upload-state': 'received' })).toBe(true);
    expect(await storage().setTags('uploads/y.json', { 'upload-state': 'received' })).toBe(false);
  });

  it('a missing bucket is a 503 that says the storage is misconfigured, and the log names the bucket', async () => {
    s3.on(GetObjectCommand).rejects(s3Error('NoSuchBucket', 404));
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    const saved = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = 'error';
    process.stderr.write = ((chunk: string) => (lines.push(chunk), true));
    let error: unknown;
    try {
      // Not "no such file": a GET's 404 NoSuchBucket is about the bucket, not the key.
      error = await storage().get('k').catch((e: unknown) => e);
    } finally {
      process.stderr.write = write;
      if (saved === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = saved;
    }
    expect(error).toMatchObject({ code: 'StorageUnavailable', status: 503, message: expect.stringMatching(/misconfigured/) });
    expect((error as Error).message).not.toMatch(/retry\./);
    expect(lines.map((l) => JSON.parse(l))).toContainEqual(expect.objectContaining({ bucket: 'b', errorCode: 'NoSuchBucket' }));
  });
});
