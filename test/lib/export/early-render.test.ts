/**
 * ExportService renders a new window of a ready file it holds parsed while the lookup's HEADs
 * (upload, tombstone, render key) are in flight, and answers it only once they confirm the file.
 * The HEADs here wait on a gate the test opens, so "in flight" is a state, not a duration.
 */
import { describe, expect, it, vi } from 'vitest';
import { ExportService } from '../../../lib/export/export-service.js';
import { preRender } from '../../../lib/export/pre-render.js';
import { processUpload } from '../../../lib/processing/process-upload.js';
import { contentRenderKey, tombstoneKey, uploadKey } from '../../../lib/storage/object-keys.js';
import type { ObjectInfo } from '../../../lib/storage/storage.js';
import { renderVariant } from '../../../lib/export/render-params.js';
import { MemoryStorage } from '../../support/memory-storage.js';
import { makeImageDicom } from '../../support/dicom-writer.js';

const events = vi.hoisted(() => [] as string[]);
vi.mock('../../../lib/render/render-frame.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../lib/render/render-frame.js')>();
  return {
    ...original,
    renderPng: (...args: Parameters<typeof original.renderPng>) => {
      events.push('render');
      return original.renderPng(...args);
    },
  };
});

const T = 't0123456789abcdef0123456789abcdef';
const ID = '6f1c4a52-3b8e-4d5f-9a7b-2c1d0e9f8a7b';
const ref = { tenant: T, id: ID };
const cfg = { maxUploadBytes: 10 * 1024 * 1024, renderUrlTtlSeconds: 300 };
const window = (center: number) => ({ frame: 1, bitDepth: 8 as const, window: { center, width: 800, fn: 'linear' as const } });

/** HEADs wait for `open()` while `closed`; each records itself in `events`. */
class GatedStorage extends MemoryStorage {
  closed = false;
  private waiting: Array<() => void> = [];
  override async head(key: string): Promise<ObjectInfo | undefined> {
    events.push(`head ${key.endsWith('.png') ? 'render' : key.endsWith('.dcm') ? 'upload' : 'other'}`);
    if (this.closed) await new Promise<void>((resolve) => this.waiting.push(resolve));
    return super.head(key);
  }
  open(): void {
    this.closed = false;
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

/** A ready file, and a service that has rendered one window of it (so it holds it parsed). */
async function warm() {
  const storage = new GatedStorage();
  const body = makeImageDicom({ rows: 4, columns: 5, bitsAllocated: 16, bitsStored: 12, window: { center: 1000, width: 2000 }, pixel: (_f, r, c) => r * 500 + c * 100 });
  storage.objects.set(uploadKey(ref), { body, contentType: 'application/dicom', lastModified: new Date(), etag: 'e1' });
  expect((await processUpload(storage, cfg, ref, { preRender })).outcome).toBe('ready');
  const service = new ExportService(storage, cfg);
  expect((await service.exportPngInline(ref, window(1000))).png).toBeDefined();
  events.length = 0;
  return { storage, service };
}

/** Lets the event loop turn until `events` has `what`, or gives up after many turns. */
async function until(what: string): Promise<boolean> {
  for (let i = 0; i < 50 && !events.includes(what); i++) await new Promise((r) => setImmediate(r));
  return events.includes(what);
}

describe('a new window of a ready file held parsed', () => {
  it('is rendered while the HEADs are unanswered, after they were sent, and answered once they are', async () => {
    const { storage, service } = await warm();
    storage.closed = true;
    let answered = false;
    const pending = service.exportPngInline(ref, window(1100)).finally(() => (answered = true));
    expect(await until('render')).toBe(true);
    expect(answered).toBe(false);
    // Sent first: the render's CPU time overlaps their round trips instead of following them.
    expect(events.slice(0, events.indexOf('render')).filter((e) => e.startsWith('head')).length).toBeGreaterThanOrEqual(2);
    storage.open();
    const out = await pending;
    expect(out.png?.subarray(1, 4)).toEqual(new Uint8Array([0x50, 0x4e, 0x47]));
  });

  it('is never answered when the file was deleted meanwhile: the lookup\'s 404, nothing stored', async () => {
    const { storage, service } = await warm();
    storage.closed = true;
    const puts = storage.puts;
    const pending = service.exportPngInline(ref, window(1150));
    expect(await until('render')).toBe(true);
    storage.objects.set(tombstoneKey(ref), { body: new Uint8Array(0), contentType: 'application/json', lastModified: new Date() });
    storage.open();
    await expect(pending).rejects.toMatchObject({ code: 'FileNotFound' });
    expect(storage.puts).toBe(puts);
  });

  it('answers the cached PNG when the render key exists after all (rendered elsewhere)', async () => {
    const { storage, service } = await warm();
    const sha256 = [...storage.objects.keys()].map((k) => /sha256\/([0-9a-f]{64})\//.exec(k)?.[1]).find(Boolean);
    expect(sha256).toBeDefined();
    storage.objects.set(contentRenderKey(T, sha256!, renderVariant(window(1200))), {
      body: new Uint8Array([1]),
      contentType: 'image/png',
      metadata: { width: '5', height: '4' },
      lastModified: new Date(),
    });
    const out = await service.exportPngInline(ref, window(1200));
    expect(out).toMatchObject({ cached: true, width: 5, height: 4 });
    expect(out.png).toBeUndefined();
  });

  it('waits for the HEADs when the file is not held parsed (a new container): no render before them', async () => {
    const { storage } = await warm();
    const service = new ExportService(storage, cfg);
    storage.closed = true;
    const pending = service.exportPngInline(ref, window(1250));
    expect(await until('render')).toBe(false);
    storage.open();
    expect((await pending).png).toBeDefined();
    expect(events.filter((e) => e === 'render')).toHaveLength(1);
  });
});
