/**
 * DELETE /files/{id} over real HTTP (issue 11): the local server with its issuer, the same
 * handlers Lambda runs, the embedded S3 and its upload notifications driving the processor.
 * The default MEMO_TTL_SECONDS (60 s): a warm header or export container remembers a ready file, and
 * must still answer 404 right after its deletion (README, Authentication and tenants).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetConfig } from '../../lib/config.js';
import { type LocalService, startLocal } from '../../local/server.js';
import { makeImageDicom } from '../support/dicom-writer.js';
import { tokenFor, withToken } from '../support/local-token.js';
import { fileRoutes } from '../support/file-routes.js';

const ENV = ['AUTH', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_JWKS_URL', 'TENANT_CLAIM', 'AWS_ENDPOINT_URL_S3', 'BUCKET_NAME', 'MEMO_TTL_SECONDS'] as const;
const savedEnv = Object.fromEntries(ENV.map((n) => [n, process.env[n]]));

const ct = (seed = 0) =>
  makeImageDicom({ rows: 4, columns: 5, bitsAllocated: 16, bitsStored: 12, window: { center: 1000, width: 2000 }, pixel: (_f, r, c) => r * 500 + c * 100 + seed });

const ROUTES = fileRoutes;

describe('DELETE /files/{id} over real HTTP', () => {
  let svc: LocalService;
  let dataDir: string;
  let alice: string;
  let bob: string;

  const upload = async (token: string, bytes: Uint8Array): Promise<string> => {
    const res = await fetch(`${svc.url}/files`, withToken(token, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ size: bytes.length }) }));
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string; uploadUrl: string; headers: Record<string, string> };
    expect((await fetch(created.uploadUrl, { method: 'PUT', headers: created.headers, body: Buffer.from(bytes) })).status).toBe(200);
    return created.id;
  };
  const ready = async (token: string, id: string): Promise<void> => {
    for (let i = 0; i < 400; i++) {
      const info = (await (await fetch(`${svc.url}/files/${id}`, withToken(token))).json()) as { status?: string };
      if (info.status === 'ready') return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('the upload was not processed within 10 s');
  };
  const del = (token: string, id: string) => fetch(`${svc.url}/files/${id}`, withToken(token, { method: 'DELETE' }));
  const pngUrl = async (token: string, id: string): Promise<string> => {
    const res = await fetch(`${svc.url}/files/${id}/png?window=40,400`, withToken(token, { headers: { accept: 'application/json' } }));
    expect(res.status).toBe(200);
    return ((await res.json()) as { url: string }).url;
  };

  beforeAll(async () => {
    for (const n of ENV) delete process.env[n];
    resetConfig();
    dataDir = mkdtempSync(join(tmpdir(), 'dicom-delete-'));
    svc = await startLocal({ port: 0, s3Port: 0, dataDir, bucket: 'delete-bucket' });
    alice = await tokenFor(svc, 'alice');
    bob = await tokenFor(svc, 'bob');
  }, 60_000);

  afterAll(async () => {
    await svc?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    for (const n of ENV) {
      if (savedEnv[n] === undefined) delete process.env[n];
      else process.env[n] = savedEnv[n];
    }
    resetConfig();
  });

  it('answers 204 to the owner, then 404 on every route; a PNG URL handed out before fails; a repeat is 204', async () => {
    const id = await upload(alice, ct());
    await ready(alice, id);
    for (const [path, init] of ROUTES(id)) expect((await fetch(`${svc.url}${path}`, withToken(alice, init))).status, path).toBeLessThan(400);
    const before = await pngUrl(alice, id);
    expect((await fetch(before)).status).toBe(200);

    const res = await del(alice, id);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    for (const [path, init] of ROUTES(id)) {
      const r = await fetch(`${svc.url}${path}`, withToken(alice, init));
      expect(r.status, path).toBe(404);
      expect(((await r.json()) as { error: { code: string } }).error.code, path).toBe('FileNotFound');
    }
    expect((await fetch(before)).status).toBeGreaterThanOrEqual(400);
    expect((await del(alice, id)).status).toBe(204);
  }, 30_000);

  it("answers another tenant's delete with the 404 of an unknown id, and the owner's file stays", async () => {
    const id = await upload(alice, ct(1));
    await ready(alice, id);
    const other = await del(bob, id);
    const unknown = await del(bob, randomUUID());
    expect(other.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(await other.json()).toEqual(await unknown.json());
    expect((await fetch(`${svc.url}/files/${id}`, withToken(alice))).status).toBe(200);
    expect((await fetch((await pngUrl(alice, id)))).status).toBe(200);
    expect((await fetch(`${svc.url}/files/not-a-uuid`, withToken(alice, { method: 'DELETE' }))).status).toBe(400);
    expect((await fetch(`${svc.url}/files/${id}`, { method: 'DELETE' })).status).toBe(401);
  }, 30_000);

  it('keeps the content renders for the other upload of the same bytes by the same tenant', async () => {
    const bytes = ct(2);
    const first = await upload(alice, bytes);
    const second = await upload(alice, bytes);
    await ready(alice, first);
    await ready(alice, second);
    const shared = await pngUrl(alice, first);
    // The same object (URLs signed in different seconds differ in their query).
    expect(new URL(await pngUrl(alice, second)).pathname).toBe(new URL(shared).pathname);
    expect(new URL(shared).pathname).toContain('/sha256/');
    expect((await del(alice, first)).status).toBe(204);
    // The render object of the content is still there for the second file.
    expect((await fetch(shared)).status).toBe(200);
    expect((await fetch(`${svc.url}/files/${second}/png`, withToken(alice))).status).toBeLessThan(400);
    expect((await del(alice, second)).status).toBe(204);
    // The last holder gone, its content renders go too.
    expect((await fetch(shared)).status).toBeGreaterThanOrEqual(400);
  }, 30_000);
});
