/**
 * Upload processing end to end over real HTTP: the local server in front of the embedded S3
 * server, whose object-created events drive the processor with the SQS-wrapped event shape
 * the deployed stack delivers (local/local-queue.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalService, startLocal } from '../../local/server.js';
import { tenantOfSubject, tokenFor, withToken } from '../support/local-token.js';
import { makeImageDicom } from '../support/dicom-writer.js';

const BUCKET = 'processing-bucket';
let svc: LocalService;
let token: string;
/** alice's tenant segment: every key of her files carries it. */
let T: string;
let dataDir: string;
let s3: S3Client;
/** Every S3 event the embedded server emitted: what was written, in order. */
const s3Events: Array<{ eventName: string; key: string }> = [];
const rawEvents = new Map<string, unknown>();

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'dicom-processing-'));
  delete process.env.AWS_ENDPOINT_URL_S3;
  delete process.env.BUCKET_NAME;
  svc = await startLocal({ port: 0, s3Port: 0, dataDir, bucket: BUCKET });
  token = await tokenFor(svc, 'alice');
  T = tenantOfSubject(svc, 'alice');
  svc.s3!.server.on('event', (e: { Records: Array<{ eventName: string; s3: { object: { key: string } } }> }) => {
    for (const r of e.Records) {
      s3Events.push({ eventName: r.eventName, key: r.s3.object.key });
      if (r.eventName === 'ObjectCreated:Put') rawEvents.set(r.s3.object.key, e);
    }
  });
  s3 = new S3Client({ endpoint: svc.s3!.endpoint, forcePathStyle: true, region: 'us-east-1' });
});

afterAll(async () => {
  await svc?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The API with a token of the local issuer on every call. */
const api = (path: string, init?: RequestInit) => fetch(`${svc.url}${path}`, withToken(token, { redirect: 'manual', ...init }));
const asJson = { headers: { accept: 'application/json' } };

/** POST /files, then the PUT; resolves when S3 has answered the PUT. */
async function upload(bytes: Uint8Array, filename = 'fixture.dcm'): Promise<{ id: string; putAt: number }> {
  const res = await api('/files', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ size: bytes.length, filename }) });
  expect(res.status).toBe(201);
  const created = (await res.json()) as { id: string; uploadUrl: string; headers: Record<string, string> };
  const put = await fetch(created.uploadUrl, { method: 'PUT', headers: created.headers, body: Buffer.from(bytes) });
  expect(put.status).toBe(200);
  return { id: created.id, putAt: performance.now() };
}

type Info = Record<string, unknown> & { status: string };
const info = async (id: string): Promise<Info> => (await (await api(`/files/${id}`)).json()) as Info;

