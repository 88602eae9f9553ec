/**
 * A bounded load run against the local service on loopback: LOAD_CLIENTS concurrent clients x
 * LOAD_ITERATIONS iterations, each uploading a file (writer fixtures and a few corpus files),
 * reading the header (whole and one tag), and exporting PNGs with varied parameters, plus all
 * clients exporting the same file with the same parameters at once (a cache-write race).
 *
 * Checks: zero 5xx; every uploaded object byte-identical when read back from the embedded S3
 * with the SDK; every cached PNG byte-identical to an in-process renderPng of the same bytes and
 * parameters.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vrLookup } from '../../lib/dicom/dictionary.js';
import { parseDicom } from '../../lib/dicom/parse.js';
import { type RenderParams, renderVariant } from '../../lib/export/render-params.js';
import { PRE_RENDERS } from '../../lib/export/pre-render.js';
import { renderPng } from '../../lib/render/render-frame.js';
import { uploadKey } from '../../lib/storage/object-keys.js';
import { corpusAvailable, corpusPath, loadManifest } from '../support/corpus.js';
import { TS_DEFLATED_LE, TS_EXPLICIT_BE, TS_IMPLICIT_LE, makeImageDicom } from './fixtures.js';
import { getObject, listKeys, startLocalService, upload, type Local } from './local.js';
import { tenantOfSubject } from '../support/local-token.js';

const CLIENTS = Number(process.env.LOAD_CLIENTS ?? 8);
const ITERATIONS = Number(process.env.LOAD_ITERATIONS ?? 4);

function files(): Array<{ name: string; bytes: Uint8Array }> {
  const ct = (ts?: string, frames?: number) =>
    makeImageDicom({
      rows: 64,
      columns: 48,
      bitsAllocated: 16,
      bitsStored: 12,
      window: { center: 1000, width: 2000 },
      rescale: { slope: 1, intercept: -1024 },
      frames,
      transferSyntaxUid: ts,
      pixel: (f, r, c) => (f * 300 + r * 40 + c * 7) & 0xfff,
    });
  const out = [
    { name: 'writer explicit LE 2 frames', bytes: ct(undefined, 2) },
    { name: 'writer implicit LE', bytes: ct(TS_IMPLICIT_LE) },
    { name: 'writer explicit BE', bytes: ct(TS_EXPLICIT_BE) },
    { name: 'writer deflated', bytes: ct(TS_DEFLATED_LE) },
    {
      name: 'writer RGB',
      bytes: makeImageDicom({ rows: 32, columns: 40, bitsAllocated: 8, photometric: 'RGB', pixel: (_f, r, c, s) => (r * 7 + c * 3 + s * 60) & 0xff }),
    },
  ];
  if (corpusAvailable) {
    const known = new Set(loadManifest().files.map((f) => f.path));
    for (const p of ['pydicom/CT_small.dcm', 'pydicom/MR_small_bigendian.dcm', 'external/pydicom-data/emri_small.dcm', 'pydicom/SC_rgb_rle_2frame.dcm']) {
      if (known.has(p)) out.push({ name: `corpus ${p}`, bytes: new Uint8Array(readFileSync(corpusPath(p))) });
    }
  }
  return out;
}

const PARAMS: Array<{ query: string; params: RenderParams }> = [
  { query: '', params: { frame: 1, bitDepth: 8 } },
  { query: 'bitDepth=16', params: { frame: 1, bitDepth: 16 } },
  { query: 'window=40,400', params: { frame: 1, bitDepth: 8, window: { center: 40, width: 400, fn: 'linear' } } },
  { query: 'frame=2&window=100,1000,sigmoid&bitDepth=16', params: { frame: 2, bitDepth: 16, window: { center: 100, width: 1000, fn: 'sigmoid' } } },
];

let local: Local;
const statuses = new Map<string, number>();
const fivexx: string[] = [];
const uploaded: Array<{ id: string; bytes: Uint8Array; name: string }> = [];
let requests = 0;

async function call(path: string, init?: RequestInit): Promise<Response> {
  const res = await local.api(path, init);
  requests++;
  const key = `${init?.method ?? 'GET'} ${path.replace(/[0-9a-f-]{36}/, '{id}').replace(/\?.*/, '')} ${res.status}`;
  statuses.set(key, (statuses.get(key) ?? 0) + 1);
  if (res.status >= 500) fivexx.push(`${key}: ${await res.clone().text()}`);
  return res;
}

beforeAll(async () => {
  local = await startLocalService('load-bucket');
}, 60_000);

afterAll(async () => {
  await local?.close();
});

describe(`load: ${CLIENTS} clients x ${ITERATIONS} iterations on loopback`, () => {
  it('serves uploads, headers and exports with zero 5xx', async () => {
    const pool = files();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        for (let i = 0; i < ITERATIONS; i++) {
          const f = pool[(client * ITERATIONS + i) % pool.length];
          const id = await upload(local, f.bytes);
          requests += 2;
          uploaded.push({ id, bytes: f.bytes, name: f.name });
          await (await call(`/files/${id}`)).arrayBuffer();
          await (await call(`/files/${id}/tags`)).arrayBuffer();
          await (await call(`/files/${id}/tags/00280010`)).arrayBuffer();
          for (const p of [PARAMS[i % PARAMS.length], PARAMS[(i + client) % PARAMS.length]]) {
            const res = await call(`/files/${id}/png${p.query ? `?${p.query}` : ''}`, { headers: { accept: 'application/json' } });
            await res.arrayBuffer();
          }
        }
      }),
    );
    // The same file and parameters exported by every client at once: one cache object, no 5xx.
    const shared = uploaded[0];
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        const res = await call(`/files/${shared.id}/png?bitDepth=16`, { headers: { accept: 'application/json' } });
        await res.arrayBuffer();
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `[robustness] load: ${requests} requests (${uploaded.length} uploads) in ${seconds.toFixed(1)} s = ${(requests / seconds).toFixed(0)} req/s; statuses:\n` +
        [...statuses.entries()].map(([k, v]) => `  ${k}: ${v}`).join('\n'),
    );
    expect(fivexx).toEqual([]);
  }, 180_000);

  it('every uploaded object reads back byte-identical from S3', async () => {
    expect(uploaded.length).toBe(CLIENTS * ITERATIONS);
    for (const u of uploaded) {
      const stored = await getObject(local, uploadKey({ tenant: tenantOfSubject(local.svc, 'robustness'), id: u.id }));
      expect(stored, `${u.name} (${u.id})`).toBeDefined();
      expect(Buffer.from(stored!).equals(Buffer.from(u.bytes)), `${u.name} (${u.id}) byte-identical`).toBe(true);
    }
  }, 60_000);

  it('every cached PNG equals a fresh in-process render of the same bytes and parameters', async () => {
    const cachedKeys = await listKeys(local, 'renders/');
    expect(cachedKeys.length).toBeGreaterThan(0);
    // A cache key is renders/{tenant}/{id}/{variant}.png or renders/{tenant}/sha256/{content hash}/{variant}.png;
    // the variant is renderVariant(params) of one of the parameter sets this run asked for.
    const byId = new Map(uploaded.map((u) => [u.id, u]));
    const bySha = new Map(uploaded.map((u) => [createHash('sha256').update(u.bytes).digest('hex'), u]));
    // ... or one the processor renders ahead on upload (the default PNG and the thumbnail).
    const byVariant = new Map([...PARAMS.map((p) => p.params), ...PRE_RENDERS].map((p) => [renderVariant(p), p]));
    let compared = 0;
    for (const key of cachedKeys) {
      const m = /^renders\/t[0-9a-f]{32}\/(?:sha256\/([0-9a-f]{64})|([0-9a-f-]{36}))\/(.+)\.png$/.exec(key);
      expect(m, `cache key ${key} has a known shape`).not.toBeNull();
      const source = m![1] ? bySha.get(m![1]) : byId.get(m![2]);
      const params = byVariant.get(m![3]);
      expect(source, `${key}: its source was uploaded in this run`).toBeDefined();
      expect(params, `${key}: its variant is one this run asked for`).toBeDefined();
      const cached = await getObject(local, key);
      const fresh = await renderPng(parseDicom(source!.bytes, { vrLookup }), params!);
      expect(() => PNG.sync.read(Buffer.from(cached!)), `${key} is a valid PNG`).not.toThrow();
      expect(Buffer.from(cached!).equals(Buffer.from(fresh.png)), `${key} (${source!.name}) equals a fresh render`).toBe(true);
      compared++;
    }
    console.log(`[robustness] load: ${compared} cached PNGs compared with fresh renders`);
  }, 120_000);
});
