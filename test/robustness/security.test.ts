/**
 * Security properties:
 *  - presigned URLs cannot be reused for another key, nor after they expire (embedded S3
 *    verifies SigV4 like S3);
 *  - ids that are not UUIDs are rejected before anything touches S3 (aws-sdk-client-mock:
 *    zero calls), and no path or query input can change an object key (fuzzed with fast-check);
 *  - logs (LOG_LEVEL=debug) never contain tag values or presigned URLs.
 */
import { GetObjectCommand, HeadObjectCommand, NoSuchKey, NotFound, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resetConfig } from '../../lib/config.js';
import { resetDefaultStorage } from '../../lib/storage/default-storage.js';
import { handler as exportHandler } from '../../functions/export.js';
import { handler as headerHandler } from '../../functions/header.js';
import { handler as uploadHandler } from '../../functions/upload.js';
import { apiEvent, context } from '../support/api-event.js';
import { PHI_MARKER, makeImageDicom } from './fixtures.js';
import { FUZZ_RUNS, FUZZ_SEED, seedLabel } from './harness.js';
import { type Local, createUpload, startLocalService, upload } from './local.js';

const UUID = '3f2b8c1a-9d4e-4f6a-8b7c-1d2e3f4a5b6c';
/** The keys a request about UUID may touch: its upload, request record, summary and tombstone (a deleted id), and its renders (by id or content hash). */
const SAFE_KEY = new RegExp(`^(uploads/t[0-9a-f]{32}/${UUID}\\.(dcm|json|summary\\.json|deleted)|renders/t[0-9a-f]{32}/(${UUID}|sha256/[0-9a-f]{64})/[A-Za-z0-9._-]+\\.png)$`);

type Result = { statusCode: number; body?: string; headers?: Record<string, unknown> };
const call = async (h: unknown, event: ReturnType<typeof apiEvent>): Promise<Result> =>
  (await (h as (e: unknown, c: unknown) => Promise<Result>)(event, context));

