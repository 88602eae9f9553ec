import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createProcessorHandler } from '../../../lib/processing/sqs-handler.js';
import { parseSummary } from '../../../lib/files/summary.js';
import { MemoryStorage } from '../../support/memory-storage.js';
import { makeImageDicom } from '../../support/dicom-writer.js';

const T = 't0123456789abcdef0123456789abcdef';
const ID = '6f1c4a52-3b8e-4d5f-9a7b-2c1d0e9f8a7b';
const KEY = `uploads/${T}/${ID}.dcm`;

const record = (eTag: string): SQSRecord => ({
  messageId: 'm1',
  receiptHandle: 'rh',
  body: JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' }, object: { key: KEY, size: 1, eTag } } }] }),
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 's3', ApproximateFirstReceiveTimestamp: '0' },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
  awsRegion: 'us-east-1',
});

async function setup() {
  const storage = new MemoryStorage();
  const bytes = makeImageDicom({ rows: 2, columns: 3, bitsAllocated: 16, window: { center: 0, width: 100 }, pixel: (_f, r, c) => r * 3 + c });
  await storage.put(`uploads/${T}/${ID}.json`, new TextEncoder().encode(JSON.stringify({ id: ID, declaredSize: bytes.length })), 'application/json');
  await storage.put(KEY, bytes, 'application/dicom');
  const handler = createProcessorHandler({ storage: () => storage, config: () => ({ bucketName: 'b', maxUploadBytes: 1 << 20 }), preRender: async () => false });
  return { storage, handler, etag: storage.objects.get(KEY)!.etag! };
}

const statusOf = (storage: MemoryStorage) => parseSummary(storage.objects.get(`uploads/${T}/${ID}.summary.json`)?.body);

describe('the processor handler', () => {
  it('processes the object its event announces (the same ETag)', async () => {
    const { storage, handler, etag } = await setup();
    expect(await handler({ Records: [record(`"${etag}"`)] })).toEqual({ batchItemFailures: [] });
    expect(statusOf(storage)?.status).toBe('ready');
  });

  it('passes the event\'s ETag on: an object written again since is rejected as UploadMismatch', async () => {
    const { storage, handler } = await setup();
    expect(await handler({ Records: [record('an-earlier-write')] })).toEqual({ batchItemFailures: [] });
    expect(statusOf(storage)).toMatchObject({ status: 'rejected', reason: { code: 'UploadMismatch' } });
  });
});
