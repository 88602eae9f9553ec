import { createHash } from 'node:crypto';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectTaggingCommand,
} from '@aws-sdk/client-s3';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { s3Body, s3Error, useS3Mock } from '../support/s3-mock.js';
import { handler } from '../../functions/processor.js';
import { makeImageDicom } from '../support/dicom-writer.js';
/** A tenant segment (lib/auth/tenant.ts format): every key of a file carries one. */
const T = 't0123456789abcdef0123456789abcdef';

const s3 = useS3Mock();

const ID = '0b7e3f52-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const ID2 = '6f1c4a52-3b8e-4d5f-9a7b-2c1d0e9f8a7b';
const body = s3Body;
const fixture = makeImageDicom({ rows: 2, columns: 3, bitsAllocated: 16, window: { center: 0, width: 100 }, pixel: (_f, r, c) => r * 3 + c });
const LAST_MODIFIED = new Date('2026-02-03T04:05:06Z');

/** An SQS record whose body is the S3 event notification, as Lambda's SQS event source delivers it. */
function message(messageId: string, key: string, bucket = 'unit-bucket'): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: JSON.stringify({
      Records: [{ eventVersion: '2.1', eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key, size: 1, eTag: 'e1' } } }],
    }),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 's3', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:000000000000:q',
    awsRegion: 'eu-west-1',
  };
}
const run = (...records: SQSRecord[]) => handler({ Records: records } satisfies SQSEvent);

function upload(id: string, bytes: Uint8Array) {
  s3.on(HeadObjectCommand, { Key: `uploads/${T}/${id}.dcm` }).resolves({
    ContentLength: bytes.length,
    ContentType: 'application/dicom',
    LastModified: LAST_MODIFIED,
    ETag: '"e1"',
  });
  s3.on(GetObjectCommand, { Key: `uploads/${T}/${id}.dcm` }).resolves({ Body: body(bytes) as never });
  // The request record POST /files wrote: the processor checks the upload against it.
  const record = new TextEncoder().encode(JSON.stringify({ id, declaredSize: bytes.length, contentType: 'application/dicom' }));
  s3.on(GetObjectCommand, { Key: `uploads/${T}/${id}.json` }).resolves({ Body: body(record) as never });
  // No id-keyed renders to remove.
  s3.on(ListObjectsV2Command).resolves({});
}