describe('ids, tags and query strings cannot reach S3 or change keys (aws-sdk-client-mock)', () => {
  const s3 = mockClient(S3Client);
  const saved = { ...process.env };

  beforeAll(() => {
    process.env.BUCKET_NAME = 'mock-bucket';
    process.env.AWS_REGION = 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID = 'AKIAMOCK';
    process.env.AWS_SECRET_ACCESS_KEY = 'mock';
    delete process.env.AWS_ENDPOINT_URL_S3;
    delete process.env.AWS_ENDPOINT_URL;
    resetConfig();
    resetDefaultStorage();
  });
  afterEach(() => s3.reset());
  afterAll(() => {
    s3.restore();
    process.env = saved;
    resetConfig();
    resetDefaultStorage();
  });

  const BAD_IDS = [
    '../../etc/passwd',
    '..%2F..%2Fetc%2Fpasswd',
    'uploads/x',
    `${UUID}/../other`,
    `${UUID}.dcm`,
    ` ${UUID}`,
    `${UUID}\n`,
    `${UUID}%00`,
    UUID.replace(/-/g, ''),
    '00000000-0000-0000-0000-000000000000',
    '3f2b8c1a-9d4e-9f6a-8b7c-1d2e3f4a5b6c', // version 9
    '3f2b8c1a-9d4e-4f6a-cb7c-1d2e3f4a5b6c', // variant c
    'x'.repeat(36),
    '',
  ];

  it.each(BAD_IDS.map((id) => [JSON.stringify(id), id]))('rejects id %s with 400 InvalidFileId and zero S3 calls', async (_label, id) => {
    const routes: Array<[unknown, string, Record<string, string>]> = [
      [uploadHandler, 'GET /files/{id}', { id }],
      [headerHandler, 'GET /files/{id}/tags', { id }],
      [headerHandler, 'GET /files/{id}/tags/{tag}', { id, tag: '00100010' }],
      [exportHandler, 'GET /files/{id}/png', { id }],
    ];
    for (const [h, routeKey, pathParameters] of routes) {
      const res = await call(h, apiEvent(routeKey, { pathParameters }));
      expect(res.statusCode, routeKey).toBe(400);
      expect(JSON.parse(res.body ?? '{}').error.code).toBe('InvalidFileId');
    }
    expect(s3.calls()).toHaveLength(0);
  });

  it.each([
    ['../../uploads/other.dcm'],
    ['..%2F..%2Fx'],
    ['00100010/../../x'],
    ['00100010.0.../etc'],
    ['PatientName\u0000'],
    ['x'.repeat(5000)],
  ].map(([t]) => [t.length > 40 ? `${t.slice(0, 12)}... (${t.length} chars)` : t, t]))('rejects tag %j with 400 InvalidTag and zero S3 calls', async (_label, tag) => {
    const res = await call(headerHandler, apiEvent('GET /files/{id}/tags/{tag}', { pathParameters: { id: UUID, tag } }));
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body ?? '{}').error.code).toBe('InvalidTag');
    expect(s3.calls()).toHaveLength(0);
  });

  it.each([
    ['key=../../uploads/other.dcm'],
    ['Bucket=other&frame=1'],
    ['frame=1/../../x'],
    ['frame=1&frame=2'],
    ['window=1,2,../../x'],
    ['bitDepth=8%2F..%2F..'],
    ['frame=%2e%2e%2f'],
  ])('rejects export query %j with 400 InvalidParameter and zero S3 calls', async (query) => {
    const res = await call(exportHandler, apiEvent('GET /files/{id}/png', { pathParameters: { id: UUID }, query }));
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body ?? '{}').error.code).toBe('InvalidParameter');
    expect(s3.calls()).toHaveLength(0);
  });

  it(`no query string changes an object key: 400 with zero S3 calls, or only the file's own keys (${seedLabel})`, async () => {
    // Every HEAD misses (as S3 answers it), so a valid query ends in FileNotFound after the keys are used.
    s3.on(HeadObjectCommand).rejects(new NotFound({ message: 'NotFound', $metadata: { httpStatusCode: 404 } }));
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'NoSuchKey', $metadata: { httpStatusCode: 404 } }));
    const part = fc.oneof(
      fc.constantFrom('frame', 'window', 'bitDepth', 'key', 'Key', 'Bucket', 'prefix', 'id', 'x-amz-meta', '../', '%2e%2e%2f', 'renders/'),
      fc.string({ maxLength: 12 }),
    );
    const value = fc.oneof(
      fc.constantFrom('1', '2', '8', '16', '40,400', '40,400,sigmoid', '../../x', '%2F..%2F', 'uploads/other.dcm', '1e3', '-0', ''),
      fc.string({ maxLength: 20 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(part, value), { maxLength: 4 }), async (pairs) => {
        s3.resetHistory();
        const query = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
        const res = await call(exportHandler, apiEvent('GET /files/{id}/png', { pathParameters: { id: UUID }, query }));
        const keys = s3.calls().map((c) => (c.args[0].input as { Key?: string }).Key ?? '');
        if (res.statusCode === 400) expect(keys).toEqual([]);
        for (const k of keys) expect(k, `query "${query}"`).toMatch(SAFE_KEY);
        expect(res.statusCode).toBeLessThan(500);
      }),
      { seed: FUZZ_SEED, numRuns: Math.max(50, FUZZ_RUNS * 2) },
    );
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------

