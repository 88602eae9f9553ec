/**
 * The whole product path over real HTTP: the local server (the same handlers Lambda runs)
 * in front of the embedded S3 API server, which verifies SigV4 like S3 does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetConfig } from '../../lib/config.js';
import { type LocalService, startLocal } from '../../local/server.js';
import { tenantOfSubject, tokenFor, withToken } from '../support/local-token.js';
import { makeImageDicom, writeDicom } from '../support/dicom-writer.js';

let svc: LocalService;
let token: string;
/** alice's tenant segment: every key of her files carries it. */
let T: string;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'dicom-it-'));
  delete process.env.AWS_ENDPOINT_URL_S3;
  delete process.env.BUCKET_NAME;
  svc = await startLocal({ port: 0, s3Port: 0, dataDir, bucket: 'integration-bucket' });
  token = await tokenFor(svc, 'alice');
  T = tenantOfSubject(svc, 'alice');
});

afterAll(async () => {
  await svc?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The API with a token of the local issuer on every call. */
const api = (path: string, init?: RequestInit) => fetch(`${svc.url}${path}`, withToken(token, { redirect: 'manual', ...init }));
const post = (body: string) => api('/files', { method: 'POST', headers: { 'content-type': 'application/json' }, body });

async function errorOf(res: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  expect(typeof body.error.message).toBe('string');
  expect(JSON.stringify(body)).not.toMatch(/\n\s+at /);
  return { status: res.status, code: body.error.code, message: body.error.message };
}

interface Created {
  id: string;
  uploadUrl: string;
  method: string;
  headers: Record<string, string>;
  expiresAt: string;
}

async function upload(bytes: Uint8Array): Promise<string> {
  const res = await post(JSON.stringify({ size: bytes.length, filename: 'fixture.dcm' }));
  expect(res.status).toBe(201);
  const created = (await res.json()) as Created;
  const put = await fetch(created.uploadUrl, { method: "PUT", headers: created.headers, body: Buffer.from(bytes) });
  expect(put.status).toBe(200);
  return created.id;
}

const ct = () =>
  makeImageDicom({
    rows: 4,
    columns: 5,
    bitsAllocated: 16,
    bitsStored: 12,
    pixelRepresentation: 0,
    window: { center: 1000, width: 2000 },
    rescale: { slope: 1, intercept: -1024 },
    frames: 2,
    pixel: (f, r, c) => (f === 0 ? r * 500 + c * 100 : 4095 - (r * 500 + c * 100)),
  });

describe('POST /files and the presigned PUT', () => {
  it('returns a presigned PUT that S3 accepts for exactly the declared length', async () => {
    const res = await post(JSON.stringify({ size: 10, filename: 'x.dcm' }));
    expect(res.status).toBe(201);
    const c = (await res.json()) as Created;
    expect(c).toMatchObject({ method: 'PUT', headers: { 'content-type': 'application/dicom', 'content-length': '10', 'if-none-match': '*' } });
    expect(c.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(c.expiresAt) - Date.now()).toBeGreaterThan(800_000);
    expect(new URL(c.uploadUrl).pathname).toContain(`uploads/${T}/${c.id}.dcm`);

    const longer = await fetch(c.uploadUrl, { method: 'PUT', headers: { ...c.headers, 'content-length': '11' }, body: new Uint8Array(11) });
    expect(longer.status).toBe(403);
    const otherType = await fetch(c.uploadUrl, { method: 'PUT', headers: { ...c.headers, 'content-type': 'image/png' }, body: new Uint8Array(10) });
    expect(otherType.status).toBe(403);
    // Refused PUTs store nothing: the URL was issued, the upload is still awaited.
    const awaiting = await api(`/files/${c.id}`);
    expect(awaiting.status).toBe(200);
    expect(await awaiting.json()).toEqual({ id: c.id, status: 'awaiting-upload', size: 10, uploadedAt: null, filename: 'x.dcm' });
    const ok = await fetch(c.uploadUrl, { method: 'PUT', headers: c.headers, body: new Uint8Array(10) });
    expect(ok.status).toBe(200);

    // Ten zero bytes are not DICOM: the upload processor rejects them (pending until it has run).
    let info: Record<string, unknown> = {};
    for (let i = 0; i < 100; i++) {
      const res = await api(`/files/${c.id}`);
      expect(res.status).toBe(200);
      info = (await res.json()) as Record<string, unknown>;
      expect(['pending', 'rejected']).toContain(info.status);
      if (info.status !== 'pending') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(info).toMatchObject({ id: c.id, size: 10, filename: 'x.dcm', status: 'rejected', reason: { code: 'NotDicom' } });
  });

  it('writes an upload once: the URL cannot replace stored bytes (If-None-Match: *, 412) nor be used without the header (403)', async () => {
    const first = ct();
    const c = (await (await post(JSON.stringify({ size: first.length }))).json()) as Created;
    const { 'if-none-match': _, ...withoutCondition } = c.headers;
    expect((await fetch(c.uploadUrl, { method: 'PUT', headers: withoutCondition, body: Buffer.from(first) })).status).toBe(403);
    expect((await fetch(c.uploadUrl, { method: 'PUT', headers: c.headers, body: Buffer.from(first) })).status).toBe(200);
    const other = Buffer.from(first).fill(0x41, first.length - 8);
    const again = await fetch(c.uploadUrl, { method: 'PUT', headers: c.headers, body: other });
    expect(again.status).toBe(412);
    expect(await again.text()).toContain('<Code>PreconditionFailed</Code>');
    const stored = await api(`/files/${c.id}/tags/00280010`);
    expect(stored.status).toBe(200);
    const s3 = new S3Client({ endpoint: svc.s3?.endpoint, forcePathStyle: true, region: 'us-east-1' });
    const body = await (await s3.send(new GetObjectCommand({ Bucket: process.env.BUCKET_NAME, Key: `uploads/${T}/${c.id}.dcm` }))).Body!.transformToByteArray();
    expect(Buffer.from(body).equals(Buffer.from(first))).toBe(true);
  });

  it('refuses a changed signature and the same signature on another key', async () => {
    const c = (await (await post('{"size": 4}')).json()) as Created;
    const tampered = new URL(c.uploadUrl);
    const sig = tampered.searchParams.get('X-Amz-Signature') ?? '';
    tampered.searchParams.set('X-Amz-Signature', (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1));
    expect((await fetch(tampered, { method: 'PUT', headers: c.headers, body: new Uint8Array(4) })).status).toBe(403);
    const otherKey = new URL(c.uploadUrl);
    otherKey.pathname = otherKey.pathname.replace(c.id, '00000000-0000-4000-8000-000000000000');
    expect((await fetch(otherKey, { method: 'PUT', headers: c.headers, body: new Uint8Array(4) })).status).toBe(403);
  });

  it('refuses an expired URL', async () => {
    process.env.UPLOAD_URL_TTL_SECONDS = '1';
    resetConfig();
    try {
      const c = (await (await post('{"size": 4}')).json()) as Created;
      await new Promise((r) => setTimeout(r, 2100));
      expect((await fetch(c.uploadUrl, { method: 'PUT', headers: c.headers, body: new Uint8Array(4) })).status).toBe(403);
    } finally {
      delete process.env.UPLOAD_URL_TTL_SECONDS;
      resetConfig();
    }
  });

  it.each([
    ['not json', 'InvalidRequest', 400],
    ['{}', 'InvalidRequest', 400],
    ['{"size": 0}', 'InvalidRequest', 400],
    ['{"size": "12"}', 'InvalidRequest', 400],
    ['{"size": 2.5}', 'InvalidRequest', 400],
    ['{"size": 10485761}', 'PayloadTooLarge', 413],
  ])('POST /files %s -> %s', async (body, code, status) => {
    expect(await errorOf(await post(body))).toMatchObject({ status, code });
  });

  it('accepts exactly 10 MiB', async () => {
    expect((await post('{"size": 10485760}')).status).toBe(201);
  });
});

describe('GET /files/{id}', () => {
  it('is 400 for an id that is not a UUID and 404 for an unknown one', async () => {
    expect(await errorOf(await api('/files/..%2F..%2Fsecret'))).toMatchObject({ status: 400, code: 'InvalidFileId' });
    expect(await errorOf(await api('/files/not-a-uuid'))).toMatchObject({ status: 400, code: 'InvalidFileId' });
    expect(await errorOf(await api('/files/6f1c4a52-3b8e-4d5f-9a7b-2c1d0e9f8a7b'))).toMatchObject({ status: 404, code: 'FileNotFound' });
  });

  it('answers unknown routes and methods with JSON errors', async () => {
    expect(await errorOf(await api('/nope'))).toMatchObject({ status: 404, code: 'NotFound' });
    expect(await errorOf(await api('/files', { method: 'DELETE' }))).toMatchObject({ status: 405, code: 'MethodNotAllowed' });
  });
});

describe('GET /files/{id}/tags', () => {
  let id: string;
  beforeAll(async () => {
    id = await upload(ct());
  });

  it.each(['00100010', '0010,0010', '(0010,0010)', 'x00100010', 'X00100010', '(0010%2C0010)', 'PatientName'])(
    'reads Patient Name written %s',
    async (spelling) => {
      const res = await api(`/files/${id}/tags/${spelling}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ tag: '00100010', keyword: 'PatientName', vr: 'PN', Value: [{ Alphabetic: 'Test^Fixture' }] });
    },
  );

  it('gives numbers for US and all values of a multi-valued element', async () => {
    expect(await (await api(`/files/${id}/tags/Rows`)).json()).toMatchObject({ tag: '00280010', vr: 'US', Value: [4] });
    expect(await (await api(`/files/${id}/tags/00080008`)).json()).toMatchObject({ vr: 'CS', Value: ['DERIVED', 'SECONDARY'] });
    expect(await (await api(`/files/${id}/tags/WindowCenter`)).json()).toMatchObject({ vr: 'DS', Value: [1000] });
  });

  it('returns the whole header as the DICOM JSON model without the pixel data value', async () => {
    const res = await api(`/files/${id}/tags`);
    expect(res.status).toBe(200);
    const header = (await res.json()) as Record<string, { vr: string; Value?: unknown[]; InlineBinary?: string }>;
    expect(header['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'Test^Fixture' }] });
    expect(header['00280011']).toEqual({ vr: 'US', Value: [5] });
    expect(header['7FE00010']?.InlineBinary).toBeUndefined();
    expect(header['7FE00010']?.Value).toBeUndefined();
  });

  it.each([
    ['zzzz', 400, 'InvalidTag'],
    ['0010001', 400, 'InvalidTag'],
    ['NoSuchKeyword', 400, 'InvalidTag'],
    ['00091234', 404, 'TagNotFound'],
  ])('tag %s -> %i %s', async (tag, status, code) => {
    expect(await errorOf(await api(`/files/${id}/tags/${tag}`))).toMatchObject({ status, code });
  });

  it('is 404 FileNotFound for a file never uploaded and 422 NotDicom for other bytes', async () => {
    expect(await errorOf(await api('/files/6f1c4a52-3b8e-4d5f-9a7b-2c1d0e9f8a7b/tags/00100010'))).toMatchObject({ status: 404, code: 'FileNotFound' });
    const png = await upload(new TextEncoder().encode('\x89PNG\r\n\x1a\n this is not a DICOM file at all, just some bytes'.repeat(4)));
    expect(await errorOf(await api(`/files/${png}/tags`))).toMatchObject({ status: 422, code: 'NotDicom' });
    expect(await errorOf(await api(`/files/${png}/tags/00100010`))).toMatchObject({ status: 422, code: 'NotDicom' });
  });

  it('is a 4xx, never a 5xx, for a truncated file and a lying length', async () => {
    const whole = ct();
    const truncated = await upload(whole.slice(0, 300));
    const r1 = await api(`/files/${truncated}/tags`);
    expect(r1.status).toBeGreaterThanOrEqual(400);
    expect(r1.status).toBeLessThan(500);
    const lying = writeDicom({ elements: [{ tag: '00100010', vr: 'PN', value: 'A^B' }] });
    // Make the Patient Name's 16-bit length claim far more bytes than the file holds.
    const at = lying.length - 4 - 2;
    lying[at] = 0xff;
    lying[at + 1] = 0x7f;
    const lyingId = await upload(lying);
    const r2 = await api(`/files/${lyingId}/tags`);
    expect(r2.status).toBe(422);
  });
});

describe('GET /files/{id}/png', () => {
  let id: string;
  beforeAll(async () => {
    id = await upload(ct());
  });

  async function fetchPng(query: string): Promise<PNG> {
    const res = await api(`/files/${id}/png${query}`);
    expect(res.status).toBe(303);
    const location = res.headers.get('location') ?? '';
    const img = await fetch(location);
    expect(img.status).toBe(200);
    return PNG.sync.read(Buffer.from(await img.arrayBuffer()));
  }

  it('303s to a PNG rendered with the file window', async () => {
    const png = await fetchPng('');
    expect([png.width, png.height]).toEqual([5, 4]);
    // Stored 0 -> HU -1024, below the window [0, 2000]: black. Stored 1900 -> 876 HU: (876-0)/2000*255 ~ 112.
    expect(png.data[0]).toBe(0);
  });

  it('renders another frame, a query window and 16 bits', async () => {
    const f2 = await fetchPng('?frame=2');
    const f1 = await fetchPng('?frame=1');
    expect(f2.data[0]).not.toBe(f1.data[0]);
    const wide = await fetchPng('?window=1000,6000');
    expect(wide.data[0]).toBeGreaterThan(0);
    const deep = await api(`/files/${id}/png?bitDepth=16`, { headers: { accept: 'application/json' } });
    expect(await deep.json()).toMatchObject({ bitDepth: 16, width: 5, height: 4 });
  });

  it('serves an identical request from the cache; once the DICOM is gone, not even a cached render', async () => {
    const own = await upload(ct());
    const json = { headers: { accept: 'application/json' } };
    const first = await api(`/files/${own}/png?window=40,400`, json);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ cached: false, width: 5, height: 4, frame: 1, bitDepth: 8 });
    const second = await api(`/files/${own}/png?window=40.0,400,LINEAR`, json);
    const body = (await second.json()) as { cached: boolean; url: string; width: number };
    expect(body).toMatchObject({ cached: true, width: 5 });
    const img = await fetch(body.url);
    expect(img.headers.get('content-type')).toBe('image/png');
    expect(PNG.sync.read(Buffer.from(await img.arrayBuffer())).width).toBe(5);
    // The source removed (as a lifecycle expiry does): every request answers 404, the identical
    // one too, since each asks S3 whether the upload is still there (lib/files/file-state.ts).
    const s3 = new S3Client({ endpoint: svc.s3?.endpoint, forcePathStyle: true, region: 'us-east-1' });
    await s3.send(new DeleteObjectCommand({ Bucket: 'integration-bucket', Key: `uploads/${T}/${own}.dcm` }));
    expect((await api(`/files/${own}/png?window=40,400`, json)).status).toBe(404);
    expect((await api(`/files/${own}/png?window=40,401`, json)).status).toBe(404);
  });

  it.each([
    ['?frame=3', 404, 'FrameNotFound'],
    ['?frame=0', 400, 'InvalidParameter'],
    ['?window=abc', 400, 'InvalidParameter'],
    ['?bitDepth=7', 400, 'InvalidParameter'],
    ['?evil=%00%FF', 400, 'InvalidParameter'],
  ])('%s -> %i %s', async (query, status, code) => {
    expect(await errorOf(await api(`/files/${id}/png${query}`))).toMatchObject({ status, code });
  });

  it('names what it cannot render with a 422', async () => {
    const notDicom = await upload(new TextEncoder().encode('hello, this is plainly not DICOM '.repeat(10)));
    expect(await errorOf(await api(`/files/${notDicom}/png`))).toMatchObject({ status: 422, code: 'NotDicom' });

    const noPixels = await upload(writeDicom({ elements: [{ tag: '00100010', vr: 'PN', value: 'No^Pixels' }] }));
    expect(await errorOf(await api(`/files/${noPixels}/png`))).toMatchObject({ status: 422, code: 'NoPixelData' });

    const jpeg2000 = await upload(
      writeDicom({
        transferSyntaxUid: '1.2.840.10008.1.2.4.100',
        elements: [
          { tag: '00280002', vr: 'US', value: 1 },
          { tag: '00280004', vr: 'CS', value: 'MONOCHROME2' },
          { tag: '00280010', vr: 'US', value: 2 },
          { tag: '00280011', vr: 'US', value: 2 },
          { tag: '00280100', vr: 'US', value: 8 },
          { tag: '00280101', vr: 'US', value: 8 },
          { tag: '00280102', vr: 'US', value: 7 },
          { tag: '00280103', vr: 'US', value: 0 },
          { tag: '7FE00010', vr: 'OB', value: new Uint8Array(4) },
        ],
      }),
    );
    const e = await errorOf(await api(`/files/${jpeg2000}/png`));
    expect(e).toMatchObject({ status: 422, code: 'UnsupportedTransferSyntax' });
    expect(e.message).toContain('1.2.840.10008.1.2.4.100');

    // Cut 10 bytes into frame 2 of 2 (issue 14): frame 1 is whole and renders, frame 2 is 422 TruncatedPixelData.
    const truncated = await upload(ct().slice(0, -10));
    expect((await api(`/files/${truncated}/png`)).status).toBe(303);
    const cut = await errorOf(await api(`/files/${truncated}/png?frame=2`));
    expect(cut).toMatchObject({ status: 422, code: 'TruncatedPixelData' });
  });

  it('is 404 for a file never uploaded and 400 for a bad id', async () => {
    expect(await errorOf(await api('/files/6f1c4a52-3b8e-4d5f-9a7b-2c1d0e9f8a7b/png'))).toMatchObject({ status: 404, code: 'FileNotFound' });
    expect(await errorOf(await api('/files/123/png'))).toMatchObject({ status: 400, code: 'InvalidFileId' });
  });
});

describe('the contract', () => {
  it('serves openapi.yaml and the docs page', async () => {
    const res = await api('/openapi');
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^openapi: 3/m);
    expect((await api('/docs')).headers.get('content-type')).toMatch(/text\/html/);
  });

  it('serves the docs page its Swagger UI files itself (gzipped as fetch asks), and 404 JSON for any other name', async () => {
    const css = await api('/docs/swagger-ui.css?v=1');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(css.headers.get('content-encoding')).toBe('gzip');
    expect(await css.text()).toContain('.swagger-ui');
    const js = await api('/docs/swagger-ui-bundle.js');
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await js.text()).toContain('SwaggerUIBundle');
    expect(await errorOf(await api('/docs/index.html'))).toMatchObject({ status: 404, code: 'NotFound' });
    expect(await errorOf(await api('/docs/..%2Fpackage.json'))).toMatchObject({ status: 404, code: 'NotFound' });
  });
});
