/**
 * The feature flags of lib/config.ts where each feature is: CODECS (the decoders), BIT_DEPTH_16
 * and THUMBNAILS (the export's parameters), PRE_RENDER and THUMBNAILS (the processor's
 * render-ahead step). Each flag on and off.
 */
import { describe, expect, it } from 'vitest';
import { CODEC_NAMES, DEFAULT_FEATURES, type FeatureFlags } from '../../../lib/config.js';
import { DomainError } from '../../../lib/errors.js';
import { ExportService } from '../../../lib/export/export-service.js';
import { preRender } from '../../../lib/export/pre-render.js';
import { processUpload } from '../../../lib/processing/process-upload.js';
import { CODEC_BY_ID } from '../../../lib/pixels/codecs/index.js';
import { assertCodecEnabled } from '../../../lib/pixels/decoders.js';
import { makeImageDicom, makeTrailingImageDicom, TS_EXPLICIT_LE, TS_RLE } from '../../support/dicom-writer.js';
import { MemoryStorage } from '../../support/memory-storage.js';

const T = 't0123456789abcdef0123456789abcdef';
const ID = '6f1c4a52-3b8e-4d5f-9a7b-2c1d0e9f8a7b';
const limits = { maxUploadBytes: 10 * 1024 * 1024, renderUrlTtlSeconds: 300 };
const flags = (changes: Partial<FeatureFlags>): FeatureFlags => ({ ...DEFAULT_FEATURES, ...changes });

function stored(bytes: Uint8Array): MemoryStorage {
  const storage = new MemoryStorage();
  storage.objects.set(`uploads/${T}/${ID}.dcm`, { body: bytes, contentType: 'application/dicom', lastModified: new Date(), etag: 'e1' });
  return storage;
}
const greyscale = () => makeImageDicom({ rows: 4, columns: 5, bitsAllocated: 16, bitsStored: 12, window: { center: 1000, width: 2000 }, pixel: (_f, r, c) => r * 500 + c * 100 });
const rle = () => makeTrailingImageDicom({ encapsulated: true, rows: 8, columns: 8 });
const renders = (storage: MemoryStorage) => [...storage.objects.keys()].filter((k) => k.startsWith('renders/'));

async function refusal(call: () => Promise<unknown>): Promise<DomainError> {
  const e = await call().then(() => undefined, (thrown: unknown) => thrown);
  expect(e).toBeInstanceOf(DomainError);
  return e as DomainError;
}

describe('CODECS', () => {
  it('names exactly the codecs of lib/pixels/codecs', () => {
    expect([...CODEC_NAMES].sort()).toEqual(Object.keys(CODEC_BY_ID).sort());
  });

  it('answers a syntax whose codec is off with 422 UnsupportedTransferSyntax naming the syntax and codec; native syntaxes need none', () => {
    expect(() => assertCodecEnabled(TS_RLE, CODEC_NAMES)).not.toThrow();
    expect(() => assertCodecEnabled(TS_EXPLICIT_LE, [])).not.toThrow();
    expect(() => assertCodecEnabled('1.2.3.4', [])).not.toThrow(); // unknown: decoderFor's own 422
    let e: unknown;
    try {
      assertCodecEnabled(TS_RLE, ['jpeg']);
    } catch (thrown) {
      e = thrown;
    }
    expect(e).toMatchObject({ code: 'UnsupportedTransferSyntax', status: 422 });
    expect((e as Error).message).toContain(TS_RLE);
    expect((e as Error).message).toContain('RLE Lossless');
    expect((e as Error).message).toContain('codec rle is turned off');
  });

  it('renders RLE with its codec on, and refuses it with the codec off', async () => {
    const on = new ExportService(stored(rle()), { ...limits, features: flags({ codecs: ['rle'] }) });
    expect(await on.exportPng({ tenant: T, id: ID }, { frame: 1, bitDepth: 8 })).toMatchObject({ cached: false, width: 8, height: 8 });
    const off = new ExportService(stored(rle()), { ...limits, features: flags({ codecs: ['jpeg', 'jpegLs'] }) });
    expect(await refusal(() => off.exportPng({ tenant: T, id: ID }, { frame: 1, bitDepth: 8 }))).toMatchObject({ code: 'UnsupportedTransferSyntax' });
    // A native image needs no codec.
    const none = new ExportService(stored(greyscale()), { ...limits, features: flags({ codecs: [] }) });
    expect(await none.exportPng({ tenant: T, id: ID }, { frame: 1, bitDepth: 8 })).toMatchObject({ cached: false });
  });

  it('pre-renders nothing for a syntax whose codec is off (the file is still ready)', async () => {
    const off = stored(rle());
    expect(await processUpload(off, { ...limits, features: flags({ codecs: [] }) }, { tenant: T, id: ID }, { preRender })).toEqual({ outcome: 'ready', rendered: false });
    expect(renders(off)).toEqual([]);
    const on = stored(rle());
    expect(await processUpload(on, { ...limits, features: flags({ codecs: ['rle'] }) }, { tenant: T, id: ID }, { preRender })).toEqual({ outcome: 'ready', rendered: true });
    expect(renders(on)).toHaveLength(2);
  });
});