describe('presigned URLs and logs, over the local service', () => {
  let local: Local;
  let out = '';
  const writes = { stdout: process.stdout.write.bind(process.stdout), stderr: process.stderr.write.bind(process.stderr) };

  beforeAll(async () => {
    local = await startLocalService('security-bucket');
  }, 60_000);
  afterAll(async () => {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
    await local?.close();
  });

  const capture = () => {
    out = '';
    const tap =
      (orig: typeof process.stdout.write) =>
      (chunk: unknown, ...rest: unknown[]): boolean => {
        out += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
        return (orig as (...a: unknown[]) => boolean)(chunk, ...rest);
      };
    process.stdout.write = tap(writes.stdout);
    process.stderr.write = tap(writes.stderr);
  };
  const release = () => {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
  };

  it('a presigned PUT cannot be used for another key (sibling, traversal, render cache)', async () => {
    const { created } = await createUpload(local, 8);
    for (const path of [
      `uploads/${UUID}.dcm`,
      `uploads/${created!.id}.json`,
      `renders/${created!.id}/v1-f1-b8-wfile.png`,
      `uploads/../renders/${created!.id}/x.png`,
    ]) {
      const u = new URL(created!.uploadUrl);
      u.pathname = `/${local.bucket}/${path}`;
      const res = await fetch(u, { method: 'PUT', headers: created!.headers, body: new Uint8Array(8) });
      expect(res.status, path).toBe(403);
    }
  });

  it('a presigned render GET cannot be used for another key, and expires', async () => {
    const id = await upload(local, makeImageDicom({ rows: 4, columns: 4, bitsAllocated: 8, pixel: (_f, r, c) => r * 4 + c }));
    const other = await upload(local, makeImageDicom({ rows: 4, columns: 4, bitsAllocated: 8, pixel: () => 7 }));
    const res = await local.api(`/files/${id}/png`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(200);
    const { url } = (await res.json()) as { url: string };
    expect((await fetch(url)).status).toBe(200);
    for (const path of [`uploads/${id}.dcm`, `uploads/${other}.dcm`, `renders/${other}/v1-f1-b8-wfile.png`]) {
      const u = new URL(url);
      u.pathname = `/${local.bucket}/${path}`;
      expect((await fetch(u)).status, path).toBe(403);
    }
    process.env.RENDER_URL_TTL_SECONDS = '1';
    resetConfig();
    try {
      const again = await local.api(`/files/${id}/png`, { headers: { accept: 'application/json' } });
      const short = ((await again.json()) as { url: string }).url;
      await new Promise((r) => setTimeout(r, 2100));
      expect((await fetch(short)).status).toBe(403);
    } finally {
      delete process.env.RENDER_URL_TTL_SECONDS;
      resetConfig();
    }
  }, 30_000);

  it('with LOG_LEVEL=debug, logs carry no tag value, no presigned URL and no token', async () => {
    const fixture = makeImageDicom({
      rows: 8,
      columns: 8,
      bitsAllocated: 16,
      bitsStored: 12,
      pixel: (_f, r, c) => r * 100 + c,
      extra: [
        { tag: '00100010', vr: 'PN', value: PHI_MARKER },
        { tag: '00100020', vr: 'LO', value: `${PHI_MARKER}-ID` },
        { tag: '00081030', vr: 'LO', value: `${PHI_MARKER} study` },
      ],
    });
    // A second file whose marker sits in a value the renderer will choke on (error paths log too).
    const broken = makeImageDicom({
      rows: 8,
      columns: 8,
      bitsAllocated: 16,
      pixel: () => 1,
      extra: [
        { tag: '00100010', vr: 'PN', value: PHI_MARKER },
        { tag: '00281050', vr: 'DS', value: PHI_MARKER },
        { tag: '00281051', vr: 'DS', value: '1' },
      ],
    });
    process.env.LOG_LEVEL = 'debug';
    capture();
    try {
      const id = await upload(local, fixture);
      const bad = await upload(local, broken);
      const requests: Array<[string, RequestInit?]> = [
        [`/files/${id}`],
        [`/files/${id}/tags`],
        [`/files/${id}/tags/PatientName`],
        [`/files/${id}/tags/00100020`],
        [`/files/${id}/tags/${encodeURIComponent(PHI_MARKER)}`],
        [`/files/${id}/png`],
        [`/files/${id}/png?bitDepth=16`, { headers: { accept: 'application/json' } }],
        [`/files/${id}/png?window=${encodeURIComponent(PHI_MARKER)}`],
        [`/files/${id}/png?${encodeURIComponent(PHI_MARKER)}=1`],
        [`/files/${bad}/png`],
        [`/files/${bad}/tags/00281050`],
        ['/files', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ size: 10, filename: `${PHI_MARKER}.dcm` }) }],
        ['/files', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"size": "${PHI_MARKER}"}` }],
        // Refused tokens are not logged either (nor is the valid one every request above sends).
        [`/files/${id}`, { headers: { authorization: `Bearer ${local.token.slice(0, -6)}AAAAAA` } }],
        [`/files/${id}`, { headers: { authorization: `Bearer ${PHI_MARKER}.${PHI_MARKER}.x` } }],
      ];
      for (const [path, init] of requests) {
        const res = await local.api(path, init);
        expect(res.status, path).toBeLessThan(500);
        // Every request of this list is answered by the service, and carries a token.
        await res.arrayBuffer();
      }
    } finally {
      release();
      process.env.LOG_LEVEL = 'silent';
    }
    expect(out.length, 'debug logging produced output').toBeGreaterThan(0);
    expect(out).not.toContain(PHI_MARKER);
    expect(out).not.toContain('ZZPHI');
    expect(out).not.toMatch(/X-Amz-Signature/i);
    expect(out).not.toMatch(/X-Amz-Credential/i);
    // No token, nor any of its three parts (header, claims, signature), in any line.
    for (const part of local.token.split('.')) expect(out).not.toContain(part);
    expect(out).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
    // The access lines carry the pseudonymous caller, never the subject.
    expect(out).toMatch(/"caller":"c[0-9a-f]{32}"/);
    expect(out).not.toContain('robustness"');
  }, 60_000);
});
