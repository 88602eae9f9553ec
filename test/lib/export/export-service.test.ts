import { describe, expect, it } from 'vitest';
import { type ExportConfig, ExportService } from '../../../lib/export/export-service.js';
import { DEFAULT_RENDER, preRender } from '../../../lib/export/pre-render.js';
import { processUpload as process } from '../../../lib/processing/process-upload.js';
import { MemoryStorage } from '../../support/memory-storage.js';
import { makeImageDicom } from '../../support/dicom-writer.js';
/** A tenant segment (lib/auth/tenant.ts format): every key of a file carries one. */
const T = 't0123456789abcdef0123456789abcdef';


const cfg = { maxUploadBytes: 10 * 1024 * 1024, renderUrlTtlSeconds: 300 };
const processUpload = (storage: MemoryStorage, c: ExportConfig, id: string) => process(storage, c, { tenant: T, id }, { preRender });
const ID = '6f1c4a52-3b8e-4d5f-9a7b-2c1d0e9f8a7b';
const image = () => makeImageDicom({ rows: 4, columns: 5, bitsAllocated: 16, bitsStored: 12, window: { center: 1000, width: 2000 }, pixel: (_f, r, c) => r * 500 + c * 100 });

function uploaded(): MemoryStorage {
  const storage = new MemoryStorage();
  storage.objects.set(`uploads/${T}/${ID}.dcm`, { body: image(), contentType: 'application/dicom', lastModified: new Date(), etag: 'e1' });
  return storage;
}

/** One service per storage and configuration, as a container has one of each (functions/export.ts). */
const services = new WeakMap<MemoryStorage, Map<ExportConfig, ExportService>>();
function exportPng(storage: MemoryStorage, c: ExportConfig, id: string, params: Parameters<ExportService['exportPng']>[1]) {
  const byConfig = services.get(storage) ?? new Map<ExportConfig, ExportService>();
  services.set(storage, byConfig);
  let service = byConfig.get(c);
  if (!service) byConfig.set(c, (service = new ExportService(storage, c)));
  return service.exportPng({ tenant: T, id }, params);
}

/** Counts of S3 requests a call made. */
async function requests(storage: MemoryStorage, call: () => Promise<unknown>) {
  const before = { heads: storage.heads, gets: storage.gets + storage.rangeGets, puts: storage.puts };
  await call();
  return { heads: storage.heads - before.heads, gets: storage.gets + storage.rangeGets - before.gets, puts: storage.puts - before.puts };
}

describe('exportPng cache lookup', () => {
  it('answers a repeated request for a ready file from the container memo: two HEADs, whether it was deleted or rewritten', async () => {
    const storage = uploaded();
    expect((await processUpload(storage, cfg, ID)).outcome).toBe('ready');
    // First request: summary + id-keyed + upload + tombstone HEADs, then the content-hash HEAD finds the pre-render.
    const first = await requests(storage, async () => expect(await exportPng(storage, cfg, ID, DEFAULT_RENDER)).toMatchObject({ cached: true, width: 5, height: 4 }));
    expect(first).toEqual({ heads: 5, gets: 0, puts: 0 });
    const again = await requests(storage, async () => expect(await exportPng(storage, cfg, ID, DEFAULT_RENDER)).toMatchObject({ cached: true, width: 5, height: 4 }));
    // Only the upload's and the tombstone's HEADs: a DELETE in another container must be seen at
    // once (issue 11), a second write through an emulator too (issue 13).
    expect(again).toEqual({ heads: 2, gets: 0, puts: 0 });
  });

  it('remembers a render it made under the content hash, and HEADs a new variant once', async () => {
    const storage = uploaded();
    await processUpload(storage, cfg, ID);
    await exportPng(storage, cfg, ID, DEFAULT_RENDER); // learns the hash
    const params = { frame: 1, bitDepth: 16 as const };
    const miss = await requests(storage, async () => expect(await exportPng(storage, cfg, ID, params)).toMatchObject({ cached: false }));
    expect(miss).toMatchObject({ heads: 3, puts: 1 }); // the render key, the tombstone and the upload (its size before GETting it)
    const hit = await requests(storage, async () => expect(await exportPng(storage, cfg, ID, params)).toMatchObject({ cached: true, width: 5 }));
    expect(hit).toEqual({ heads: 2, gets: 0, puts: 0 });
  });

  it('hands out the same presigned URL for the same PNG within a fifth of the URL lifetime', async () => {
    const storage = uploaded();
    await processUpload(storage, cfg, ID);
    const a = await exportPng(storage, cfg, ID, DEFAULT_RENDER);
    const signed = storage.presignedGets;
    const b = await exportPng(storage, cfg, ID, DEFAULT_RENDER);
    expect(b.url).toBe(a.url);
    expect(storage.presignedGets).toBe(signed);
    // A 5 s URL is reused for 1 s at most.
    const short = { ...cfg, renderUrlTtlSeconds: 5 };
    await exportPng(storage, short, ID, DEFAULT_RENDER);
    await new Promise((r) => setTimeout(r, 1050));
    await exportPng(storage, short, ID, DEFAULT_RENDER);
    expect(storage.presignedGets).toBe(signed + 2);
  });

  it('downloads a ready file once for several new renderings (a viewer changing the window)', async () => {
    const storage = uploaded();
    await processUpload(storage, cfg, ID);
    const window = (c: number) => ({ frame: 1, bitDepth: 8 as const, window: { center: c, width: 400, fn: 'linear' as const } });
    const first = await requests(storage, async () => expect(await exportPng(storage, cfg, ID, window(40))).toMatchObject({ cached: false }));
    expect(first.gets).toBe(1);
    const next = await requests(storage, async () => expect(await exportPng(storage, cfg, ID, window(60))).toMatchObject({ cached: false }));
    expect(next).toMatchObject({ gets: 0, puts: 1 });
  });

  it('learns nothing from a file that is not ready: each request asks S3 again', async () => {
    const storage = uploaded(); // never processed: no summary
    await exportPng(storage, cfg, ID, DEFAULT_RENDER);
    const again = await requests(storage, () => exportPng(storage, cfg, ID, DEFAULT_RENDER));
    expect(again.heads).toBeGreaterThan(0);
  });

  it('keeps one memo per storage (per container), so another storage starts empty', async () => {
    const a = uploaded();
    await processUpload(a, cfg, ID);
    await exportPng(a, cfg, ID, DEFAULT_RENDER);
    const b = uploaded();
    await processUpload(b, cfg, ID);
    expect((await requests(b, () => exportPng(b, cfg, ID, DEFAULT_RENDER))).heads).toBe(5);
  });

  describe('with MEMO_TTL_SECONDS=0', () => {
    it('asks S3 on every request', async () => {
      const off = { ...cfg, memoTtlSeconds: 0 };
      const storage = uploaded();
      await processUpload(storage, off, ID);
      await exportPng(storage, off, ID, DEFAULT_RENDER);
      expect((await requests(storage, () => exportPng(storage, off, ID, DEFAULT_RENDER))).heads).toBe(5);
    });
  });
});

