/**
 * The processor writes the decoded first frame of a slow codec's file beside its renders; a new
 * container's export renders a new window from it without running the codec.
 */
import { describe, expect, it, vi } from 'vitest';
import { ExportService } from '../../../lib/export/export-service.js';
import { preRender } from '../../../lib/export/pre-render.js';
import { processUpload } from '../../../lib/processing/process-upload.js';
import { contentFrameKey, uploadKey } from '../../../lib/storage/object-keys.js';
import { makeHtj2kDicom } from '../../../bench/htj2k-fixture.js';
import { MemoryStorage } from '../../support/memory-storage.js';
import { makeImageDicom } from '../../support/dicom-writer.js';

const htj2kCalls = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../../lib/pixels/codecs/htj2k.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../lib/pixels/codecs/htj2k.js')>();
  return {
    ...original,
    decodeHtj2k: (...args: Parameters<typeof original.decodeHtj2k>) => {
      htj2kCalls.count++;
      return original.decodeHtj2k(...args);
    },
  };
});

const T = 't0123456789abcdef0123456789abcdef';
const ref = { tenant: T, id: '6f1c4a52-3b8e-4d5f-9a7b-2c1d0e9f8a7b' };
const cfg = { maxUploadBytes: 10 * 1024 * 1024, renderUrlTtlSeconds: 300 };
const window = (center: number) => ({ frame: 1, bitDepth: 8 as const, window: { center, width: 900, fn: 'linear' as const } });

async function readyHtj2k(): Promise<{ storage: MemoryStorage; sha256: string }> {
  const values = new Uint16Array(48 * 64).map((_, i) => (i * 37) % 4096);
  const body = await makeHtj2kDicom({ rows: 48, columns: 64, bitsStored: 12, signed: false, values, window: { center: 2048, width: 4096 } });
  const storage = new MemoryStorage();
  storage.objects.set(uploadKey(ref), { body, contentType: 'application/dicom', lastModified: new Date(), etag: 'e1' });
  expect((await processUpload(storage, cfg, ref, { preRender })).outcome).toBe('ready');
  const sha256 = [...storage.objects.keys()].map((k) => /sha256\/([0-9a-f]{64})\//.exec(k)?.[1]).find(Boolean);
  return { storage, sha256: sha256! };
}

describe('the decoded first frame of a slow codec', () => {
  it('is written by the processor beside the renders, under the content hash', async () => {
    const { storage, sha256 } = await readyHtj2k();
    const file = storage.objects.get(contentFrameKey(T, sha256, 0));
    expect(file?.contentType).toBe('application/octet-stream');
    expect(file?.body.length).toBeGreaterThan(12);
  });

  it('lets a new container render a new window without the codec, the same picture as decoding', async () => {
    const { storage, sha256 } = await readyHtj2k();
    htj2kCalls.count = 0;
    const fromFile = await new ExportService(storage, cfg).exportPngInline(ref, window(1500));
    expect(htj2kCalls.count).toBe(0);
    storage.objects.delete(contentFrameKey(T, sha256, 0));
    const decoded = await new ExportService(storage, cfg).exportPngInline(ref, window(1500));
    expect(htj2kCalls.count).toBe(1);
    expect(fromFile.png).toBeDefined();
    expect(Buffer.from(fromFile.png!).equals(Buffer.from(decoded.png!))).toBe(true);
  });

  it('is fetched for frame 1 only, the one the processor writes (one GET beside the upload)', async () => {
    const { storage } = await readyHtj2k();
    let gets = storage.gets;
    await new ExportService(storage, cfg).exportPngInline(ref, window(1400));
    expect(storage.gets - gets).toBe(2);
    gets = storage.gets;
    await expect(new ExportService(storage, cfg).exportPngInline(ref, { ...window(1400), frame: 2 })).rejects.toMatchObject({ code: 'FrameNotFound' });
    expect(storage.gets - gets).toBe(1);
  });

  it('is ignored when it does not fit the frame: the codec decodes as before', async () => {
    const { storage, sha256 } = await readyHtj2k();
    const key = contentFrameKey(T, sha256, 0);
    const stored = storage.objects.get(key)!;
    storage.objects.set(key, { ...stored, body: stored.body.subarray(0, stored.body.length - 5) });
    htj2kCalls.count = 0;
    expect((await new ExportService(storage, cfg).exportPngInline(ref, window(1600))).png).toBeDefined();
    expect(htj2kCalls.count).toBe(1);
  });

  it('serves without a memo too (MEMO_TTL_SECONDS=0), and is not written for a native file', async () => {
    const { storage } = await readyHtj2k();
    htj2kCalls.count = 0;
    expect((await new ExportService(storage, { ...cfg, memoTtlSeconds: 0 }).exportPngInline(ref, window(1700))).png).toBeDefined();
    expect(htj2kCalls.count).toBe(0);
    const native = new MemoryStorage();
    native.objects.set(uploadKey(ref), { body: makeImageDicom({ rows: 4, columns: 5, bitsAllocated: 16, pixel: () => 9 }), contentType: 'application/dicom', lastModified: new Date(), etag: 'e1' });
    expect((await processUpload(native, cfg, ref, { preRender })).outcome).toBe('ready');
    expect([...native.objects.keys()].some((k) => k.includes('/decoded/'))).toBe(false);
  });
});