describe('processor function', () => {
  it('renders into the content-addressed cache, then writes the summary conditionally with its hash in the metadata', async () => {
    s3.on(HeadObjectCommand).rejects(s3Error('NotFound', 404));
    upload(ID, fixture);
    s3.on(PutObjectCommand).resolves({});
    s3.on(PutObjectTaggingCommand).resolves({});

    expect(await run(message('m1', `uploads/${T}/${ID}.dcm`))).toEqual({ batchItemFailures: [] });

    const hash = createHash('sha256').update(fixture).digest('hex');
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => p.Key)).toEqual([
      expect.stringMatching(new RegExp(`^renders/${T}/sha256/${hash}/v\\d+-f1-b8-wfile\\.png$`)),
      expect.stringMatching(new RegExp(`^renders/${T}/sha256/${hash}/v\\d+-f1-b8-wfile-s256\\.png$`)),
      // The file's reference to its content (a delete keeps shared renders while one remains).
      `uploads/${T}/by-hash/${hash}/${ID}`,
      `uploads/${T}/${ID}.summary.json`,
    ]);
    expect(puts[0].IfNoneMatch).toBeUndefined();
    expect(puts[1].IfNoneMatch).toBeUndefined();
    expect(puts[3]).toMatchObject({
      Bucket: 'unit-bucket',
      ContentType: 'application/json',
      IfNoneMatch: '*',
      Metadata: { sha256: hash, status: 'ready', 'source-etag': 'e1' },
    });
    expect(JSON.parse(Buffer.from(puts[3].Body as Uint8Array).toString())).toMatchObject({
      status: 'ready',
      sha256: hash,
      rows: 2,
      columns: 3,
      uploadedAt: LAST_MODIFIED.toISOString(),
    });
    expect(s3.commandCalls(PutObjectTaggingCommand)[0].args[0].input).toEqual({
      Bucket: 'unit-bucket',
      Key: `uploads/${T}/${ID}.json`,
      Tagging: { TagSet: [{ Key: 'upload-state', Value: 'received' }] },
    });
    expect(s3.commandCalls(DeleteObjectCommand)).toHaveLength(0);
  });

  it('does nothing for a repeated event: the summary already describes this upload', async () => {
    s3.on(HeadObjectCommand).rejects(s3Error('NotFound', 404)); // no tombstone
    upload(ID, fixture);
    s3.on(HeadObjectCommand, { Key: `uploads/${T}/${ID}.summary.json` }).resolves({ ContentLength: 100, Metadata: { 'source-etag': 'e1', status: 'ready' } });
    expect(await run(message('m1', `uploads/${T}/${ID}.dcm`))).toEqual({ batchItemFailures: [] });
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('treats a refused conditional write (412, another processor won) as done', async () => {
    s3.on(HeadObjectCommand).rejects(s3Error('NotFound', 404));
    upload(ID, fixture);
    s3.on(PutObjectCommand).resolves({});
    s3.on(PutObjectCommand, { Key: `uploads/${T}/${ID}.summary.json` }).rejects(s3Error('PreconditionFailed', 412));
    s3.on(PutObjectTaggingCommand).rejects(s3Error('NoSuchKey', 404));
    expect(await run(message('m1', `uploads/${T}/${ID}.dcm`))).toEqual({ batchItemFailures: [] });
  });

  it('quarantines what is not DICOM: copy, summary, then delete', async () => {
    const notDicom = new TextEncoder().encode('hello, this is plainly not DICOM '.repeat(10));
    s3.on(HeadObjectCommand).rejects(s3Error('NotFound', 404));
    upload(ID, notDicom);
    s3.on(CopyObjectCommand).resolves({});
    s3.on(PutObjectCommand).resolves({});
    s3.on(PutObjectTaggingCommand).resolves({});
    s3.on(DeleteObjectCommand).resolves({});

    expect(await run(message('m1', `uploads/${T}/${ID}.dcm`))).toEqual({ batchItemFailures: [] });
    const writes = s3
      .calls()
      .map((c) => c.args[0])
      .filter((c) => c instanceof CopyObjectCommand || c instanceof PutObjectCommand || c instanceof DeleteObjectCommand)
      .map((c) => `${c.constructor.name} ${(c.input as { Key: string }).Key}`);
    expect(writes).toEqual([
      `CopyObjectCommand quarantine/${T}/${ID}.dcm`,
      `PutObjectCommand uploads/${T}/${ID}.summary.json`,
      `DeleteObjectCommand uploads/${T}/${ID}.dcm`,
    ]);
    expect(s3.commandCalls(CopyObjectCommand)[0].args[0].input.CopySource).toBe(`unit-bucket/uploads/${T}/${ID}.dcm`);
    const summary = s3.commandCalls(PutObjectCommand)[0].args[0].input;
    expect(summary.Metadata).toMatchObject({ status: 'rejected' });
    expect(JSON.parse(Buffer.from(summary.Body as Uint8Array).toString())).toMatchObject({
      status: 'rejected',
      reason: { code: 'NotDicom' },
    });
  });

  it('reports only the failed message of a batch, so only it is retried', async () => {
    s3.on(HeadObjectCommand).rejects(s3Error('NotFound', 404));
    s3.on(HeadObjectCommand, { Key: `uploads/${T}/${ID2}.dcm` }).rejects(s3Error('SlowDown', 503));
    const out = await run(message('ok', `uploads/${T}/${ID}.dcm`), message('bad', `uploads/${T}/${ID2}.dcm`), message('junk', 'x'));
    // ok: the upload is gone (nothing to do); junk: an event for a key that is not an upload (skipped).
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }]);
  });

  it('reports a message that is not an S3 event (it will end in the dead-letter queue)', async () => {
    const junk = { ...message('junk', 'x'), body: '{"hello":' };
    expect(await run(junk)).toEqual({ batchItemFailures: [{ itemIdentifier: 'junk' }] });
    expect(s3.calls()).toHaveLength(0);
  });

  it('ignores events of another bucket', async () => {
    expect(await run(message('m1', `uploads/${T}/${ID}.dcm`, 'other-bucket'))).toEqual({ batchItemFailures: [] });
    expect(s3.calls()).toHaveLength(0);
  });
});
