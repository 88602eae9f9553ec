import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { PNG } from 'pngjs';
import { beforeEach, describe, expect, it } from 'vitest';
import { tombstoneKey } from '../../lib/storage/object-keys.js';
import { s3Body, s3Error, useS3Mock } from '../support/s3-mock.js';
import { handler } from '../../functions/export.js';
import { apiEvent, context, tenantOfCaller } from '../support/api-event.js';
import { makeImageDicom } from '../support/dicom-writer.js';
import { INLINE_PNG_MAX_BYTES } from '../../lib/export/inline-png.js';
/** The tenant of the test caller (apiEvent's default, alice): every key of its files carries it. */
const T = tenantOfCaller('alice');

const s3 = useS3Mock();

const id = '0b7e3f52-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
// Every request asks whether the file was deleted (lib/files/file-state.ts assertNotDeleted): it was
// not, here, whatever a test answers for the other keys.
beforeEach(() => {
  s3.on(HeadObjectCommand, { Key: tombstoneKey({ tenant: T, id }) }).rejects(s3Error('NotFound', 404));
});
/** Every HEAD finds `out` (a cached render), but for the tombstone: a later generic answer replaces the specific one. */
const headEveryKeyButTombstone = (out: { ContentLength: number; Metadata?: Record<string, string> }) => {
  s3.on(HeadObjectCommand).resolves(out);
  s3.on(HeadObjectCommand, { Key: tombstoneKey({ tenant: T, id }) }).rejects(s3Error('NotFound', 404));
};
const notFound = () => s3Error('NotFound', 404);
const body = s3Body;
const png = (query = '', accept = 'application/json') =>
  handler(apiEvent('GET /files/{id}/png', { pathParameters: { id }, query, headers: { accept } }), context);

const fixture = makeImageDicom({
  rows: 2,
  columns: 3,
  bitsAllocated: 16,
  pixelRepresentation: 1,
  window: { center: 0, width: 100 },
  pixel: (_f, r, c) => (r * 3 + c) * 20 - 50,
});

