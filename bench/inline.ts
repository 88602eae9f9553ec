/**
 * Issue 15, "the picture in hand": a new window each request, timed until the client holds the
 * PNG's bytes. This service over HTTP (bench/service-process.ts: local server + embedded S3 in
 * one process, the client here) with `Accept: image/png` (the PNG in the answer) beside the
 * 303 followed to S3 (the contract before), for the generated CT 512 and DX 2048, the generated
 * greyscale HTJ2K CT 512 and 2048 x 2048 (bench/htj2k-fixture.ts) and, when the corpus is there,
 * JPEG Lossless and JPEG 2000 images. Anchors on the same machine: Orthanc's
 * `/instances/{id}/rendered` (it renders every request; bench/compare/install.sh installs it)
 * and, on the compressed images, the native tools' whole-process decode (bench/native-anchors.ts:
 * gdcmconv --raw, dcmdjpeg, opj_decompress, ojph_expand); each is skipped with a note when it is
 * not installed.
 *
 * In process it also measures what the decoded-frame memo (lib/export/frame-memo.ts) saves a
 * new window on a compressed image: the render from the parsed file (decode included, as
 * before) against ExportService.exportPngInline on a ready file (decoded frame kept).
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vrLookup } from '../lib/dicom/dictionary.js';
import { parseDicom } from '../lib/dicom/parse.js';
import { ExportService } from '../lib/export/export-service.js';
import { preRender } from '../lib/export/pre-render.js';
import { processUpload } from '../lib/processing/process-upload.js';
import { uploadKey } from '../lib/storage/object-keys.js';
import { renderPng } from '../lib/render/render-frame.js';
import { corpusAvailable, corpusPath } from '../test/support/corpus.js';
import { MemoryStorage } from '../test/support/memory-storage.js';
import { type BenchImage, ct512, dx2048 } from './fixtures.js';
import { htj2kBenchImages } from './htj2k-fixture.js';
import { type Timing, summarize, time } from './measure.js';
import { BARE_CODESTREAM_NOTE, nativeAnchors, timeAnchors } from './native-anchors.js';
import { makeClient } from './compare/load.js';
import { orthancVersion, startOrthanc } from './compare/orthanc.js';
import { startServiceProcess } from './service-process.js';

export interface InlineRow {
  image: string;
  /** Who answered and how. */
  scenario: string;
  latency: Timing;
  note?: string;
  /** A native tool's whole-process decode (an anchor), not a request. */
  native?: boolean;
}

export interface InlineBench {
  rows: InlineRow[];
  notes: string[];
}

/** Greyscale corpus images a viewer would window: JPEG Lossless SV1 (.70) and JPEG 2000 lossless (.90). */
const CORPUS_IMAGES = [
  { name: 'JPEG Lossless .70, 2394x3062 (GH133)', path: 'external/fo-dicom/GH133.dcm' },
  { name: 'JPEG Lossless .70, CT 512', path: 'external/cornerstone3D/CTImage_jpeg_lossless_sv1_70.dcm' },
  { name: 'JPEG 2000 .90, 1760x2140 (RG2_J2KR)', path: 'external/wg04/RG2_J2KR.dcm' },
];

function corpusImages(notes: string[]): (BenchImage & { path: string })[] {
  if (!corpusAvailable) {
    notes.push('corpus images skipped: ../shared/corpus not found (set DICOM_CORPUS)');
    return [];
  }
  return CORPUS_IMAGES.filter((c) => existsSync(corpusPath(c.path))).map((c) => ({ name: c.name, frames: 1, path: corpusPath(c.path), bytes: new Uint8Array(readFileSync(corpusPath(c.path))) }));
}

