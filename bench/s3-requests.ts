/**
 * S3 requests per API operation, counted (not estimated) by running the services against an
 * in-memory storage that counts every call: the cost model's request column (README, "Cost
 * model"). Presigning is local (no request). The client's own PUT of the upload and GET of a
 * redirected render are S3 requests too and are listed apart.
 *   npx tsx bench/s3-requests.ts
 */
import './bench-env.js';
import { ExportService } from '../lib/export/export-service.js';
import { preRender } from '../lib/export/pre-render.js';
import { HeaderService } from '../lib/header/header-service.js';
import { processUpload } from '../lib/processing/process-upload.js';
import type { Storage } from '../lib/storage/storage.js';
import { createUpload } from '../lib/upload/upload-service.js';
import { uploadKey } from '../lib/storage/object-keys.js';
import { MemoryStorage } from '../test/support/memory-storage.js';
import { ct512 } from './fixtures.js';
import { table } from './measure.js';

const TENANT = 't0123456789abcdef0123456789abcdef';
/** S3 request classes (S3 pricing): PUT, COPY, POST, LIST are one price; GET, HEAD another; DELETE is free. */
const CLASS: Record<string, 'write' | 'read' | 'free' | 'local'> = {
  put: 'write',
  putIfAbsent: 'write',
  copy: 'write',
  list: 'write',
  setTags: 'write',
  head: 'read',
  get: 'read',
  getRange: 'read',
  getHead: 'read',
  delete: 'free',
  presignPut: 'local',
  presignGet: 'local',
};

export interface RequestCount {
  operation: string;
  calls: Record<string, number>;
  /** Calls by the key's top-level prefix (uploads/, renders/, ...): S3 rates are per prefix. */
  prefixes: Record<string, number>;
  /** In process, storage in memory: the function's own compute, S3 latency excluded. */
  ms: number;
  writes: number;
  reads: number;
}

function counting(inner: MemoryStorage): { storage: Storage; take: () => { calls: Record<string, number>; prefixes: Record<string, number> } } {
  let calls: Record<string, number> = {};
  let prefixes: Record<string, number> = {};
  const storage = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function' || typeof prop !== 'string' || !(prop in CLASS)) return v;
      return (...args: unknown[]) => {
        calls[prop] = (calls[prop] ?? 0) + 1;
        if (CLASS[prop] !== 'local' && typeof args[0] === 'string') {
          const top = `${args[0].split('/')[0]}/ (${CLASS[prop]})`;
          prefixes[top] = (prefixes[top] ?? 0) + 1;
        }
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as unknown as Storage;
  return {
    storage,
    take: () => {
      const c = { calls, prefixes };
      calls = {};
      prefixes = {};
      return c;
    },
  };
}

export async function countS3Requests(): Promise<RequestCount[]> {
  const mem = new MemoryStorage();
  const { storage, take } = counting(mem);
  const cfg = { maxUploadBytes: 64 * 1024 * 1024, uploadUrlTtlSeconds: 900, renderUrlTtlSeconds: 900, memoTtlSeconds: 60 };
  const rows: RequestCount[] = [];
  let t0 = performance.now();
  const record = (operation: string) => {
    const ms = performance.now() - t0;
    const { calls, prefixes } = take();
    const sum = (k: 'write' | 'read') => Object.entries(calls).reduce((n, [m, c]) => n + (CLASS[m] === k ? c : 0), 0);
    rows.push({ operation, calls, prefixes, ms, writes: sum('write'), reads: sum('read') });
    t0 = performance.now();
  };
  const bytes = ct512().bytes;
  // Warm the JIT and load what the first call would, so the times are a warm container's.
  {
    const warm = new MemoryStorage();
    const r = { tenant: TENANT, id: '00000000-0000-4000-8000-000000000000' };
    warm.objects.set(uploadKey(r), { body: bytes, contentType: 'application/dicom', lastModified: new Date(), etag: 'e' });
    await processUpload(warm, cfg, r, { preRender });
    await new HeaderService(warm, cfg).tag(r, '00100010');
    await new ExportService(warm, cfg).exportPng(r, { frame: 1, bitDepth: 8, window: { center: 1, width: 2, fn: 'linear' } } as never);
  }
  t0 = performance.now();
  const created = await createUpload(storage, cfg, TENANT, { size: bytes.length });
  record('POST /files (upload URL)');
  const ref = { tenant: TENANT, id: created.id };
  // The client's PUT to the presigned URL: one S3 PUT, outside the functions.
  mem.objects.set(uploadKey(ref), { body: bytes, contentType: 'application/dicom', lastModified: new Date(), etag: 'e' });
  await processUpload(storage, cfg, ref, { preRender });
  record('processing (S3 event -> processor, pre-render included)');

  const headerCold = new HeaderService(storage, cfg);
  await headerCold.tag(ref, '00100010');
  record('header, new container');
  await headerCold.tag(ref, '00080060');
  record('header, warm container');

  const exportCold = new ExportService(storage, cfg);
  const w = { frame: 1, bitDepth: 8 as const };
  await exportCold.exportPng(ref, { ...w, window: { center: 40, width: 400, fn: 'linear' } } as never);
  record('export miss (303), new container: render + PUT');
  await exportCold.exportPng(ref, { ...w, window: { center: 40, width: 400, fn: 'linear' } } as never);
  record('export hit (303), warm container');
  const exportCold2 = new ExportService(storage, cfg);
  await exportCold2.exportPng(ref, { ...w, window: { center: 40, width: 400, fn: 'linear' } } as never);
  record('export hit (303), new container');
  await exportCold.exportPngInline(ref, { ...w, window: { center: 41, width: 400, fn: 'linear' } } as never);
  record('export inline (200 image/png, new window), warm container');
  return rows;
}

if (process.argv[1]?.endsWith('s3-requests.ts')) {
  const rows = await countS3Requests();
  process.stdout.write(
    `${table(
      ['operation (CT 512)', 'S3 calls by the function', 'PUT/COPY/LIST class', 'GET/HEAD class', 'by prefix', 'ms in process'],
      rows.map((r) => [
        r.operation,
        Object.entries(r.calls).map(([m, c]) => `${m} ${c}`).join(', '),
        r.writes,
        r.reads,
        Object.entries(r.prefixes).map(([p, c]) => `${p} ${c}`).join(', '),
        r.ms.toFixed(1),
      ]),
    )}\n`,
  );
}