/** Polls GET /files/{id} like a client until the status leaves `pending`. */
async function settled(id: string, timeoutMs = 5000): Promise<Info> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const i = await info(id);
    if (i.status !== 'pending' && i.status !== 'awaiting-upload') return i;
    if (performance.now() > until) throw new Error(`still ${i.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const exists = async (key: string) =>
  s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })).then(
    () => true,
    () => false,
  );

/** A fixture with its own pixels, so its content hash (and renders) belong to one test only. */
const image = (seed: number) =>
  makeImageDicom({
    rows: 8,
    columns: 6,
    bitsAllocated: 16,
    bitsStored: 12,
    window: { center: 1000, width: 2000 },
    pixel: (_f, r, c) => (seed * 37 + r * 300 + c * 50) % 4096,
  });

describe('upload processing (embedded S3 events -> SQS-shaped event -> processor)', () => {
  it('turns pending into ready (time printed, not asserted: performance is the bench\'s), and the first PNG request is a cache hit', async () => {
    const bytes = image(1);
    const { id, putAt } = await upload(bytes, 'ct.dcm');
    const ready = await settled(id);
    const ms = performance.now() - putAt;
    console.log(`PUT answered -> GET /files/{id} says ready: ${ms.toFixed(0)} ms`);
    expect(ready).toMatchObject({
      id,
      status: 'ready',
      size: bytes.length,
      filename: 'ct.dcm',
      transferSyntaxUid: '1.2.840.10008.1.2.1',
      sopClassUid: '1.2.840.10008.5.1.4.1.1.7',
      rows: 8,
      columns: 6,
      frames: 1,
      photometric: 'MONOCHROME2',
    });
    expect(ready.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(ready)).not.toMatch(/Fixture|FIXTURE/);

    const png = await api(`/files/${id}/png`, asJson);
    const body = (await png.json()) as { cached: boolean; url: string; width: number; height: number };
    expect(body).toMatchObject({ cached: true, width: 6, height: 8 });
    expect(new URL(body.url).pathname).toContain(`renders/${T}/sha256/${String(ready.sha256)}/`);
    const img = await fetch(body.url);
    expect(PNG.sync.read(Buffer.from(await img.arrayBuffer())).width).toBe(6);
  });

  it('rejects a PNG renamed .dcm with the reason, and moves it to quarantine', async () => {
    const fakePng = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new TextEncoder().encode('IHDR and other chunks of a real PNG file'.repeat(3))]);
    const { id } = await upload(fakePng, 'scan.dcm');
    const rejected = await settled(id);
    expect(rejected).toMatchObject({
      id,
      status: 'rejected',
      size: fakePng.length,
      filename: 'scan.dcm',
      reason: { code: 'NotDicom', message: expect.stringMatching(/not DICOM/) },
    });
    expect(rejected.rows).toBeUndefined();
    expect(await exists(`uploads/${T}/${id}.dcm`)).toBe(false);
    expect(await exists(`quarantine/${T}/${id}.dcm`)).toBe(true);
    // The export names the same reason, not a 404.
    const png = await api(`/files/${id}/png`);
    expect(png.status).toBe(422);
    expect(((await png.json()) as { error: { code: string } }).error.code).toBe('NotDicom');
    // So do the header routes.
    for (const path of [`/files/${id}/tags`, `/files/${id}/tags/00100010`]) {
      const res = await api(path);
      expect(res.status, path).toBe(422);
      expect(((await res.json()) as { error: { code: string } }).error.code, path).toBe('NotDicom');
    }
  });

  it('processes identical bytes once: one render for two uploads, shared by both', async () => {
    const bytes = image(2);
    const a = await upload(bytes);
    const first = await settled(a.id);
    const b = await upload(bytes.slice());
    const second = await settled(b.id);
    expect(second.sha256).toBe(first.sha256);
    const renderWrites = s3Events.filter((e) => e.eventName.startsWith('ObjectCreated') && e.key.startsWith(`renders/${T}/sha256/${String(first.sha256)}/`));
    // The default PNG and the 256-px thumbnail, each once, for both uploads.
    expect(renderWrites.map((e) => e.key).sort()).toEqual([
      expect.stringMatching(/-wfile-s256\.png$/),
      expect.stringMatching(/-wfile\.png$/),
    ]);
    expect(await (await api(`/files/${b.id}/png`, asJson)).json()).toMatchObject({ cached: true });
    expect(await (await api(`/files/${b.id}/png?size=256`, asJson)).json()).toMatchObject({ cached: true });
    // A request with other parameters rendered for one id is a hit for the other.
    expect(await (await api(`/files/${a.id}/png?window=40,400`, asJson)).json()).toMatchObject({ cached: false });
    expect(await (await api(`/files/${b.id}/png?window=40,400`, asJson)).json()).toMatchObject({ cached: true });
    expect(s3Events.filter((e) => e.key.startsWith(`renders/${T}/sha256/${String(first.sha256)}/`))).toHaveLength(3);
    expect(s3Events.some((e) => e.key.startsWith(`renders/${T}/${a.id}/`) || e.key.startsWith(`renders/${T}/${b.id}/`))).toBe(false);
  });

  it('writes one summary for the same event delivered twice', async () => {
    const { id } = await upload(image(3));
    await settled(id);
    await svc.processing!.idle();
    const summaryWrites = () => s3Events.filter((e) => e.key === `uploads/${T}/${id}.summary.json`).length;
    expect(summaryWrites()).toBe(1);
    const event = rawEvents.get(`uploads/${T}/${id}.dcm`);
    expect(event).toBeDefined();
    svc.processing!.send(JSON.stringify(event));
    svc.processing!.send(JSON.stringify(event));
    await svc.processing!.idle();
    expect(summaryWrites()).toBe(1);
    expect(svc.processing!.deadLetters).toEqual([]);
  });

  it('leaves one consistent summary and no partial objects when deliveries race', async () => {
    svc.processing!.pause();
    const bytes = image(4);
    const { id } = await upload(bytes);
    const event = JSON.stringify(rawEvents.get(`uploads/${T}/${id}.dcm`));
    // The notification's own delivery is held; release it together with two more copies.
    svc.processing!.send(event);
    svc.processing!.send(event);
    svc.processing!.resume();
    await svc.processing!.idle();
    const final = await info(id);
    expect(final).toMatchObject({ status: 'ready', size: bytes.length });
    const summaryWrites = s3Events.filter((e) => e.key === `uploads/${T}/${id}.summary.json`).length;
    // s3rver ignores If-None-Match (S3 refuses all but the first writer): every racer may write,
    // but each write is one complete object describing the same bytes.
    console.log(`three racing deliveries: ${summaryWrites} summary write(s) on s3rver`);
    expect(summaryWrites).toBeGreaterThanOrEqual(1);
    expect(summaryWrites).toBeLessThanOrEqual(3);
    const renderKeys = new Set(s3Events.filter((e) => e.key.startsWith(`renders/${T}/sha256/${String(final.sha256)}/`)).map((e) => e.key));
    expect(renderKeys.size).toBe(2); // the default PNG and the thumbnail
    expect(svc.processing!.deadLetters).toEqual([]);
  });

  it('serves header and PNG before the processor has run; the render made then stays a hit after', async () => {
    svc.processing!.pause();
    try {
      const { id } = await upload(image(5));
      expect(await info(id)).toMatchObject({ status: 'pending' });
      expect((await api(`/files/${id}/tags/Rows`)).status).toBe(200);
      const before = await api(`/files/${id}/png?window=10,20`, asJson);
      expect(await before.json()).toMatchObject({ cached: false, width: 6 });
      svc.processing!.resume();
      expect(await settled(id)).toMatchObject({ status: 'ready' });
      // Rendered under the id before processing: still found after.
      expect(await (await api(`/files/${id}/png?window=10,20`, asJson)).json()).toMatchObject({ cached: true });
      expect(await (await api(`/files/${id}/png`, asJson)).json()).toMatchObject({ cached: true });
    } finally {
      svc.processing!.resume();
    }
  });

  it('is awaiting-upload for an issued URL, and 404 for an id never issued', async () => {
    const res = await api('/files', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"size": 99}' });
    const { id } = (await res.json()) as { id: string };
    expect(await info(id)).toEqual({ id, status: 'awaiting-upload', size: 99, uploadedAt: null });
    expect((await api('/files/6f1c4a52-3b8e-4d5f-9a7b-2c1d0e9f8a7b')).status).toBe(404);
  });
});