describe('exportPngInline', () => {
  const ready = async () => {
    const storage = uploaded();
    expect((await processUpload(storage, cfg, ID)).outcome).toBe('ready');
    return storage;
  };
  const window = { frame: 1, bitDepth: 8 as const, window: { center: 1200, width: 800, fn: 'linear' as const } };

  it('answers a new window with the PNG and no cache copy when the render is quicker than the threshold', async () => {
    const storage = await ready();
    const service = new ExportService(storage, cfg);
    const puts = storage.puts;
    const first = await service.exportPngInline({ tenant: T, id: ID }, window);
    expect(first).toMatchObject({ cached: false, width: 5, height: 4, frame: 1, bitDepth: 8 });
    expect(first.png?.subarray(1, 4)).toEqual(new Uint8Array([0x50, 0x4e, 0x47]));
    expect(storage.puts).toBe(puts);
    // The next window on the same ready file: no S3 GET of the upload (kept parsed); HEADs of the render key, the upload and the tombstone.
    const next = await requests(storage, () => service.exportPngInline({ tenant: T, id: ID }, { ...window, window: { ...window.window, center: 1300 } }));
    expect(next).toEqual({ heads: 3, gets: 0, puts: 0 });
  });

  it('writes the cache copy first when the render took at least the threshold', async () => {
    const storage = await ready();
    const service = new ExportService(storage, cfg, { maxBytes: 1024 * 1024, cacheWriteMinRenderMs: 0 });
    const puts = storage.puts;
    expect((await service.exportPngInline({ tenant: T, id: ID }, window)).png).toBeDefined();
    expect(storage.puts).toBe(puts + 1);
    // Now a hit: the redirect to the cached copy (cheaper than reading it into the answer).
    const again = await service.exportPngInline({ tenant: T, id: ID }, window);
    expect(again).toMatchObject({ cached: true, width: 5, height: 4 });
    expect(again.png).toBeUndefined();
    expect(again.url).toBeTruthy();
  });

  it('stores and redirects a PNG over the inline limit', async () => {
    const storage = await ready();
    const service = new ExportService(storage, cfg, { maxBytes: 10, cacheWriteMinRenderMs: 1e9 });
    const puts = storage.puts;
    const r = await service.exportPngInline({ tenant: T, id: ID }, window);
    expect(r.png).toBeUndefined();
    expect(r).toMatchObject({ cached: false, width: 5, height: 4 });
    expect(r.url).toBeTruthy();
    expect(storage.puts).toBe(puts + 1);
  });
});

describe('a ready file written again under its key (an emulator without If-None-Match)', () => {
  it('is answered 422 UploadMismatch from a warm container, never with a picture of the earlier bytes', async () => {
    const storage = uploaded();
    await processUpload(storage, cfg, ID);
    const service = new ExportService(storage, cfg);
    const ref = { tenant: T, id: ID };
    const window = (c: number) => ({ frame: 1, bitDepth: 8 as const, window: { center: c, width: 400, fn: 'linear' as const } });
    // Warm: the hash, the parsed source and a render are remembered.
    await service.exportPng(ref, DEFAULT_RENDER);
    expect((await service.exportPngInline(ref, window(40))).png).toBeDefined();
    // Other bytes under the same key: another ETag than the summary's.
    const other = makeImageDicom({ rows: 4, columns: 5, bitsAllocated: 16, pixel: () => 7 });
    storage.objects.set(`uploads/${T}/${ID}.dcm`, { body: other, contentType: 'application/dicom', lastModified: new Date(), etag: 'e-other' });
    for (const call of [() => service.exportPng(ref, DEFAULT_RENDER), () => service.exportPngInline(ref, window(60)), () => service.exportPngInline(ref, window(40))]) {
      await expect(call()).rejects.toMatchObject({ code: 'UploadMismatch' });
    }
  });
});
