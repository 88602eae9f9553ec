/**
 * GET /files/{id}/png with `Accept: image/png` over real HTTP (local server + embedded S3):
 * the PNG in the response itself, the same picture the 303 leads to.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalService, startLocal } from '../../local/server.js';
import { makeImageDicom } from '../support/dicom-writer.js';
import { tokenFor, withToken } from '../support/local-token.js';

let svc: LocalService;
let dataDir: string;
let id: string;
let token: string;

/** The API with a token of the local issuer on every call. */
const api = (path: string, init?: RequestInit) => fetch(`${svc.url}${path}`, withToken(token, { redirect: 'manual', ...init }));

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'dicom-inline-'));
  delete process.env.AWS_ENDPOINT_URL_S3;
  delete process.env.BUCKET_NAME;
  svc = await startLocal({ port: 0, s3Port: 0, dataDir, bucket: 'inline-bucket' });
  token = await tokenFor(svc, 'alice');
  const bytes = makeImageDicom({ rows: 4, columns: 5, bitsAllocated: 16, pixelRepresentation: 1, window: { center: 0, width: 100 }, pixel: (_f, r, c) => (r * 5 + c) * 10 - 100 });
  const res = await api('/files', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ size: bytes.length }) });
  const created = (await res.json()) as { id: string; uploadUrl: string; headers: Record<string, string> };
  const put = await fetch(created.uploadUrl, { method: 'PUT', headers: created.headers, body: Buffer.from(bytes) });
  expect(put.status).toBe(200);
  id = created.id;
  for (let i = 0; i < 200; i++) {
    const info = (await (await api(`/files/${id}`)).json()) as { status: string };
    if (info.status === 'ready') return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the upload was not processed');
});

afterAll(async () => {
  await svc?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function viaRedirect(query: string): Promise<Buffer> {
  const res = await api(`/files/${id}/png${query}`, { headers: { accept: '*/*' } });
  expect(res.status).toBe(303);
  expect(res.headers.get('vary')).toBe('accept');
  const img = await fetch(res.headers.get('location') ?? '');
  expect(img.status).toBe(200);
  return Buffer.from(await img.arrayBuffer());
}

describe('GET /files/{id}/png with Accept: image/png', () => {
  it('answers a new window with the PNG itself, the same picture the 303 leads to', async () => {
    const res = await api(`/files/${id}/png?window=10,60`, { headers: { accept: 'image/png' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('cache-control')).toBe('private, max-age=300');
    expect(res.headers.get('vary')).toBe('accept');
    expect(res.headers.get('x-render-cache')).toBe('miss');
    const inline = PNG.sync.read(Buffer.from(await res.arrayBuffer()));
    expect([inline.width, inline.height]).toEqual([5, 4]);
    const redirected = PNG.sync.read(await viaRedirect('?window=10,60'));
    expect(inline.data.equals(redirected.data)).toBe(true);
  });

  it('keeps the 303 for a rendering already cached (the pre-rendered default)', async () => {
    const res = await api(`/files/${id}/png`, { headers: { accept: 'text/html;q=0.9, image/png' } });
    expect(res.status).toBe(303);
    const img = await fetch(res.headers.get('location') ?? '');
    expect(img.headers.get('content-type')).toBe('image/png');
    expect(PNG.sync.read(Buffer.from(await img.arrayBuffer())).width).toBe(5);
  });

  it('keeps JSON for application/json and the 303 for image/png;q=0', async () => {
    const json = await api(`/files/${id}/png?window=11,60`, { headers: { accept: 'application/json' } });
    expect(json.status).toBe(200);
    expect(await json.json()).toMatchObject({ cached: false, width: 5, height: 4 });
    const refused = await api(`/files/${id}/png?window=12,60`, { headers: { accept: 'image/png;q=0' } });
    expect(refused.status).toBe(303);
  });

  it('answers errors as JSON whatever the Accept', async () => {
    const res = await api(`/files/${id}/png?frame=9`, { headers: { accept: 'image/png' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('FrameNotFound');
  });
});
