/**
 * Side by side on the bench's generated images (bench/fixtures.ts, written to a temporary
 * directory as .dcm files): this service in process and over HTTP, pydicom + numpy + Pillow in
 * process, and Orthanc over HTTP. Also checks that the outputs are the same pictures (pixel
 * differences against this service's PNG), so the timings compare like with like.
 *
 * Outputs ("variants"):
 *   8      8-bit PNG with the file's window (VOI), MONOCHROME1 inverted; RGB as RGB.
 *   16     16-bit PNG with the file's window (this service's default bitDepth=16, and pydicom
 *          scaled the same way). Orthanc has no windowed 16-bit route.
 *   16raw  16-bit PNG of the stored values, no LUTs: Orthanc's /frames/0/image-uint16, and this
 *          service's bitDepth=16&window=none (lossless modality values; here, with slope 1 and
 *          non-negative stored values, the stored values themselves).
 *
 * Set-up needs bench/compare/install.sh (Debian: orthanc, python3-pydicom, python3-numpy,
 * python3-pil); a missing tool is reported as NOT RUN and its columns are left empty.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { vrLookup } from '../../lib/dicom/dictionary.js';
import { parseDicom } from '../../lib/dicom/parse.js';
import { renderPng } from '../../lib/render/render-frame.js';
import { type BenchImage, ct512, dx2048, multiFrame, usRgb } from '../fixtures.js';
import { startServiceProcess } from '../service-process.js';
import { type Timing, ms, summarize, table, time } from '../measure.js';
import { type LoadResult, load, makeClient } from './load.js';
import { type Orthanc, orthancVersion, startOrthanc } from './orthanc.js';
import { type PixelDiff, bytesAfterIend, diffPng } from './pixels.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const PYTHON = process.env.COMPARE_PYTHON ?? '/usr/bin/python3';
/** Pillow compress_level values timed: 6 is Pillow's default (zlib's), 1 the fastest. */
const PIL_LEVELS = [6, 1];
/** MAX_UPLOAD_BYTES for the service under test (see startService). */
export const SERVICE_MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

export type Variant = '8' | '16' | '16raw';

interface Fixture {
  key: string;
  image: BenchImage;
  /** The file's window, for cache-busting windows close to it (same picture, same PNG cost). */
  window: { center: number; width: number };
  variants: Variant[];
}

const fixtures = (): Fixture[] => [
  { key: 'ct', image: ct512(), window: { center: 40, width: 400 }, variants: ['8', '16', '16raw'] },
  { key: 'dx', image: dx2048(), window: { center: 8192, width: 12000 }, variants: ['8', '16', '16raw'] },
  // Colour: no window applies (the service ignores one, which still makes a new cache key).
  { key: 'us', image: usRgb(), window: { center: 128, width: 256 }, variants: ['8'] },
  { key: 'mf', image: multiFrame(), window: { center: 2048, width: 4096 }, variants: ['8', '16', '16raw'] },
];

const requestOf = (v: Variant) => ({ frame: 1, bitDepth: v === '8' ? (8 as const) : (16 as const), ...(v === '16raw' ? { window: 'none' as const } : {}) });

export interface TimingSpread {
  /** Median over rounds of each round's median. */
  median: number;
  /** Smallest and largest round median. */
  low: number;
  high: number;
  p95: number;
  perRound: number[];
}

function spread(rounds: Timing[]): TimingSpread {
  const medians = rounds.map((r) => r.median);
  return {
    median: summarize(medians).median,
    low: Math.min(...medians),
    high: Math.max(...medians),
    p95: summarize(rounds.map((r) => r.p95)).median,
    perRound: medians,
  };
}

export interface HttpScenario {
  server: 'orthanc' | 'service';
  scenario: string;
  image: string;
  key: string;
  variant: Variant | 'header';
  /** uncached-json: the service's JSON answer ({url, ...}) without downloading the PNG, as bench/http.ts measures. */
  cache: 'renders every request' | 'uncached' | 'uncached-json' | 'cached' | 'header';
  path: string;
  /** The first request after upload (and after the service's processor finished). */
  firstMs: number;
  byConnections: LoadResult[];
}

