/**
 * Worker-thread entry of the robustness harness (bundled by esbuild in harness.ts, run in a
 * worker so a case that hangs can be terminated and a case that blows the heap is contained).
 *
 * For one input it runs every product path that reads untrusted bytes and reports, per step,
 * whether the step returned a result, threw a DomainError (with its status) or threw anything
 * else (which is a bug). Steps:
 *   parse   parseDicom(bytes, {vrLookup})                       (export's full parse)
 *   json    dataSetToJson(parsed)                               (header JSON model)
 *   header  getHeaderJson over MemoryStorage, first read N bytes (ranged, incremental parse)
 *   export  exportPng over MemoryStorage (parse + render + cache write)
 *   codec   the encapsulated frame handed to lib/pixels/codecs directly (until they are wired
 *           into decodeFrame, this is the only way the fuzzer reaches them)
 */
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { DomainError } from '../../lib/errors.js';
import { vrLookup } from '../../lib/dicom/dictionary.js';
import { parseDicom, type ParsedDicom } from '../../lib/dicom/parse.js';
import { dataSetToJson } from '../../lib/dicom/json-model.js';
import { readHeader } from '../../lib/header/ranged-header-read.js';
import { ExportService } from '../../lib/export/export-service.js';
import { readImageInfo } from '../../lib/pixels/image-info.js';
import { decodeFrame } from '../../lib/pixels/decoders.js';
import { CODECS } from '../../lib/pixels/codecs/index.js';
import { uploadKey } from '../../lib/storage/object-keys.js';
import { MemoryStorage } from '../support/memory-storage.js';
/** A tenant segment (lib/auth/tenant.ts format): every key of a file carries one. */
const T = 't0123456789abcdef0123456789abcdef';

export type StepName = 'parse' | 'json' | 'header' | 'export' | 'codec';

export interface StepOutcome {
  step: StepName;
  /** ok: a result; domain: a DomainError 4xx; bad: anything else (a bug). */
  outcome: 'ok' | 'domain' | 'bad' | 'skipped';
  status?: number;
  code?: string;
  /** For 'bad': what was thrown. */
  thrown?: string;
  ms: number;
  /** For header/json: a digest of the JSON, to compare the ranged and the full read. */
  digest?: string;
}

export interface CaseRequest {
  id: number;
  bytes: Uint8Array;
  /** First ranged read of the header path (64 KiB in production; smaller exercises NeedMoreBytes). */
  firstReadBytes: number;
  frame: number;
  bitDepth: 8 | 16;
  steps: StepName[];
}

export interface CaseResponse {
  id: number;
  results: StepOutcome[];
  heapUsed: number;
  /**
   * CPU time the process spent on the case (user + system). The budget is checked on it rather
   * than on wall time: on a busy machine (other suites on the same 2 cores) a case waits for a
   * core without doing more work, and wall time then says nothing about the file.
   */
  cpuMs: number;
}

const FILE_ID = '6f1c2a52-4b1e-4c3e-9a6f-0c1d2e3f4a5b';

