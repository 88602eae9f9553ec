import { GetObjectCommand, HeadObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import { tombstoneKey } from '../../lib/storage/object-keys.js';
import { s3Body, s3Error, useS3Mock } from '../support/s3-mock.js';
import { handler } from '../../functions/header.js';
import { apiEvent, context, tenantOfCaller } from '../support/api-event.js';
import { makeImageDicom } from '../support/dicom-writer.js';
/** The tenant of the test caller (apiEvent's default, alice): every key of its files carries it. */
const T = tenantOfCaller('alice');

const s3 = useS3Mock();

const id = '6c9a1f4e-2b3d-4e5f-9a8b-7c6d5e4f3a2b';
// Every request asks whether the file was deleted (lib/files/file-state.ts assertNotDeleted): it was
// not, here, whatever a test answers for the other keys.
beforeEach(() => {
  s3.on(HeadObjectCommand, { Key: tombstoneKey({ tenant: T, id }) }).rejects(s3Error('NotFound', 404));
});
const key = `uploads/${T}/${id}.dcm`;
const body = s3Body;

/** Serves `file` for HEAD and ranged GETs the way S3 does (Range clamped to the object). */
function serve(file: Uint8Array): void {
  s3.on(HeadObjectCommand, { Key: key }).resolves({ ContentLength: file.length });
  s3.on(GetObjectCommand, { Key: key }).callsFake((input: { Range?: string }) => {
    const m = /^bytes=(\d+)-(\d+)$/.exec(input.Range ?? '');
    if (!m) throw new Error(`unexpected GET without a Range: ${input.Range}`);
    // As S3 answers a ranged GET: Content-Range names the object's size (a short read is a truncated file).
    const end = Math.min(Number(m[2]), file.length - 1);
    return { Body: body(file.slice(Number(m[1]), end + 1)), ContentRange: `bytes ${m[1]}-${end}/${file.length}` };
  });
}

const get = (routeKey: string, pathParameters: Record<string, string>, query = '', headers: Record<string, string> = {}) =>
  handler(apiEvent(routeKey, { pathParameters: { id, ...pathParameters }, query, headers }), context);
const error = (r: { body?: string }) => JSON.parse(r.body as string).error;

/** A 10 MiB image with a small header. */
const big = makeImageDicom({
  rows: 2560,
  columns: 2048,
  bitsAllocated: 16,
  pixel: () => 1,
  extra: [
    { tag: '00100010', vr: 'PN', value: 'Doe^Jane' },
    { tag: '00090010', vr: 'LO', value: 'ACME 1.0' },
    { tag: '00091001', vr: 'LO', value: 'private value' },
  ],
});

describe('header function', () => {
  it('reads the header with a first GET of bytes=0-65535, and never the pixel data', async () => {
    serve(big);
    const r = await get('GET /files/{id}/tags', {});
    expect(r.statusCode).toBe(200);
    expect(r.headers?.['content-type']).toMatch(/^application\/dicom\+json/);
    const gets = s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Range);
    expect(gets).toEqual(['bytes=0-65535']);
    const json = JSON.parse(r.body as string);
    expect(json['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'Doe^Jane' }] });
    expect(json['7FE00010'].BulkDataURI).toBe(`https://test.local/files/${id}/bulk/7FE00010`);
  });

  it('a bad tag is 400 InvalidTag before any S3 call (path and ?tag=)', async () => {
    serve(big);
    const r1 = await get('GET /files/{id}/tags/{tag}', { tag: 'NotAKeyword' });
    expect(r1.statusCode).toBe(400);
    expect(error(r1).code).toBe('InvalidTag');
    const r2 = await get('GET /files/{id}/tags', {}, 'tag=PatientName&tag=0010,00ZZ');
    expect(r2.statusCode).toBe(400);
    expect(error(r2).code).toBe('InvalidTag');
    const r3 = await get('GET /files/{id}/bulk/{path}', { path: '7FE00010.x' });
    expect(r3.statusCode).toBe(400);
    expect(s3.calls()).toHaveLength(0);
  });

  it('TagNotFound 404 for an element the file lacks', async () => {
    serve(big);
    const r = await get('GET /files/{id}/tags/{tag}', { tag: 'PatientBirthDate' });
    expect(r.statusCode).toBe(404);
    expect(error(r)).toMatchObject({ code: 'TagNotFound', tag: '00100030' });
  });

  it('a non-DICOM object is 422 NotDicom', async () => {
    serve(new TextEncoder().encode('%PDF-1.7 this is not a DICOM file, it is a PDF, and long enough to look at'.repeat(4)));
    const r = await get('GET /files/{id}/tags', {});
    expect(r.statusCode).toBe(422);
    expect(error(r).code).toBe('NotDicom');
  });

  it('a lying length is 422 MalformedDicom with the offset and tag, never a 5xx', async () => {
    const file = big.slice(0, 4096);
    const at = file.findIndex((_, i) => file[i] === 0x10 && file[i + 1] === 0 && file[i + 2] === 0x10 && file[i + 3] === 0 && file[i + 4] === 0x50);
    file[at + 6] = 0xff;
    file[at + 7] = 0x7f;
    serve(file);
    const r = await get('GET /files/{id}/tags', {});
    expect(r.statusCode).toBe(422);
    expect(error(r)).toMatchObject({ code: 'MalformedDicom', offset: at, tag: '00100010' });
  });

  it('?tag= keeps repeats apart, accepts private tags, answers only those', async () => {
    serve(big);
    const r = await get('GET /files/{id}/tags', {}, 'tag=PatientName&tag=00091001');
    expect(JSON.parse(r.body as string)).toEqual({
      '00091001': { vr: 'LO', Value: ['private value'] },
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Doe^Jane' }] },
    });
  });

  it('?tag= accepts every spelling the tag route does, group,element ones too, repeated or comma-separated', async () => {
    serve(big);
    const r = await get('GET /files/{id}/tags', {}, 'tag=0028,0011&tag=(0028,0010)&tag=x00100010,00091001');
    expect(r.statusCode).toBe(200);
    expect(Object.keys(JSON.parse(r.body as string))).toEqual(['00091001', '00100010', '00280010', '00280011']);
  });

  it('a private tag is answered with its private creator', async () => {
    serve(big);
    const r = await get('GET /files/{id}/tags/{tag}', { tag: '00091001' });
    expect(JSON.parse(r.body as string)).toEqual({ tag: '00091001', keyword: '', privateCreator: 'ACME 1.0', vr: 'LO', Value: ['private value'] });
  });

  it('bulk data: the pixel data range-read by offset and length, 4 MiB per response, Range gives 206', async () => {
    serve(big);
    const r1 = await get('GET /files/{id}/bulk/{path}', { path: '7FE00010' });
    expect(r1.statusCode).toBe(422);
    expect(error(r1).code).toBe('ImageTooLarge');
    s3.resetHistory();
    const r2 = await get('GET /files/{id}/bulk/{path}', { path: '7FE00010' }, '', { range: 'bytes=0-7' });
    expect(r2.statusCode).toBe(206);
    expect(r2.isBase64Encoded).toBe(true);
    expect([...Buffer.from(r2.body as string, 'base64')]).toEqual([1, 0, 1, 0, 1, 0, 1, 0]);
    expect(r2.headers?.['content-range']).toBe(`bytes 0-7/${2560 * 2048 * 2}`);
    const ranges = s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Range);
    expect(ranges[0]).toBe('bytes=0-65535');
    expect(ranges).toHaveLength(2);
  });

  it('S3 failing is 503 StorageUnavailable', async () => {
    s3.on(HeadObjectCommand).rejects(new S3ServiceException({ name: 'SlowDown', $fault: 'server', $metadata: { httpStatusCode: 503 } }));
    const r = await get('GET /files/{id}/tags', {});
    expect(r.statusCode).toBe(503);
  });
});