export interface CompareResult {
  versions: Record<string, string>;
  notRun: string[];
  rounds: number;
  runs: number;
  inProcess: Array<{ key: string; image: string; variant: Variant; ours?: TimingSpread; oursPngBytes?: number; pydicom?: Record<string, TimingSpread & { pngBytes: number }> }>;
  http: HttpScenario[];
  pixels: Array<{ key: string; image: string; variant: Variant; against: string; diff: PixelDiff; oursBytes: number; theirsBytes: number; theirsBytesAfterIend: number }>;
  /** 1-minute load average when the comparison started and ended (other work on the machine shows here). */
  loadAverage: { start: number; end?: number };
  /** The service's cached PNG over HTTP is byte-identical to its in-process PNG. */
  httpMatchesInProcess: Array<{ key: string; variant: Variant; identical: boolean }>;
}

function pythonStatus(): { ok: true; versions: Record<string, string> } | { ok: false; why: string } {
  if (!existsSync(PYTHON)) return { ok: false, why: `${PYTHON} not found` };
  const r = spawnSync(PYTHON, ['-c', 'import json,sys,pydicom,numpy,PIL; print(json.dumps({"python":sys.version.split()[0],"pydicom":pydicom.__version__,"numpy":numpy.__version__,"Pillow":PIL.__version__}))'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) return { ok: false, why: `${PYTHON} cannot import pydicom, numpy and PIL` };
  return { ok: true, versions: JSON.parse(r.stdout) as Record<string, string> };
}

interface PyRow {
  key: string;
  variant: Variant;
  compressLevel: number;
  pngBytes: number;
  ms: Timing;
}

function runPydicom(jobDir: string, files: Record<string, string>, fx: Fixture[], runs: number, outDir: string): PyRow[] {
  mkdirSync(outDir, { recursive: true });
  const job = {
    runs,
    warmup: 3,
    outDir,
    levels: PIL_LEVELS,
    images: fx.map((f) => ({ key: f.key, path: files[f.key], variants: f.variants })),
  };
  const jobPath = join(jobDir, 'pydicom-job.json');
  writeFileSync(jobPath, JSON.stringify(job));
  const r = spawnSync(PYTHON, [join(HERE, 'pydicom_render.py'), jobPath], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`pydicom_render.py failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return (JSON.parse(r.stdout) as { rows: PyRow[] }).rows;
}

/** The service in a child process (bench/service-process.ts), so it gets its own event loop. */
function startService() {
  // The MR fixture (20 x 512 x 512 x 2 bytes + header) is just over the default 10 MiB upload
  // limit (MAX_UPLOAD_BYTES_DEFAULT); the limit is raised here so every fixture can be compared.
  // AUTH=off: Orthanc runs without authentication here too, so neither side pays for it.
  return startServiceProcess({ MAX_UPLOAD_BYTES: String(SERVICE_MAX_UPLOAD_BYTES), AUTH: 'off' });
}

async function uploadToService(base: string, bytes: Uint8Array): Promise<string> {
  const res = await fetch(`${base}/files`, { method: 'POST', body: JSON.stringify({ size: bytes.length }), headers: { 'content-type': 'application/json' } });
  const created = (await res.json()) as { id: string; uploadUrl: string; headers: Record<string, string> };
  if (res.status !== 201 && res.status !== 200) throw new Error(`POST /files: ${res.status} ${JSON.stringify(created)}`);
  const put = await fetch(created.uploadUrl, { method: 'PUT', headers: created.headers, body: Buffer.from(bytes) });
  await put.arrayBuffer();
  if (put.status !== 200) throw new Error(`upload failed: ${put.status}`);
  // Let the processor (summary, default PNG, thumbnail) finish before anything is timed.
  for (let i = 0; i < 600; i++) {
    const info = (await (await fetch(`${base}/files/${created.id}`)).json()) as { status: string };
    if (info.status !== 'pending' && info.status !== 'awaiting-upload') return created.id;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('upload was not processed within 30 s');
}

export interface CompareOptions {
  runs: number;
  /** In-process measurement rounds (ours then pydicom, alternating); the median round counts. */
  rounds: number;
  /** Most requests per HTTP scenario and connection count. */
  requests: number;
  /** Fewest requests per HTTP scenario and connection count. */
  minRequests: number;
  /** Wall-time aim per HTTP scenario and connection count: fewer requests for slow ones. */
  budgetMs: number;
  outDir: string;
  say: (s: string) => void;
}

export async function benchCompare(opts: CompareOptions): Promise<CompareResult> {
  const { runs, rounds, say } = opts;
  const notRun: string[] = [];
  const versions: Record<string, string> = { node: process.version };
  const ov = orthancVersion();
  if (ov) versions.orthanc = ov;
  else notRun.push('NOT RUN: Orthanc not installed (bench/compare/install.sh)');
  const py = pythonStatus();
  if (py.ok) Object.assign(versions, py.versions);
  else notRun.push(`NOT RUN: pydicom + numpy + Pillow: ${py.why} (bench/compare/install.sh)`);
  for (const line of notRun) say(line);

  const work = mkdtempSync(join(tmpdir(), 'dicom-compare-'));
  const pngDir = join(opts.outDir, 'compare-png');
  mkdirSync(pngDir, { recursive: true });
  const fx = fixtures();
  const files: Record<string, string> = {};
  for (const f of fx) {
    files[f.key] = join(work, `${f.key}.dcm`);
    writeFileSync(files[f.key], f.image.bytes);
  }
  const result: CompareResult = { versions, notRun, rounds, runs, loadAverage: { start: loadavg()[0] }, inProcess: [], http: [], pixels: [], httpMatchesInProcess: [] };
  const pngs: Record<string, Uint8Array> = {}; // `${tool}:${key}:${variant}`

  try {
    // ---- In process: ours and pydicom, alternating by round on the same files.
    say(`In process: ${rounds} round(s) x ${runs} runs each, ours then pydicom ...`);
    const oursRounds = new Map<string, Timing[]>();
    const pyRounds = new Map<string, { t: Timing[]; bytes: number }>();
    for (let round = 0; round < rounds; round++) {
      for (const f of fx) {
        const bytes = new Uint8Array(readFileSync(files[f.key]));
        for (const v of f.variants) {
          let png: Uint8Array = new Uint8Array();
          const t = await time(
            async () => {
              png = (await renderPng(parseDicom(bytes, { vrLookup }), requestOf(v))).png;
            },
            { runs },
          );
          const id = `${f.key}:${v}`;
          oursRounds.set(id, [...(oursRounds.get(id) ?? []), t]);
          pngs[`ours:${id}`] = png;
          writeFileSync(join(pngDir, `${f.key}-${v}-ours.png`), png);
        }
      }
      if (py.ok) {
        for (const row of runPydicom(work, files, fx, runs, pngDir)) {
          const id = `${row.key}:${row.variant}:${row.compressLevel}`;
          const prev = pyRounds.get(id);
          pyRounds.set(id, { t: [...(prev?.t ?? []), row.ms], bytes: row.pngBytes });
        }
      }
    }
    for (const f of fx) {
      for (const v of f.variants) {
        const id = `${f.key}:${v}`;
        const pydicom: Record<string, TimingSpread & { pngBytes: number }> = {};
        for (const level of PIL_LEVELS) {
          const p = pyRounds.get(`${id}:${level}`);
          if (p) pydicom[`level${level}`] = { ...spread(p.t), pngBytes: p.bytes };
        }
        result.inProcess.push({
          key: f.key,
          image: f.image.name,
          variant: v,
          ours: spread(oursRounds.get(id)!),
          oursPngBytes: pngs[`ours:${id}`].length,
          ...(py.ok ? { pydicom } : {}),
        });
        if (py.ok) pngs[`pydicom:${id}`] = readFileSync(join(pngDir, `${f.key}-${v}-pydicom.png`));
      }
    }

    // ---- Over HTTP: Orthanc and the service, the same client loop.
    const orthanc: Orthanc | undefined = ov ? await startOrthanc(join(work, 'orthanc')) : undefined;
    if (orthanc) versions.orthancRest = orthanc.version;
    const service = await startService();
    const probe = makeClient(1);
    try {
      const scenario = async (
        s: Omit<HttpScenario, 'firstMs' | 'byConnections'>,
        url: (i: number) => string,
        headers: Record<string, string> = {},
      ): Promise<void> => {
        // First request (cold for this file on this server), then two warm-ups that size the run.
        let t0 = performance.now();
        const first = await probe.get(url(-1), headers);
        const firstMs = performance.now() - t0;
        if (first.status !== 200) throw new Error(`${s.server} ${s.path}: HTTP ${first.status} ${first.body.toString('utf8').slice(0, 300)}`);
        const warm: number[] = [];
        for (let i = -3; i < -1; i++) {
          t0 = performance.now();
          await probe.get(url(i), headers);
          warm.push(performance.now() - t0);
        }
        const each = Math.max(0.1, Math.min(...warm));
        const n = Math.max(opts.minRequests, Math.min(opts.requests, Math.ceil(opts.budgetMs / each)));
        const byConnections: LoadResult[] = [];
        let offset = 0;
        for (const connections of [1, 4]) {
          const base = offset;
          byConnections.push(await load(connections, n, (i) => url(base + i), headers));
          offset += n;
        }
        result.http.push({ ...s, firstMs, byConnections });
        const c1 = byConnections[0];
        say(`  ${s.server.padEnd(7)} ${s.key} ${s.scenario.padEnd(28)} first ${ms(firstMs).padStart(6)}  p50 ${ms(c1.latency.median).padStart(6)} (n=${n})`);
      };

      for (const f of fx) {
        say(`HTTP: ${f.image.name}`);
        if (orthanc) {
          const oid = await orthanc.upload(f.image.bytes);
          const o = (p: string) => `${orthanc.url}/instances/${oid}${p}`;
          await scenario({ server: 'orthanc', scenario: 'GET /rendered', image: f.image.name, key: f.key, variant: '8', cache: 'renders every request', path: '/instances/{id}/rendered' }, () => o('/rendered'));
          pngs[`orthanc:${f.key}:8`] = (await probe.get(o('/rendered'))).body;
          writeFileSync(join(pngDir, `${f.key}-8-orthanc.png`), pngs[`orthanc:${f.key}:8`]);
          if (f.variants.includes('16raw')) {
            const accept = { accept: 'image/png' };
            await scenario(
              { server: 'orthanc', scenario: 'GET /frames/0/image-uint16', image: f.image.name, key: f.key, variant: '16raw', cache: 'renders every request', path: '/instances/{id}/frames/0/image-uint16 (Accept: image/png)' },
              () => o('/frames/0/image-uint16'),
              accept,
            );
            pngs[`orthanc:${f.key}:16raw`] = (await probe.get(o('/frames/0/image-uint16'), accept)).body;
            writeFileSync(join(pngDir, `${f.key}-16raw-orthanc.png`), pngs[`orthanc:${f.key}:16raw`]);
          }
          await scenario({ server: 'orthanc', scenario: 'GET /tags?simplify', image: f.image.name, key: f.key, variant: 'header', cache: 'header', path: '/instances/{id}/tags?simplify' }, () => o('/tags?simplify'));
          // The fixtures share their UIDs: Orthanc would take the next upload for this one.
          await orthanc.remove(oid);
        }

        const id = await uploadToService(service.url, f.image.bytes);
        const s = (p: string) => `${service.url}/files/${id}${p}`;
        // Cache-busting windows next to the file's own: a new cache key, nearly the same picture.
        let seed = 0;
        const fresh = () => `window=${f.window.center + ++seed / 1000},${f.window.width}`;
        for (const v of f.variants) {
          const depth = v === '8' ? '' : 'bitDepth=16';
          const cachedQuery = v === '16raw' ? '?bitDepth=16&window=none' : depth ? `?${depth}` : '';
          if (v !== '16raw') {
            // window=none has one cache key per frame: no uncached run without deleting objects.
            await scenario(
              { server: 'service', scenario: `GET /png${depth ? `?${depth}` : ''} uncached`, image: f.image.name, key: f.key, variant: v, cache: 'uncached', path: `/files/{id}/png?${depth ? `${depth}&` : ''}window=<new each request>` },
              () => s(`/png?${depth ? `${depth}&` : ''}${fresh()}`),
            );
          }
          if (v === '8') {
            // Where the uncached time goes: the same request answered with JSON (no redirect, no PNG download).
            await scenario(
              { server: 'service', scenario: 'GET /png uncached, JSON answer', image: f.image.name, key: f.key, variant: v, cache: 'uncached-json', path: '/files/{id}/png?window=<new each request> (Accept: application/json)' },
              () => s(`/png?${fresh()}`),
              { accept: 'application/json' },
            );
          }
          await scenario(
            { server: 'service', scenario: `GET /png${cachedQuery} cached`, image: f.image.name, key: f.key, variant: v, cache: 'cached', path: `/files/{id}/png${cachedQuery}` },
            () => s(`/png${cachedQuery}`),
          );
          const got = (await probe.get(s(`/png${cachedQuery}`))).body;
          pngs[`service:${f.key}:${v}`] = got;
          result.httpMatchesInProcess.push({ key: f.key, variant: v, identical: Buffer.compare(got, Buffer.from(pngs[`ours:${f.key}:${v}`])) === 0 });
        }
        await scenario({ server: 'service', scenario: 'GET /tags', image: f.image.name, key: f.key, variant: 'header', cache: 'header', path: '/files/{id}/tags' }, () => s('/tags'));
      }
    } finally {
      probe.close();
      await service.close();
      await orthanc?.close();
    }

    // ---- Same pictures? Every tool's PNG against this service's in-process PNG.
    for (const f of fx) {
      for (const v of f.variants) {
        const ours = pngs[`ours:${f.key}:${v}`];
        for (const tool of ['pydicom', 'orthanc']) {
          const theirs = pngs[`${tool}:${f.key}:${v}`];
          if (!theirs) continue;
          const toolName = tool === 'pydicom' ? `pydicom+Pillow (level ${PIL_LEVELS[0]})` : 'Orthanc';
          result.pixels.push({ key: f.key, image: f.image.name, variant: v, against: toolName, diff: diffPng(ours, theirs), oursBytes: ours.length, theirsBytes: theirs.length, theirsBytesAfterIend: bytesAfterIend(theirs) });
        }
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  result.loadAverage.end = loadavg()[0];
  return result;
}

const VARIANT_LABEL: Record<Variant | 'header', string> = {
  '8': '8-bit, file window',
  '16': '16-bit, file window',
  '16raw': '16-bit, stored values',
  header: 'header JSON',
};

const span = (t: TimingSpread | undefined) => (t ? ms(t.median) : '-');

/** The markdown the issue asked for: one row per image and output, medians in ms. */
export function compareTables(r: CompareResult): string {
  const out: string[] = [];
  const http = (server: HttpScenario['server'], key: string, variant: HttpScenario['variant'], cache?: HttpScenario['cache']) => {
    const h = r.http.find((x) => x.server === server && x.key === key && x.variant === variant && (cache === undefined || x.cache === cache));
    if (!h) return '-';
    return `${ms(h.byConnections[0].latency.median)} / ${ms(h.byConnections[1].latency.median)}`;
  };
  const keys = [...new Set(r.inProcess.map((x) => x.key))];
  const rows: (string | number)[][] = [];
  for (const key of keys) {
    for (const ip of r.inProcess.filter((x) => x.key === key)) {
      const py6 = ip.pydicom?.[`level${PIL_LEVELS[0]}`];
      const py1 = ip.pydicom?.[`level${PIL_LEVELS[1]}`];
      rows.push([
        ip.image,
        VARIANT_LABEL[ip.variant],
        span(ip.ours),
        py6 && py1 ? `${ms(py6.median)} / ${ms(py1.median)}` : '-',
        ip.variant === '16' && r.versions.orthanc ? 'no such route' : http('orthanc', key, ip.variant),
        ip.variant === '16raw' ? 'n/a (see 16-bit, file window)' : http('service', key, ip.variant, 'uncached'),
        http('service', key, ip.variant, 'cached'),
      ]);
    }
    const img = r.inProcess.find((x) => x.key === key)!.image;
    rows.push([img, VARIANT_LABEL.header, '-', '-', http('orthanc', key, 'header'), '-', http('service', key, 'header')]);
  }
  out.push(
    table(
      [
        'image',
        'output',
        'this service, in process',
        `pydicom+Pillow, in process (level ${PIL_LEVELS.join(' / ')})`,
        'Orthanc over HTTP (1 / 4 conns)',
        'this service over HTTP, uncached (1 / 4 conns)',
        'this service over HTTP, cached (1 / 4 conns)',
      ],
      rows,
    ),
  );
  out.push('\nMedian ms. In process: median over rounds of each round\'s median. Over HTTP: p50 latency per request with 1 and with 4 concurrent connections.');

  out.push('\n### Spread and sizes (in process)\n');
  out.push(
    table(
      ['image', 'output', 'ours median (round low-high)', 'ours p95', 'ours PNG bytes', 'pydicom L6 (low-high)', 'pydicom L1 (low-high)', 'pydicom L6 / L1 PNG bytes'],
      r.inProcess.map((ip) => {
        const p6 = ip.pydicom?.[`level${PIL_LEVELS[0]}`];
        const p1 = ip.pydicom?.[`level${PIL_LEVELS[1]}`];
        const lh = (t?: TimingSpread) => (t ? `${ms(t.median)} (${ms(t.low)}-${ms(t.high)})` : '-');
        return [ip.image, VARIANT_LABEL[ip.variant], lh(ip.ours), ms(ip.ours?.p95), ip.oursPngBytes ?? '-', lh(p6), lh(p1), p6 && p1 ? `${p6.pngBytes} / ${p1.pngBytes}` : '-'];
      }),
    ),
  );

  out.push('\n### Over HTTP, every scenario\n');
  out.push(
    table(
      ['server', 'image', 'request', 'what it measures', 'first', 'conns', 'n', 'p50', 'p95', 'req/s', 'body bytes', 'non-2xx'],
      r.http.flatMap((h) =>
        h.byConnections.map((c) => [
          h.server,
          h.key,
          h.path,
          h.cache,
          ms(h.firstMs),
          c.connections,
          c.requests,
          ms(c.latency.median),
          ms(c.latency.p95),
          c.requestsPerSecond.toFixed(1),
          c.bodyBytes,
          c.non2xx,
        ]),
      ),
    ),
  );

  out.push('\n### Same pictures? Each tool\'s PNG against this service\'s in-process PNG\n');
  out.push(
    table(
      ['image', 'output', 'against', 'max abs diff', 'identical %', 'within 1 level %', 'mean abs diff', 'PNG bytes ours / theirs'],
      r.pixels.map((p) => [
        p.image,
        VARIANT_LABEL[p.variant],
        p.against,
        p.diff.comparable ? p.diff.maxAbs! : `not comparable: ${p.diff.reason}`,
        p.diff.comparable ? p.diff.identicalPct!.toFixed(3) : '-',
        p.diff.comparable ? p.diff.within1Pct!.toFixed(3) : '-',
        p.diff.comparable ? p.diff.meanAbs!.toFixed(4) : '-',
        `${p.oursBytes} / ${p.theirsBytes}${p.theirsBytesAfterIend ? ` (${p.theirsBytesAfterIend} after IEND)` : ''}`,
      ]),
    ),
  );
  const mismatched = r.httpMatchesInProcess.filter((m) => !m.identical);
  out.push(
    `\nThe service's cached PNG fetched over HTTP is byte-identical to its in-process PNG: ${mismatched.length === 0 ? 'yes, for every image and output' : `NO for ${mismatched.map((m) => `${m.key}/${m.variant}`).join(', ')}`}.`,
  );
  out.push(`1-minute load average: ${r.loadAverage.start.toFixed(2)} at the start, ${r.loadAverage.end?.toFixed(2) ?? '-'} at the end. Versions: ${Object.entries(r.versions).map(([k, v]) => `${k} ${v}`).join(', ')}.`);
  return out.join('\n');
}
