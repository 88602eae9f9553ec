/**
 * The EMF lines the handlers print (lib/observability/metrics.ts): names, units and dimension
 * sets are the contract of the stack's alarms and dashboard, so they are checked here as
 * CloudWatch would read them.
 */
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, PutObjectTaggingCommand } from '@aws-sdk/client-s3';
import type { SQSRecord } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as exportHandler } from '../../../functions/export.js';
import { handler as headerHandler } from '../../../functions/header.js';
import { handler as processor } from '../../../functions/processor.js';
import { TRANSFER_SYNTAXES } from '../../../lib/dicom/transfer-syntax.js';
import { tombstoneKey } from '../../../lib/storage/object-keys.js';
import { apiEvent, context, tenantOfCaller } from '../../support/api-event.js';
import { makeImageDicom } from '../../support/dicom-writer.js';
import { s3Body, s3Error, useS3Mock } from '../../support/s3-mock.js';

const T = tenantOfCaller('alice');
const s3 = useS3Mock();
const id = '0b7e3f52-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const key = `uploads/${T}/${id}.dcm`;
const fixture = makeImageDicom({ rows: 2, columns: 3, bitsAllocated: 16, window: { center: 0, width: 100 }, pixel: (_f, r, c) => r * 3 + c });

interface Emf {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

let written: string[];
beforeEach(() => {
  process.env.METRICS = 'on';
  written = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => (written.push(String(s)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.METRICS;
});

/** Every EMF line written, parsed. */
const emfLines = (): Emf[] =>
  written
    .join('')
    .split('\n')
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l) as Emf);

/** The line publishing `name`, with its unit, dimension sets and values. */
function published(name: string) {
  const line = emfLines().find((l) => l._aws.CloudWatchMetrics[0].Metrics.some((m) => m.Name === name));
  expect(line, `an EMF line with ${name}`).toBeDefined();
  const cw = line!._aws.CloudWatchMetrics[0];
  return { line: line!, namespace: cw.Namespace, dimensions: cw.Dimensions, unit: cw.Metrics.find((m) => m.Name === name)!.Unit, value: line![name] };
}

const png = (query: string) => exportHandler(apiEvent('GET /files/{id}/png', { pathParameters: { id }, query, headers: { accept: 'application/json' } }), context);

describe('metrics (embedded metric format)', () => {
  it('a render: RenderTime by transfer syntax, DecodeTime, ExportCacheMiss; then a hit: ExportCacheHit', async () => {
    s3.on(HeadObjectCommand).rejects(s3Error('NotFound', 404));
    s3.on(HeadObjectCommand, { Key: key }).resolves({ ContentLength: fixture.length });
    s3.on(GetObjectCommand, { Key: key }).resolves({ Body: s3Body(fixture) as never });
    s3.on(PutObjectCommand).resolves({});
    expect((await png('window=0,100')).statusCode).toBe(200);

    const render = published('RenderTime');
    expect(render.namespace).toBe('DicomService');
    expect(render.unit).toBe('Milliseconds');
    expect(render.dimensions).toEqual([['service'], ['service', 'TransferSyntax']]);
    expect(render.line.service).toBe('dicom-service');
    expect(TRANSFER_SYNTAXES.map((t) => t.keyword)).toContain(render.line.TransferSyntax);
    expect(render.value).toBeGreaterThanOrEqual(0);

    for (const [name, unit] of [
      ['DecodeTime', 'Milliseconds'],
      ['ExportCacheMiss', 'Count'],
    ]) {
      const m = published(name);
      expect(m.unit, name).toBe(unit);
      expect(m.dimensions, name).toEqual([['service']]);
    }
    expect(published('ExportCacheMiss').value).toBe(1);

    s3.reset();
    s3.on(HeadObjectCommand).resolves({ ContentLength: 123, Metadata: { width: '3', height: '2' } });
    // Every request asks whether the file was deleted: it was not.
    s3.on(HeadObjectCommand, { Key: tombstoneKey({ tenant: T, id }) }).rejects(s3Error('NotFound', 404));
    written.length = 0;
    expect(JSON.parse((await png('window=0,100')).body as string).cached).toBe(true);
    const hit = published('ExportCacheHit');
    expect([hit.unit, hit.value, hit.dimensions]).toEqual(['Count', 1, [['service']]]);
    expect(emfLines().some((l) => 'ExportCacheMiss' in l || 'RenderTime' in l)).toBe(false);
  });

  it('a header request: HeaderBytesRead', async () => {
    s3.on(HeadObjectCommand).rejects(s3Error('NotFound', 404));
    s3.on(HeadObjectCommand, { Key: key }).resolves({ ContentLength: fixture.length });
    s3.on(GetObjectCommand, { Key: key }).callsFake((input: { Range?: string }) => {
      const [, from, to] = /^bytes=(\d+)-(\d+)$/.exec(input.Range ?? '') ?? [];
      return { Body: s3Body(fixture.slice(Number(from), Math.min(Number(to) + 1, fixture.length))) };
    });
    const r = await headerHandler(apiEvent('GET /files/{id}/tags', { pathParameters: { id } }), context);
    expect(r.statusCode).toBe(200);
    const read = published('HeaderBytesRead');
    expect([read.unit, read.dimensions]).toEqual(['Bytes', [['service']]]);
    expect(read.value).toBeGreaterThan(0);
  });

  it('a 4xx: Http4xx by status code; a 5xx: Http5xx by status code', async () => {
    const bad = await exportHandler(apiEvent('GET /files/{id}/png', { pathParameters: { id: 'not-a-uuid' } }), context);
    expect(bad.statusCode).toBe(400);
    const e4 = published('Http4xx');
    expect([e4.unit, e4.value, e4.dimensions, e4.line.StatusCode]).toEqual(['Count', 1, [['service'], ['service', 'StatusCode']], '400']);

    s3.on(HeadObjectCommand).rejects(s3Error('SlowDown', 503));
    s3.on(GetObjectCommand).rejects(s3Error('SlowDown', 503));
    const failed = await png('');
    expect(failed.statusCode).toBeGreaterThanOrEqual(500);
    const e5 = published('Http5xx');
    expect([e5.unit, e5.dimensions, e5.line.StatusCode]).toEqual(['Count', [['service'], ['service', 'StatusCode']], String(failed.statusCode)]);
  });

  it('the processor: UploadSize of each upload, UploadRejected by reason', async () => {
    const notDicom = new TextEncoder().encode('plainly not DICOM '.repeat(20));
    s3.on(HeadObjectCommand).rejects(s3Error('NotFound', 404));
    s3.on(HeadObjectCommand, { Key: key }).resolves({ ContentLength: notDicom.length, ContentType: 'application/dicom', LastModified: new Date(), ETag: '"e1"' });
    s3.on(GetObjectCommand, { Key: key }).resolves({ Body: s3Body(notDicom) as never });
    // The request record POST /files wrote (the processor checks the upload against it); no renders to list.
    const request = new TextEncoder().encode(JSON.stringify({ id, declaredSize: notDicom.length, contentType: 'application/dicom' }));
    s3.on(GetObjectCommand, { Key: `uploads/${T}/${id}.json` }).resolves({ Body: s3Body(request) as never });
    s3.on(ListObjectsV2Command).resolves({});
    for (const command of [CopyObjectCommand, PutObjectCommand, PutObjectTaggingCommand, DeleteObjectCommand]) s3.on(command as never).resolves({} as never);
    const record = {
      messageId: 'm1',
      body: JSON.stringify({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'unit-bucket' }, object: { key, size: 1 } } }] }),
      attributes: { ApproximateReceiveCount: '1' },
    } as unknown as SQSRecord;
    expect(await processor({ Records: [record] })).toEqual({ batchItemFailures: [] });
    const size = published('UploadSize');
    expect([size.unit, size.value, size.dimensions]).toEqual(['Bytes', notDicom.length, [['service']]]);
    const rejected = published('UploadRejected');
    expect([rejected.unit, rejected.value, rejected.dimensions, rejected.line.Reason]).toEqual(['Count', 1, [['service'], ['service', 'Reason']], 'NotDicom']);
  });

  it('METRICS=off prints none', async () => {
    process.env.METRICS = 'off';
    expect((await exportHandler(apiEvent('GET /files/{id}/png', { pathParameters: { id: 'not-a-uuid' } }), context)).statusCode).toBe(400);
    expect(emfLines()).toEqual([]);
  });
});