describe('BIT_DEPTH_16', () => {
  it('renders bitDepth=16 when on, and refuses it with 400 InvalidParameter before any S3 request when off', async () => {
    const on = new ExportService(stored(greyscale()), { ...limits, features: flags({ bitDepth16: true }) });
    expect(await on.exportPng({ tenant: T, id: ID }, { frame: 1, bitDepth: 16 })).toMatchObject({ bitDepth: 16 });
    const storage = stored(greyscale());
    const off = new ExportService(storage, { ...limits, features: flags({ bitDepth16: false }) });
    const e = await refusal(() => off.exportPng({ tenant: T, id: ID }, { frame: 1, bitDepth: 16 }));
    expect(e).toMatchObject({ code: 'InvalidParameter', status: 400 });
    expect(e.message).toContain('BIT_DEPTH_16');
    expect(await refusal(() => off.exportPngInline({ tenant: T, id: ID }, { frame: 1, bitDepth: 16, window: 'none' }))).toMatchObject({ code: 'InvalidParameter' });
    expect(storage.heads + storage.gets).toBe(0);
    // 8-bit output is unaffected.
    expect(await off.exportPng({ tenant: T, id: ID }, { frame: 1, bitDepth: 8 })).toMatchObject({ bitDepth: 8 });
  });
});

describe('THUMBNAILS', () => {
  it('renders size= when on, and refuses it with 400 InvalidParameter when off', async () => {
    const on = new ExportService(stored(greyscale()), { ...limits, features: flags({ thumbnails: true }) });
    expect(await on.exportPng({ tenant: T, id: ID }, { frame: 1, bitDepth: 8, size: 16 })).toMatchObject({ cached: false });
    const off = new ExportService(stored(greyscale()), { ...limits, features: flags({ thumbnails: false }) });
    const e = await refusal(() => off.exportPngInline({ tenant: T, id: ID }, { frame: 1, bitDepth: 8, size: 16 }));
    expect(e).toMatchObject({ code: 'InvalidParameter', status: 400 });
    expect(e.message).toContain('THUMBNAILS');
  });

  it('pre-renders the thumbnail only when on', async () => {
    const on = stored(greyscale());
    await processUpload(on, { ...limits, features: flags({ thumbnails: true }) }, { tenant: T, id: ID }, { preRender });
    expect(renders(on)).toHaveLength(2);
    const off = stored(greyscale());
    await processUpload(off, { ...limits, features: flags({ thumbnails: false }) }, { tenant: T, id: ID }, { preRender });
    expect(renders(off)).toHaveLength(1);
    expect(renders(off)[0]).not.toMatch(/-s\d+|size/);
  });
});

describe('PRE_RENDER', () => {
  it('pre-renders when on; when off the upload is still validated, hashed and summarised, and nothing is rendered', async () => {
    const on = stored(greyscale());
    expect(await processUpload(on, { ...limits, features: flags({ preRender: true }) }, { tenant: T, id: ID }, { preRender })).toEqual({ outcome: 'ready', rendered: true });
    expect(renders(on)).toHaveLength(2);
    const off = stored(greyscale());
    expect(await processUpload(off, { ...limits, features: flags({ preRender: false }) }, { tenant: T, id: ID }, { preRender })).toEqual({ outcome: 'ready', rendered: false });
    expect(renders(off)).toEqual([]);
    expect([...off.objects.keys()].some((k) => k.endsWith('.summary.json'))).toBe(true);
  });
});
