/**
 * Issue 15, memory: the export's peak RSS with its memos full (parsed ready files up to 128 MiB,
 * decoded frames up to 256 MiB) while it renders the largest corpus image and a 10 MiB JPEG 2000,
 * against half the export function's memory (infra/dicom-service-stack.ts FUNCTION_SIZING).
 * Runs in a fresh Node process of its own (`--child`) so the peak is the export's alone:
 *   npx tsx bench/memory.ts            (BENCH_ONLY=memory in bench/run.ts)
 * The storage is in memory: each source object is held once however many ids name it (as S3
 * would hold it outside the function), GETs hand out copies (as the SDK does), and render PUTs
 * keep no body, so what the process holds beyond the export's own memory is a few source files.
 */
import type { ReadySources } from '../lib/export/ready-sources.js';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExportService } from '../lib/export/export-service.js';
import { preRender } from '../lib/export/pre-render.js';
import { processUpload } from '../lib/processing/process-upload.js';
import { type FileRef, uploadKey } from '../lib/storage/object-keys.js';
import { FUNCTION_SIZING } from '../infra/dicom-service-stack.js';
import { corpusAvailable, corpusPath } from '../test/support/corpus.js';
import { MemoryStorage } from '../test/support/memory-storage.js';
import { dx2048 } from './fixtures.js';
import { makeJ2kDicom } from './j2k-fixture.js';

export interface MemoryResult {
  functionMb: number;
  limitMb: number;
  afterImportMb: number;
  afterFillMb: number;
  memo: { sourcesMiB: number; framesMiB: number };
  renders: Array<{ image: string; fileMiB: number; peakRssMb: number; ms: number }>;
  notes: string[];
}

const TENANT = 't0123456789abcdef0123456789abcdef';
const idOf = (n: number): FileRef => ({ tenant: TENANT, id: `6f1c4a52-3b8e-4d5f-9a7b-${n.toString(16).padStart(12, '0')}` });
const rssPeakMb = () => (process.resourceUsage().maxRSS * 1024) / 1e6;

/** Render PUTs keep their metadata only: a deployed function's renders go to S3. */
class BenchStorage extends MemoryStorage {
  override async put(key: string, body: Uint8Array, contentType: string, metadata?: Record<string, string>, tags?: Record<string, string>): Promise<void> {
    await super.put(key, key.startsWith('renders/') ? new Uint8Array(0) : body, contentType, metadata, tags);
  }
}

const cfg = { maxUploadBytes: 64 * 1024 * 1024, renderUrlTtlSeconds: 900, memoTtlSeconds: 600 };

/** Processes `bytes` once under `first`, then names the same object and its summary under `ids` too. */
async function uploadAs(storage: BenchStorage, bytes: Uint8Array, ids: FileRef[]): Promise<void> {
  const first = ids[0];
  storage.objects.set(uploadKey(first), { body: bytes, contentType: 'application/dicom', lastModified: new Date(), etag: 'e' });
  await processUpload(storage, cfg, first, { preRender });
  for (const [key, o] of [...storage.objects]) {
    if (!key.includes(first.id)) continue;
    for (const ref of ids.slice(1)) storage.objects.set(key.replace(first.id, ref.id), o);
  }
}

async function child(j2kPath: string): Promise<MemoryResult> {
  const notes: string[] = [];
  const functionMb = FUNCTION_SIZING.export.memoryMb;
  const afterImportMb = rssPeakMb();
  const storage = new BenchStorage();
  const service = new ExportService(storage, cfg);
  const { sources } = service as unknown as { sources: ReadySources };
  let n = 0;
  let w = 0;
  const render = (ref: FileRef) => service.exportPngInline(ref, { frame: 1, bitDepth: 8, window: { center: 500 + w++, width: 1000, fn: 'linear' } } as never);

  // Fill the decoded-frame memo with the corpus's largest compressed frame (JPEG Lossless,
  // 2394 x 3062, 14.7 MB decoded) under many ids, else the generated JPEG 2000; then the memo of
  // parsed files with the largest native file.
  const j2k = new Uint8Array(readFileSync(j2kPath));
  const compressed = corpusAvailable && existsSync(corpusPath('external/fo-dicom/GH133.dcm')) ? new Uint8Array(readFileSync(corpusPath('external/fo-dicom/GH133.dcm'))) : j2k;
  const largestPath = corpusAvailable ? corpusPath('external/wg04/SC1_UNC.dcm') : undefined;
  const largest = largestPath && existsSync(largestPath) ? new Uint8Array(readFileSync(largestPath)) : dx2048().bytes;
  if (!largestPath || !existsSync(largestPath)) notes.push('corpus not found: the largest image is the generated DX 2048 (8 MiB) instead of SC1_UNC (10 MB)');
  const frameIds = Array.from({ length: 20 }, () => idOf(n++));
  await uploadAs(storage, compressed, frameIds);
  for (const ref of frameIds) await render(ref);
  const sourceIds = Array.from({ length: 14 }, () => idOf(n++));
  await uploadAs(storage, largest, sourceIds);
  for (const ref of sourceIds) await render(ref);
  const afterFillMb = rssPeakMb();
  const memo = { sourcesMiB: sources.heldBytes.parsed / 2 ** 20, framesMiB: sources.heldBytes.frames / 2 ** 20 };

  const renders: MemoryResult['renders'] = [];
  for (const [image, bytes] of [
    [largestPath && existsSync(largestPath) ? 'largest corpus image: SC1_UNC 2048x2487 native' : 'DX 2048 (generated)', largest],
    [`JPEG 2000 lossless (generated)`, j2k],
  ] as const) {
    const ref = idOf(n++);
    await uploadAs(storage, bytes, [ref]);
    const t0 = performance.now();
    await render(ref);
    renders.push({ image, fileMiB: bytes.length / 2 ** 20, peakRssMb: rssPeakMb(), ms: performance.now() - t0 });
  }
  return { functionMb, limitMb: functionMb / 2, afterImportMb, afterFillMb, memo, renders, notes };
}

/** The 10 MiB JPEG 2000, generated once into `outDir` (about 20 s of OpenJPEG encoding). */
export async function j2kFile(outDir: string): Promise<string> {
  const path = join(outDir, 'j2k-2800.dcm');
  if (!existsSync(path)) {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(path, await makeJ2kDicom(2800, 2800, 12));
  }
  return path;
}

export async function benchMemory(outDir: string): Promise<MemoryResult> {
  const j2k = await j2kFile(outDir);
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/memory.ts', '--child', j2k], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`memory bench failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as MemoryResult;
}

if (process.argv[2] === '--child') {
  process.stdout.write(`${JSON.stringify(await child(process.argv[3]))}\n`);
} else if (process.argv[1]?.endsWith('memory.ts')) {
  console.log(JSON.stringify(await benchMemory(join('bench', 'results')), null, 2));
}