describe('export function', () => {
  it('renders on a miss, stores the PNG under the normalised key, and presigns it', async () => {
    s3.on(HeadObjectCommand).rejects(notFound());
    s3.on(HeadObjectCommand, { Key: `uploads/${T}/${id}.dcm` }).resolves({ ContentLength: fixture.length });
    s3.on(GetObjectCommand, { Key: `uploads/${T}/${id}.dcm` }).resolves({ Body: body(fixture) as never });
    s3.on(PutObjectCommand).resolves({});

    const r = await png('window=0,100');
    expect(r.statusCode).toBe(200);
    const out = JSON.parse(r.body as string);
    expect(out).toMatchObject({ cached: false, width: 3, height: 2, frame: 1, bitDepth: 8 });
    expect(new URL(out.url).pathname).toMatch(new RegExp(`/renders/${T}/${id}/`));

    const put = s3.commandCalls(PutObjectCommand)[0].args[0].input;
    expect(put.Key).toMatch(new RegExp(`^renders/${T}/${id}/v\\d+-f1-b8-w0_100_linear\\.png$`));
    expect(put.ContentType).toBe('image/png');
    const image = PNG.sync.read(Buffer.from(put.Body as Uint8Array));
    expect([image.width, image.height]).toEqual([3, 2]);
    // Stored -50 is below the window [−50, 50): black; +50 is the top: white.
    expect(image.data[0]).toBe(0);
    expect(image.data[4 * 5]).toBe(255);
  });

  it('on a hit neither downloads the DICOM nor renders', async () => {
    headEveryKeyButTombstone({ ContentLength: 123, Metadata: { width: '3', height: '2' } });
    const r = await png('window=0,100');
    expect(JSON.parse(r.body as string)).toMatchObject({ cached: true, width: 3, height: 2 });
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('answers 303 with the presigned URL when neither JSON nor image/png itself is asked for', async () => {
    headEveryKeyButTombstone({ ContentLength: 123, Metadata: { width: '3', height: '2' } });
    for (const accept of ['*/*', 'image/*', '', 'image/png;q=0', 'text/html, image/png;q=0.0']) {
      const r = await png('', accept);
      expect(r.statusCode, accept).toBe(303);
      expect(r.headers?.location, accept).toMatch(/X-Amz-Signature=/);
    }
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('answers Accept: image/png with the PNG itself on a miss, without waiting for a cache copy of a quick render', async () => {
    s3.on(HeadObjectCommand).rejects(notFound());
    s3.on(HeadObjectCommand, { Key: `uploads/${T}/${id}.dcm` }).resolves({ ContentLength: fixture.length });
    s3.on(GetObjectCommand, { Key: `uploads/${T}/${id}.dcm` }).resolves({ Body: body(fixture) as never });
    s3.on(PutObjectCommand).resolves({});
    for (const accept of ['image/png', 'IMAGE/PNG', 'image/png;q=0.5, */*;q=0.1', 'image/webp, image/png ; q=1']) {
      const r = await png('window=0,100', accept);
      expect(r.statusCode, accept).toBe(200);
      expect(r.isBase64Encoded).toBe(true);
      expect(r.headers).toMatchObject({ 'content-type': 'image/png', 'cache-control': 'private, max-age=300', vary: 'accept', 'x-render-cache': 'miss' });
      const image = PNG.sync.read(Buffer.from(r.body as string, 'base64'));
      expect([image.width, image.height]).toEqual([3, 2]);
      expect(image.data[0]).toBe(0);
      expect(image.data[4 * 5]).toBe(255);
    }
    // A 3 x 2 render is far below INLINE_CACHE_WRITE_MIN_RENDER_MS: no PUT delays the answer.
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('keeps the 303 for Accept: image/png on a hit: the cached copy is not read into the answer', async () => {
    headEveryKeyButTombstone({ ContentLength: 123, Metadata: { width: '3', height: '2' } });
    const r = await png('window=0,100', 'image/png');
    expect(r.statusCode).toBe(303);
    expect(r.headers?.location).toMatch(/X-Amz-Signature=/);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('keeps the 303 for Accept: image/png when the cached PNG is over the inline limit', async () => {
    headEveryKeyButTombstone({ ContentLength: INLINE_PNG_MAX_BYTES + 1, Metadata: { width: '3', height: '2' } });
    const r = await png('window=0,100', 'image/png');
    expect(r.statusCode).toBe(303);
    expect(r.headers?.location).toMatch(/X-Amz-Signature=/);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('keeps JSON when application/json is asked for beside image/png', async () => {
    headEveryKeyButTombstone({ ContentLength: 123, Metadata: { width: '3', height: '2' } });
    const r = await png('', 'image/png, application/json');
    expect(r.statusCode).toBe(200);
    expect(JSON.parse(r.body as string)).toMatchObject({ cached: true, width: 3, height: 2 });
  });

  it('is 503 StorageUnavailable, and caches nothing, when S3 keeps failing', async () => {
    s3.on(HeadObjectCommand).rejects(s3Error('SlowDown', 503));
    const r = await png();
    expect(r.statusCode).toBe(503);
    expect(JSON.parse(r.body as string).error.code).toBe('StorageUnavailable');
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('answers bitDepth=16 and window= on an 8-bit colour image with 400 InvalidParameter, storing nothing', async () => {
    const rgb = makeImageDicom({ rows: 1, columns: 2, bitsAllocated: 8, photometric: 'RGB', pixel: (_f, _r, c, s) => c * 100 + s });
    s3.on(HeadObjectCommand).rejects(notFound());
    s3.on(HeadObjectCommand, { Key: `uploads/${T}/${id}.dcm` }).resolves({ ContentLength: rgb.length });
    s3.on(GetObjectCommand, { Key: `uploads/${T}/${id}.dcm` }).resolves({ Body: body(rgb) as never });
    s3.on(PutObjectCommand).resolves({});
    for (const [query, why] of [
      ['bitDepth=16', /^A 16-bit PNG \(bitDepth=16\) is for greyscale images.*8-bit RGB/],
      ['window=40,400', /^The window parameter applies to greyscale images; this image is RGB/],
    ] as const) {
      const r = await png(query);
      expect(r.statusCode, query).toBe(400);
      const { error } = JSON.parse(r.body as string);
      expect(error.code, query).toBe('InvalidParameter');
      expect(error.message, query).toMatch(why);
    }
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('rejects bad parameters before touching S3', async () => {
    const r = await png('frame=abc');
    expect(r.statusCode).toBe(400);
    expect(s3.calls()).toHaveLength(0);
  });
});