function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}\n${(e.stack ?? '').split('\n').slice(1, 6).join('\n')}`;
  try {
    return `${typeof e}: ${JSON.stringify(e)?.slice(0, 300)}`;
  } catch {
    return `${typeof e}: ${String(e)}`;
  }
}

async function step(name: StepName, fn: () => unknown): Promise<StepOutcome & { value?: unknown }> {
  const t0 = performance.now();
  try {
    const value = await fn();
    return { step: name, outcome: 'ok', ms: performance.now() - t0, value };
  } catch (e) {
    const ms = performance.now() - t0;
    if (e instanceof DomainError) {
      const ok = e.status >= 400 && e.status <= 499;
      return ok
        ? { step: name, outcome: 'domain', status: e.status, code: e.code, ms }
        : { step: name, outcome: 'bad', status: e.status, code: e.code, thrown: `DomainError ${e.code} ${e.status}: ${e.message}`, ms };
    }
    return { step: name, outcome: 'bad', thrown: describe(e), ms };
  }
}

function digest(value: unknown): string {
  // Stable enough for equality: JSON with the InlineBinary of bulk values kept.
  return JSON.stringify(value);
}

async function runCase(req: CaseRequest): Promise<StepOutcome[]> {
  const out: StepOutcome[] = [];
  const bytes = req.bytes;
  let parsed: ParsedDicom | undefined;
  const push = (r: StepOutcome & { value?: unknown }, keepDigest = false) => {
    const { value, ...rest } = r;
    out.push(keepDigest && r.outcome === 'ok' ? { ...rest, digest: digest(value) } : rest);
  };

  if (req.steps.includes('parse') || req.steps.includes('codec')) {
    const r = await step('parse', () => (parsed = parseDicom(bytes, { vrLookup })));
    push(r);
  }
  if (req.steps.includes('json')) {
    // The header route parses up to Pixel Data only; compare like with like.
    push(await step('json', () => dataSetToJson(parseDicom(bytes, { vrLookup, untilPixelData: true }))), true);
  }
  if (req.steps.includes('header')) {
    const storage = new MemoryStorage();
    storage.objects.set(uploadKey({ tenant: T, id: FILE_ID }), { body: bytes, contentType: 'application/dicom', lastModified: new Date() });
    push(
      await step('header', async () => dataSetToJson((await readHeader(storage, uploadKey({ tenant: T, id: FILE_ID }), { firstReadBytes: req.firstReadBytes })).parsed)),
      true,
    );
  }
  if (req.steps.includes('export')) {
    const storage = new MemoryStorage();
    storage.objects.set(uploadKey({ tenant: T, id: FILE_ID }), { body: bytes, contentType: 'application/dicom', lastModified: new Date() });
    push(
      await step('export', () =>
        new ExportService(storage, { renderUrlTtlSeconds: 60, maxUploadBytes: 64 * 1024 * 1024 }).exportPng({ tenant: T, id: FILE_ID }, { frame: req.frame, bitDepth: req.bitDepth }),
      ),
    );
  }
  if (req.steps.includes('codec')) {
    const p = parsed;
    const codec = p ? CODECS[p.transferSyntaxUid] : undefined;
    if (p && codec && p.pixelElement?.encapsulatedPixelData) {
      push(
        await step('codec', async () => {
          // The codec through the decoder table, as the renderer calls it (frame lookup, codec, shape checks).
          const info = readImageInfo(p);
          return decodeFrame(p, info, Math.min(req.frame, info.numberOfFrames) - 1);
        }),
      );
    } else out.push({ step: 'codec', outcome: 'skipped', ms: 0 });
  }
  return out;
}

const cpuMsSince = (start: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

parentPort?.on('message', (req: CaseRequest) => {
  const cpu0 = process.cpuUsage();
  void runCase(req).then(
    (results) => parentPort!.postMessage({ id: req.id, results, heapUsed: process.memoryUsage().heapUsed, cpuMs: cpuMsSince(cpu0) } satisfies CaseResponse),
    (e: unknown) =>
      parentPort!.postMessage({
        id: req.id,
        results: [{ step: 'parse', outcome: 'bad', thrown: `harness: ${describe(e)}`, ms: 0 }],
        heapUsed: 0,
        cpuMs: cpuMsSince(cpu0),
      } satisfies CaseResponse),
  );
});

/**
 * One-shot mode for peak-memory checks: `node fuzz-worker.mjs --once <file> <steps,comma> [firstReadBytes]`
 * runs one case in a fresh process and prints the results with the process's peak RSS.
 */
if (!parentPort && process.argv[2] === '--once') {
  const [file, steps, firstRead] = process.argv.slice(3);
  const bytes = new Uint8Array(readFileSync(file));
  const baseRss = process.memoryUsage().rss;
  void runCase({ id: 0, bytes, firstReadBytes: Number(firstRead ?? 65536), frame: 1, bitDepth: 8, steps: steps.split(',') as StepName[] }).then((results) => {
    process.stdout.write(JSON.stringify({ results, baseRssBytes: baseRss, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
  });
}
