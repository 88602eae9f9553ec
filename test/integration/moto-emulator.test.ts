/**
 * The local server against an AWS emulator end to end, the real event path: moto_server on a free
 * loopback port, named by AWS_ENDPOINT_URL alone; LOCAL_PROVISION=1 makes the bucket, the upload
 * queue with its dead-letter queue and the bucket's notification; S3 (moto) sends ObjectCreated
 * to SQS (moto) and the server's consumer (local/sqs-consumer.ts) runs the processor Lambda's
 * handler on it. moto checks no signatures, so the processor's own checks of what the upload URL
 * signed (lib/processing/process-upload.ts) are exercised too. NOT RUN where moto_server is absent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetBucketCorsCommand, GetBucketNotificationConfigurationCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resetConfig } from '../../lib/config.js';
import { resetDefaultStorage } from '../../lib/storage/default-storage.js';
import { BUCKET_CORS_RULE } from '../../lib/storage/bucket-cors.js';
import { provisionLocal, queueArn } from '../../local/provision.js';
import { type LocalService, startLocal } from '../../local/server.js';
import { SqsConsumer } from '../../local/sqs-consumer.js';
import { makeImageDicom } from '../support/dicom-writer.js';
import { tenantOfSubject, tokenFor, withToken } from '../support/local-token.js';
import { type Moto, describeWithMoto, startMoto } from '../support/moto.js';

const TITLE = 'the local server on moto_server: S3 -> SQS -> processor, provisioned by LOCAL_PROVISION';
const ENV = [
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_S3',
  'AWS_ENDPOINT_URL_SQS',
  'UPLOAD_QUEUE_URL',
  'LOCAL_PROVISION',
  'BUCKET_NAME',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_REGION',
  'AUTH',
  'AUTH_ISSUER',
  'AUTH_AUDIENCE',
  'MEMO_TTL_SECONDS',
] as const;
const BUCKET = 'dicom-moto';
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

describeWithMoto(TITLE, () => {
  const saved = Object.fromEntries(ENV.map((n) => [n, process.env[n]]));
  let moto: Moto;
  let svc: LocalService;
  let dataDir: string;
  let token: string;
  let T: string;
  let s3: S3Client;
  let sqs: SQSClient;

  beforeAll(async () => {
    for (const n of ENV) delete process.env[n];
    moto = await startMoto();
    dataDir = mkdtempSync(join(tmpdir(), 'dicom-moto-'));
    // The README's command line: one endpoint for every service, and provisioning.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto.url,
      LOCAL_PROVISION: '1',
      BUCKET_NAME: BUCKET,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_REGION: REGION,
      // No memo between requests: what is answered comes from S3 each time.
      MEMO_TTL_SECONDS: '0',
    });
    svc = await startLocal({ port: 0, dataDir, queueWaitSeconds: 1 });
    token = await tokenFor(svc, 'alice');
    T = tenantOfSubject(svc, 'alice');
    s3 = new S3Client({ endpoint: moto.url, forcePathStyle: true, region: REGION, credentials: CREDENTIALS });
    sqs = new SQSClient({ endpoint: moto.url, region: REGION, credentials: CREDENTIALS });
  }, 60_000);

  afterAll(async () => {
    await svc?.close();
    s3?.destroy();
    sqs?.destroy();
    await moto?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    for (const n of ENV) {
      if (saved[n] === undefined) delete process.env[n];
      else process.env[n] = saved[n];
    }
    resetConfig();
    resetDefaultStorage();
  });

  const api = (path: string, init?: RequestInit) => fetch(`${svc.url}${path}`, withToken(token, { redirect: 'manual', ...init }));
  const asJson = { headers: { accept: 'application/json' } };
  type Info = Record<string, unknown> & { status: string; reason?: { code: string; message: string } };
  const info = async (id: string): Promise<Info> => (await (await api(`/files/${id}`)).json()) as Info;

  async function settled(id: string, timeoutMs = 15_000): Promise<Info> {
    const until = performance.now() + timeoutMs;
    for (;;) {
      const i = await info(id);
      if (i.status !== 'pending' && i.status !== 'awaiting-upload') return i;
      if (performance.now() > until) throw new Error(`still ${i.status} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** POST /files for `declared` bytes, then PUTs `body` (default: those bytes) to the URL with the headers it names. */
  async function upload(bytes: Uint8Array, opts: { body?: Uint8Array; contentType?: string } = {}) {
    const res = await api('/files', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ size: bytes.length }) });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string; uploadUrl: string; headers: Record<string, string> };
    expect(new URL(created.uploadUrl).origin).toBe(moto.url);
    const body = opts.body ?? bytes;
    const headers = { ...created.headers, 'content-length': String(body.length), ...(opts.contentType ? { 'content-type': opts.contentType } : {}) };
    const put = await fetch(created.uploadUrl, { method: 'PUT', headers, body: Buffer.from(body) });
    expect(put.status).toBe(200);
    return created;
  }

  const exists = (key: string) =>
    s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })).then(
      () => true,
      () => false,
    );

  const image = (seed: number) =>
    makeImageDicom({
      rows: 8,
      columns: 6,
      bitsAllocated: 16,
      bitsStored: 12,
      window: { center: 1000, width: 2000 },
      pixel: (_f, r, c) => (seed * 37 + r * 300 + c * 50) % 4096,
    });

  it('provisions as the stack does: bucket with its CORS rule, queue with redrive after 3 receives, notification with its filter', async () => {
    expect(svc.s3).toBeUndefined();
    expect(svc.provisioned?.created).toEqual(['bucket', 'cors', 'dead-letter-queue', 'queue', 'notification']);
    expect(svc.queueUrl).toBe(svc.provisioned?.queueUrl);

    const cors = await s3.send(new GetBucketCorsCommand({ Bucket: BUCKET }));
    expect(cors.CORSRules).toHaveLength(1);
    expect(cors.CORSRules![0]).toMatchObject({
      AllowedMethods: [...BUCKET_CORS_RULE.allowedMethods],
      AllowedHeaders: [...BUCKET_CORS_RULE.allowedHeaders],
      ExposeHeaders: [...BUCKET_CORS_RULE.exposedHeaders],
      MaxAgeSeconds: BUCKET_CORS_RULE.maxAgeSeconds,
    });

    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: svc.queueUrl!, AttributeNames: ['All'] }));
    expect(attrs.Attributes?.VisibilityTimeout).toBe('360');
    expect(JSON.parse(attrs.Attributes!.RedrivePolicy!)).toMatchObject({
      maxReceiveCount: 3,
      deadLetterTargetArn: await queueArn(sqs, svc.provisioned!.deadLetterQueueUrl),
    });

    const notification = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: BUCKET }));
    expect(notification.QueueConfigurations).toHaveLength(1);
    expect(notification.QueueConfigurations![0]).toMatchObject({
      QueueArn: await queueArn(sqs, svc.queueUrl!),
      Events: ['s3:ObjectCreated:*'],
      Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }, { Name: 'suffix', Value: '.dcm' }] } },
    });
  });

  it('changes nothing when started again (idempotent)', async () => {
    const again = await startLocal({ port: 0, dataDir, processUploads: false });
    try {
      expect(again.provisioned).toEqual({ ...svc.provisioned, created: [] });
      expect(again.consumer).toBeUndefined();
    } finally {
      await again.close();
    }
    const notification = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: BUCKET }));
    expect(notification.QueueConfigurations).toHaveLength(1);
  });

  it('upload -> ready -> tags -> png -> cached, through the API', async () => {
    const bytes = image(1);
    const { id } = await upload(bytes);
    const ready = await settled(id);
    expect(ready).toMatchObject({ id, status: 'ready', size: bytes.length, rows: 8, columns: 6, frames: 1 });
    expect(ready.sha256).toMatch(/^[0-9a-f]{64}$/);

    const tag = await api(`/files/${id}/tags/00280010`);
    expect(tag.status).toBe(200);
    expect(await tag.json()).toMatchObject({ tag: '00280010', vr: 'US', Value: [8] });

    // Pre-rendered by the processor: the first request is already a hit, under the content hash.
    const first = (await (await api(`/files/${id}/png`, asJson)).json()) as { cached: boolean; url: string; width: number };
    expect(first).toMatchObject({ cached: true, width: 6 });
    expect(new URL(first.url).pathname).toContain(`renders/${T}/sha256/${String(ready.sha256)}/`);
    const img = await fetch(first.url);
    expect(img.status).toBe(200);
    expect(PNG.sync.read(Buffer.from(await img.arrayBuffer())).height).toBe(8);

    // Another window: rendered once, then cached.
    expect(await (await api(`/files/${id}/png?window=40,400`, asJson)).json()).toMatchObject({ cached: false });
    expect(await (await api(`/files/${id}/png?window=40,400`, asJson)).json()).toMatchObject({ cached: true });
  });

  it('rejects a junk upload with its reason and moves it to quarantine', async () => {
    const junk = new TextEncoder().encode('certainly not a DICOM file, just words '.repeat(8));
    const { id } = await upload(junk);
    expect(await settled(id)).toMatchObject({ status: 'rejected', reason: { code: 'NotDicom' } });
    expect(await exists(`quarantine/${T}/${id}.dcm`)).toBe(true);
    expect(await exists(`uploads/${T}/${id}.dcm`)).toBe(false);
    expect((await api(`/files/${id}/png`)).status).toBe(422);
  });

  it('rejects what moto lets through an upload URL but S3 would refuse: another size, another type', async () => {
    const bytes = image(2);
    const shorter = await upload(bytes, { body: bytes.subarray(0, bytes.length - 16) });
    const retyped = await upload(image(3), { contentType: 'text/plain' });
    for (const { id } of [shorter, retyped]) {
      expect(await settled(id)).toMatchObject({ status: 'rejected', reason: { code: 'UploadMismatch' } });
      const tags = await api(`/files/${id}/tags`);
      expect(tags.status).toBe(422);
      expect(((await tags.json()) as { error: { code: string } }).error.code).toBe('UploadMismatch');
    }
  });

  it('marks a file whose bytes were written again through its URL replaced and rejected; no old picture is served', async () => {
    const first = image(4);
    const created = await upload(first);
    expect((await settled(created.id)).status).toBe('ready');
    expect((await api(`/files/${created.id}/png`, asJson)).status).toBe(200);
    // The same URL again, other bytes of the same length. moto honours If-None-Match: * when it
    // is sent (412), but checks no signature, so a PUT that leaves the signed header out passes.
    const second = image(5);
    expect(second.length).toBe(first.length);
    const again = await fetch(created.uploadUrl, { method: 'PUT', headers: created.headers, body: Buffer.from(second) });
    expect(again.status).toBe(412);
    const { 'if-none-match': _signed, ...unconditional } = created.headers;
    const put = await fetch(created.uploadUrl, { method: 'PUT', headers: unconditional, body: Buffer.from(second) });
    expect(put.status).toBe(200);
    // Until processed, GET /files/{id} says `pending` (or, when the second write has the first's
    // size and Last-Modified second, still `ready`: lib/files/file-state.ts compares those two).
    const until = performance.now() + 15_000;
    let state = await info(created.id);
    while (state.status !== 'rejected' && performance.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
      state = await info(created.id);
    }
    expect(state).toMatchObject({ status: 'rejected', reason: { code: 'UploadMismatch', message: expect.stringMatching(/more than once/) } });
    const png = await api(`/files/${created.id}/png`, asJson);
    expect(png.status).toBe(422);
    expect(await exists(`uploads/${T}/${created.id}.dcm`)).toBe(false);
  });

  it('moves a poison message to the dead-letter queue after 3 receives; test events and unknown messages are acknowledged', async () => {
    // A queue of its own, provisioned the same way, consumed with a handler that always fails.
    const s3c = new S3Client({ endpoint: moto.url, forcePathStyle: true, region: REGION, credentials: CREDENTIALS });
    const poison = await provisionLocal({ s3: s3c, sqs, bucket: 'dicom-poison', region: REGION });
    s3c.destroy();
    const seen: string[] = [];
    const consumer = new SqsConsumer({
      client: sqs,
      queueUrl: poison.queueUrl,
      queueArn: await queueArn(sqs, poison.queueUrl),
      region: REGION,
      handler: async (event: SQSEvent) => {
        for (const r of event.Records) seen.push(r.attributes.ApproximateReceiveCount);
        return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
      },
      waitTimeSeconds: 1,
      // The stack's 360 s would make the test wait 12 minutes for the two redeliveries.
      visibilityTimeoutSeconds: 1,
    });
    // moto sends s3:TestEvent when the notification is configured: drained with the rest.
    await sqs.send(new SendMessageCommand({ QueueUrl: poison.queueUrl, MessageBody: JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put' }] }) }));
    await sqs.send(new SendMessageCommand({ QueueUrl: poison.queueUrl, MessageBody: 'not JSON at all' }));
    consumer.start();
    try {
      const until = performance.now() + 20_000;
      let dead: string[] = [];
      while (performance.now() < until) {
        const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: poison.deadLetterQueueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }));
        dead = (out.Messages ?? []).map((m) => m.Body ?? '');
        if (dead.length > 0) break;
      }
      expect(dead).toEqual([JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put' }] })]);
      expect(seen).toEqual(['1', '2', '3']);
      expect(consumer.stats).toMatchObject({ failed: 3, ignored: 2 });
    } finally {
      await consumer.stop();
    }
  }, 40_000);
});
