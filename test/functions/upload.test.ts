import { DeleteObjectCommand, HeadObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DOCS_ASSETS } from '../../lib/http/docs-assets.js';
import { s3Error, useS3Mock } from '../support/s3-mock.js';
import { handler } from '../../functions/upload.js';
import { apiEvent, context, tenantOfCaller } from '../support/api-event.js';
/** The tenant of the test caller (apiEvent's default, alice): every key of its files carries it. */
const T = tenantOfCaller('alice');

const s3 = useS3Mock();

const notFound = () => s3Error('NotFound', 404);
const call = (e: ReturnType<typeof apiEvent>) => handler(e, context);

describe('upload function', () => {
  it('POST /files: 201 with a presigned PUT to a key made from a fresh UUID only', async () => {
    s3.on(PutObjectCommand).resolves({});
    const r = await call(apiEvent('POST /files', { body: JSON.stringify({ size: 2048, filename: 'PATIENT_NAME.dcm' }) }));
    expect(r.statusCode).toBe(201);
    const body = JSON.parse(r.body as string);
    const url = new URL(body.uploadUrl);
    expect(url.pathname).toMatch(new RegExp(`/uploads/${T}/${body.id}\\.dcm$`));
    expect(url.pathname).not.toMatch(/PATIENT/);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(body.headers).toEqual({ 'content-type': 'application/dicom', 'content-length': '2048', 'if-none-match': '*' });
    // Only the request record was written, under the same id.
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatchObject({ Bucket: 'unit-bucket', Key: `uploads/${T}/${body.id}.json` });
  });

  it('POST /files: 400 for bad JSON and 413 beyond 10 MiB, without touching S3', async () => {
    const bad = await call(apiEvent('POST /files', { body: '{"size":' }));
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body as string).error.code).toBe('InvalidRequest');
    const big = await call(apiEvent('POST /files', { body: '{"size": 10485761}' }));
    expect(big.statusCode).toBe(413);
    expect(JSON.parse(big.body as string).error.code).toBe('PayloadTooLarge');
    expect(s3.calls()).toHaveLength(0);
  });

  it('GET /files/{id}: size and upload time from S3; 404 when absent; 400 before S3 for a bad id', async () => {
    const id = '6f1c4a52-3b8e-4d5f-9a7b-2c1d0e9f8a7b';
    // Only the upload is there (no tombstone: the file was not deleted).
    s3.on(HeadObjectCommand).rejects(notFound());
    s3.on(HeadObjectCommand, { Key: `uploads/${T}/${id}.dcm` }).resolves({ ContentLength: 531324, LastModified: new Date('2026-01-02T03:04:05Z') });
    s3.on(GetObjectCommand).rejects(s3Error('NoSuchKey', 404));
    const ok = await call(apiEvent('GET /files/{id}', { pathParameters: { id } }));
    expect(ok.statusCode).toBe(200);
    expect(JSON.parse(ok.body as string)).toMatchObject({ id, size: 531324, uploadedAt: '2026-01-02T03:04:05.000Z' });

    s3.reset();
    s3.on(HeadObjectCommand).rejects(notFound());
    s3.on(GetObjectCommand).rejects(s3Error('NoSuchKey', 404));
    const missing = await call(apiEvent('GET /files/{id}', { pathParameters: { id } }));
    expect(missing.statusCode).toBe(404);

    s3.reset();
    const bad = await call(apiEvent('GET /files/{id}', { pathParameters: { id: '../uploads/x' } }));
    expect(bad.statusCode).toBe(400);
    expect(s3.calls()).toHaveLength(0);
  });

  it('DELETE /files/{id}: 204 after a tombstone and the deletes, only under the caller\'s tenant; 404 for an unknown id; 400 before S3', async () => {
    const id = '6f1c4a52-3b8e-4d5f-9a7b-2c1d0e9f8a7b';
    s3.on(HeadObjectCommand).rejects(notFound());
    s3.on(HeadObjectCommand, { Key: `uploads/${T}/${id}.dcm` }).resolves({ ContentLength: 10 });
    s3.on(GetObjectCommand).rejects(s3Error('NoSuchKey', 404));
    s3.on(PutObjectCommand).resolves({});
    s3.on(DeleteObjectCommand).resolves({});
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: `renders/${T}/${id}/v3-f1.png` }] });
    const r = await call(apiEvent('DELETE /files/{id}', { pathParameters: { id } }));
    expect(r.statusCode).toBe(204);
    expect(r.body).toBe('');
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);
    expect(puts).toEqual([`uploads/${T}/${id}.deleted`]);
    const deleted = s3.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input.Key).sort();
    expect(deleted).toEqual(
      [`uploads/${T}/${id}.dcm`, `uploads/${T}/${id}.json`, `uploads/${T}/${id}.summary.json`, `quarantine/${T}/${id}.dcm`, `renders/${T}/${id}/v3-f1.png`].sort(),
    );
    expect(s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.Prefix)).toEqual([`renders/${T}/${id}/`]);
    // Every key touched is of the caller's tenant.
    for (const c of s3.calls()) expect(JSON.stringify((c.args[0] as { input: unknown }).input)).toContain(T);

    s3.reset();
    s3.on(HeadObjectCommand).rejects(notFound());
    s3.on(GetObjectCommand).rejects(s3Error('NoSuchKey', 404));
    const missing = await call(apiEvent('DELETE /files/{id}', { pathParameters: { id } }));
    expect(missing.statusCode).toBe(404);
    expect(JSON.parse(missing.body as string).error.code).toBe('FileNotFound');
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(s3.commandCalls(DeleteObjectCommand)).toHaveLength(0);

    s3.reset();
    const bad = await call(apiEvent('DELETE /files/{id}', { pathParameters: { id: '../uploads/x' } }));
    expect(bad.statusCode).toBe(400);
    expect(s3.calls()).toHaveLength(0);
  });

  it('GET /docs: a Swagger UI page whose stylesheets and scripts are all relative (no CDN), each served by GET /docs/{asset}', async () => {
    const page = await call(apiEvent('GET /docs'));
    expect(page.statusCode).toBe(200);
    expect(page.headers?.['content-type']).toMatch(/^text\/html/);
    const html = page.body as string;
    const refs = [...html.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    expect(refs.length).toBe(Object.keys(DOCS_ASSETS).length);
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
    for (const ref of refs) {
      const asset = new URL(ref, 'https://api.example/docs').pathname.match(/^\/docs\/([^/]+)$/)?.[1];
      expect(asset, ref).toBeDefined();
      const r = await call(apiEvent('GET /docs/{asset}', { pathParameters: { asset: asset! } }));
      expect(r.statusCode, ref).toBe(200);
      expect(r.headers?.['content-type'], ref).toBe(DOCS_ASSETS[asset as keyof typeof DOCS_ASSETS]);
      expect(r.headers?.['cache-control'], ref).toMatch(/max-age=31536000/);
      expect(r.body, ref).toBe(readFileSync(`node_modules/swagger-ui-dist/${asset}`, 'utf8'));
    }
    expect(html).toContain('swagger-ui.css');
    expect(html).toContain('swagger-ui-bundle.js');
    expect(s3.calls()).toHaveLength(0);
  });

  it('GET /docs/{asset}: gzipped when accepted; any name off the allow-list is 404 NotFound JSON', async () => {
    const gz = await call(apiEvent('GET /docs/{asset}', { pathParameters: { asset: 'swagger-ui.css' }, headers: { 'accept-encoding': 'br, gzip;q=0.8' } }));
    expect(gz.statusCode).toBe(200);
    expect(gz.headers?.['content-encoding']).toBe('gzip');
    expect(gz.isBase64Encoded).toBe(true);
    expect(gunzipSync(Buffer.from(gz.body as string, 'base64')).equals(readFileSync('node_modules/swagger-ui-dist/swagger-ui.css'))).toBe(true);
    for (const acceptEncoding of ['gzip;q=0', '*;q=1, gzip;q=0', 'br', '']) {
      const plain = await call(apiEvent('GET /docs/{asset}', { pathParameters: { asset: 'swagger-ui.css' }, headers: { 'accept-encoding': acceptEncoding } }));
      expect(plain.headers?.['content-encoding'], acceptEncoding).toBeUndefined();
      expect(plain.isBase64Encoded, acceptEncoding).toBeFalsy();
    }
    const any = await call(apiEvent('GET /docs/{asset}', { pathParameters: { asset: 'swagger-ui.css' }, headers: { 'accept-encoding': '*' } }));
    expect(any.headers?.['content-encoding']).toBe('gzip');
    for (const asset of ['index.html', 'package.json', '../../package.json', '..%2Fpackage.json', 'swagger-ui.js', 'constructor', '__proto__', '']) {
      const r = await call(apiEvent('GET /docs/{asset}', { pathParameters: { asset } }));
      expect(r.statusCode, asset).toBe(404);
      expect(r.headers?.['content-type'], asset).toMatch(/^application\/json/);
      expect(JSON.parse(r.body as string).error.code, asset).toBe('NotFound');
    }
  });

  it('GET /openapi serves the contract', async () => {
    const r = await call(apiEvent('GET /openapi'));
    expect(r.statusCode).toBe(200);
    expect(r.headers?.['content-type']).toMatch(/yaml/);
    expect(r.body).toMatch(/\/files\/\{id\}\/png/);
  });
});