async function upload(base: string, bytes: Uint8Array, auth: Record<string, string>): Promise<string> {
  const res = await fetch(`${base}/files`, { method: 'POST', body: JSON.stringify({ size: bytes.length }), headers: { ...auth, 'content-type': 'application/json' } });
  const created = (await res.json()) as { id: string; uploadUrl: string; headers: Record<string, string> };
  const put = await fetch(created.uploadUrl, { method: 'PUT', headers: created.headers, body: Buffer.from(bytes) });
  if (put.status !== 200) throw new Error(`upload failed: ${put.status}`);
  for (let i = 0; i < 400; i++) {
    const info = (await (await fetch(`${base}/files/${created.id}`, { headers: auth })).json()) as { status: string };
    if (info.status === 'ready') return created.id;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('upload not processed within 10 s');
}

/** Sequential requests (1 connection), each timed until the whole body is in hand. */
async function sequential(n: number, get: (i: number) => Promise<{ status: number; body: Buffer }>): Promise<Timing> {
  const samples: number[] = [];
  for (let i = -2; i < n; i++) {
    const t0 = performance.now();
    const res = await get(i + 1000);
    if (res.status !== 200 || res.body.length < 8) throw new Error(`status ${res.status}`);
    if (i >= 0) samples.push(performance.now() - t0);
  }
  return summarize(samples);
}

const requestsFor = (img: BenchImage, base: number) => (img.bytes.length > 1_000_000 ? Math.max(6, Math.floor(base / 5)) : base);

async function overHttp(images: BenchImage[], requests: number, rows: InlineRow[]): Promise<void> {
  for (const [memo, ttl] of [['warm memo', 60], ['memo off', 0]] as const) {
    const service = await startServiceProcess({ MEMO_TTL_SECONDS: String(ttl) });
    const client = makeClient(1);
    try {
      for (const img of images) {
        const id = await upload(service.url, img.bytes, service.headers);
        const n = requestsFor(img, requests);
        // A window never asked before, every request (the centre moves as a drag does).
        const url = (i: number, salt: number) => `${service.url}/files/${id}/png?window=${salt + i},${400 + (i % 7)}`;
        const inline = await sequential(n, (i) => client.get(url(i, 100), { ...service.headers, accept: 'image/png' }));
        rows.push({ image: img.name, scenario: `this service, Accept: image/png (inline), ${memo}`, latency: inline });
        const redirected = await sequential(n, (i) => client.get(url(i, 5000), { ...service.headers, accept: '*/*' }));
        rows.push({ image: img.name, scenario: `this service, 303 followed to S3, ${memo}`, latency: redirected });
        if (memo === 'warm memo') {
          // A window asked before: a cached PNG keeps the 303 whatever the Accept (ExportService.exportPngInline).
          const cached = await sequential(n, () => client.get(`${service.url}/files/${id}/png?window=100,400`, { ...service.headers, accept: 'image/png' }));
          rows.push({ image: img.name, scenario: 'this service, cached, Accept: image/png (303 followed)', latency: cached });
        }
      }
    } finally {
      client.close();
      await service.close();
    }
  }
}

async function orthanc(images: BenchImage[], requests: number, rows: InlineRow[], notes: string[]): Promise<void> {
  const version = orthancVersion();
  if (!version) {
    notes.push('Orthanc rows skipped: /usr/sbin/Orthanc not installed (bench/compare/install.sh installs it)');
    return;
  }
  const o = await startOrthanc(mkdtempSync(join(tmpdir(), 'orthanc-inline-')));
  const client = makeClient(1);
  try {
    for (const img of images) {
      let id: string;
      try {
        id = await o.upload(img.bytes);
      } catch (e) {
        notes.push(`Orthanc: ${img.name} not stored (${(e as Error).message.slice(0, 80)})`);
        continue;
      }
      try {
        const latency = await sequential(requestsFor(img, requests), () => client.get(`${o.url}/instances/${id}/rendered`, { accept: 'image/png' }));
        rows.push({ image: img.name, scenario: `Orthanc ${o.version} /instances/{id}/rendered`, latency });
      } catch (e) {
        // e.g. 415: Orthanc without its GDCM plugin does not decode JPEG 2000.
        notes.push(`Orthanc cannot render ${img.name}: ${(e as Error).message}`);
      }
      await o.remove(id);
    }
  } finally {
    client.close();
    await o.close();
  }
}

/** Whole-process decode of each compressed image by the native tools that decode it (start-up included). */
function nativeTools(images: (BenchImage & { path?: string })[], rows: InlineRow[], notes: string[]): void {
  for (const img of images) {
    const set = nativeAnchors(img);
    try {
      for (const a of timeAnchors(set, 7, img.name)) rows.push({ image: img.name, scenario: `${a.label} (whole process, decode only)`, latency: a.latency, native: true });
    } finally {
      set.dispose();
      for (const note of set.notes) if (!notes.includes(note)) notes.push(note);
    }
  }
  notes.push(BARE_CODESTREAM_NOTE);
}

/** In process: a new window with the decode each time (before) and with the decoded frame kept (now). */
async function frameMemo(images: BenchImage[], runs: number, rows: InlineRow[]): Promise<void> {
  for (const img of images) {
    const parsed = parseDicom(img.bytes, { vrLookup });
    let w = 0;
    const before = await time(() => renderPng(parsed, { frame: 1, bitDepth: 8, window: { center: 100 + w++, width: 400, fn: 'linear' } }), { runs, warmup: 2 });
    rows.push({ image: img.name, scenario: 'in process: new window, decoded every time (before)', latency: before });
    const storage = new MemoryStorage();
    // Any tenant segment (lib/auth/tenant.ts format): in process, nothing checks a token.
    const id = { tenant: 't0123456789abcdef0123456789abcdef', id: '6f1c4a52-3b8e-4d5f-9a7b-2c1d0e9f8a7b' };
    storage.objects.set(uploadKey(id), { body: img.bytes, contentType: 'application/dicom', lastModified: new Date(), etag: 'e' });
    const cfg = { maxUploadBytes: 64 * 1024 * 1024, renderUrlTtlSeconds: 300, memoTtlSeconds: 600 };
    await processUpload(storage, cfg, id, { preRender });
    const service = new ExportService(storage, cfg);
    const kept = await time(() => service.exportPngInline(id, { frame: 1, bitDepth: 8, window: { center: 100 + w++, width: 400, fn: 'linear' } }), { runs, warmup: 2 });
    rows.push({ image: img.name, scenario: 'in process: new window, decoded frame kept (exportPngInline)', latency: kept });
  }
}

/**
 * The same new-window request to this service (inline, warm memo) and to Orthanc, alternated
 * request by request, so both see the same machine load (the phases above run minutes apart on a
 * shared machine, and their ratio moved with the load between them). Reports each side's median
 * and the median of the per-pair ratios.
 */
export async function benchInlinePaired(images: BenchImage[], requests: number): Promise<{ rows: Array<{ image: string; service: Timing; orthanc: Timing; ratio: number }>; notes: string[] }> {
  const notes: string[] = [];
  const rows: Array<{ image: string; service: Timing; orthanc: Timing; ratio: number }> = [];
  if (!orthancVersion()) return { rows, notes: ['paired rows skipped: Orthanc not installed (bench/compare/install.sh installs it)'] };
  const service = await startServiceProcess({ MEMO_TTL_SECONDS: '60' });
  const o = await startOrthanc(mkdtempSync(join(tmpdir(), 'orthanc-paired-')));
  const client = makeClient(1);
  try {
    for (const img of images) {
      const id = await upload(service.url, img.bytes, service.headers);
      const oid = await o.upload(img.bytes);
      const get = async (url: string, headers: Record<string, string>) => {
        const t0 = performance.now();
        const res = await client.get(url, headers);
        if (res.status !== 200 || res.body.length < 8) throw new Error(`status ${res.status}`);
        return performance.now() - t0;
      };
      const s: number[] = [];
      const a: number[] = [];
      const ratios: number[] = [];
      const n = requestsFor(img, requests);
      for (let i = -2; i < n; i++) {
        const ts = await get(`${service.url}/files/${id}/png?window=${9000 + i},${400 + (i % 7)}`, { ...service.headers, accept: 'image/png' });
        const ta = await get(`${o.url}/instances/${oid}/rendered`, { accept: 'image/png' });
        if (i < 0) continue;
        s.push(ts);
        a.push(ta);
        ratios.push(ts / ta);
      }
      rows.push({ image: img.name, service: summarize(s), orthanc: summarize(a), ratio: summarize(ratios).median });
      await o.remove(oid);
    }
  } finally {
    client.close();
    await o.close();
    await service.close();
  }
  return { rows, notes };
}

export async function benchInline(requests: number, runs: number): Promise<InlineBench> {
  const notes: string[] = [];
  const rows: InlineRow[] = [];
  const compressed = [...(await htj2kBenchImages()), ...corpusImages(notes)];
  const images: BenchImage[] = [ct512(), dx2048(), ...compressed];
  await frameMemo(compressed, Math.max(5, Math.min(runs, 15)), rows);
  await overHttp(images, requests, rows);
  await orthanc(images, requests, rows, notes);
  nativeTools(compressed, rows, notes);
  return { rows, notes };
}
