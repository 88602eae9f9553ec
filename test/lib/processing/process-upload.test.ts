import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DomainError } from '../../../lib/errors.js';
import { type ProcessOptions, processUpload as process } from '../../../lib/processing/process-upload.js';
import { DEFAULT_RENDER, THUMBNAIL_RENDER, preRender } from '../../../lib/export/pre-render.js';
import { parseSummary } from '../../../lib/files/summary.js';
import { renderVariant } from '../../../lib/export/render-params.js';
import { MemoryStorage } from '../../support/memory-storage.js';
import { TS_DEFLATED_LE, makeImageDicom, makeTrailingImageDicom, writeDicom } from '../../support/dicom-writer.js';
import { parseDicom } from '../../../lib/dicom/parse.js';
import { vrLookup } from '../../../lib/dicom/dictionary.js';
import { noSopInstanceUidFile, preambleOnlyFile, sequencePastEndFile, truncatedPixelDataFile } from '../../support/damaged-fixtures.js';
/** A tenant segment (lib/auth/tenant.ts format): every key of a file carries one. */
const T = 't0123456789abcdef0123456789abcdef';


// Count decodes: the real renderer, wrapped in a counter.
const renders = vi.hoisted(() => ({ calls: 0 }));
vi.mock('../../../lib/render/render-frame.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../lib/render/render-frame.js')>();
  return {
    ...actual,
    renderPixels: (...args: Parameters<typeof actual.renderPixels>) => {
      renders.calls++;
      return actual.renderPixels(...args);
    },
  };
});

const cfg = { maxUploadBytes: 10 * 1024 * 1024 };
/** The processor as functions/processor.ts wires it: with the export's render-ahead step. */
const processUpload = (storage: MemoryStorage, c: typeof cfg, id: string, opts: Partial<ProcessOptions> = {}) => process(storage, c, { tenant: T, id }, { preRender, ...opts });
const ID = '6f1c4a52-3b8e-4d5f-9a7b-2c1d0e9f8a7b';
const ID2 = '0b7e3f52-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const NOW = new Date('2026-03-01T10:00:00.000Z');
const now = () => NOW;

const ct = () =>
  makeImageDicom({
    rows: 4,
    columns: 5,
    bitsAllocated: 16,
    bitsStored: 12,
    window: { center: 1000, width: 2000 },
    frames: 2,
    pixel: (f, r, c) => (f === 0 ? r * 500 + c * 100 : 4095 - (r * 500 + c * 100)),
  });
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const defaultRender = (hash: string) => `renders/${T}/sha256/${hash}/${renderVariant(DEFAULT_RENDER)}.png`;
const thumbnailRender = (hash: string) => `renders/${T}/sha256/${hash}/${renderVariant(THUMBNAIL_RENDER)}.png`;
/** The processor writes the default PNG and the thumbnail from one decode per new content. */
const PRE_RENDER_COUNT = 1;

function seed(storage: MemoryStorage, id: string, bytes: Uint8Array) {
  storage.objects.set(`uploads/${T}/${id}.json`, {
    body: new TextEncoder().encode(JSON.stringify({ id, declaredSize: bytes.length })),
    contentType: 'application/json',
    lastModified: new Date(),
    tags: { 'upload-state': 'awaiting' },
  });
  return storage.put(`uploads/${T}/${id}.dcm`, bytes, 'application/dicom');
}

const summaryOf = (storage: MemoryStorage, id: string) => parseSummary(storage.objects.get(`uploads/${T}/${id}.summary.json`)?.body);

beforeEach(() => {
  renders.calls = 0;
});

describe('processUpload', () => {
  it('validates, summarises (only the allowed fields) and pre-renders the default PNG, summary last', async () => {
    const storage = new MemoryStorage();
    const bytes = ct();
    await seed(storage, ID, bytes);
    storage.written.length = 0;

    expect(await processUpload(storage, cfg, ID, { now })).toEqual({ outcome: 'ready', rendered: true });

    const hash = sha(bytes);
    const uploaded = storage.objects.get(`uploads/${T}/${ID}.dcm`)!;
    const raw = new TextDecoder().decode(storage.objects.get(`uploads/${T}/${ID}.summary.json`)!.body);
    expect(JSON.parse(raw)).toEqual({
      status: 'ready',
      size: bytes.length,
      sha256: hash,
      transferSyntaxUid: '1.2.840.10008.1.2.1',
      sopClassUid: '1.2.840.10008.5.1.4.1.1.7',
      sopInstanceUid: '1.2.826.0.1.3680043.10.1466.1.1',
      rows: 4,
      columns: 5,
      frames: 2,
      photometric: 'MONOCHROME2',
      uploadedAt: uploaded.lastModified.toISOString(),
      sourceEtag: uploaded.etag,
      processedAt: NOW.toISOString(),
    });
    // Nothing about the patient: the fixture's Patient Name and ID are nowhere in it.
    expect(raw).not.toMatch(/Test|Fixture|FIXTURE/);
    expect(storage.objects.get(`uploads/${T}/${ID}.summary.json`)!.metadata).toEqual({
      sha256: hash,
      status: 'ready',
      'source-etag': uploaded.etag,
      trailing: 'none', // nothing after the pixel data
    });
    // The render first, then the file's reference to its content (a delete releases it), the
    // summary last: a reader that sees the summary finds the render.
    expect(storage.written).toEqual([defaultRender(hash), thumbnailRender(hash), `uploads/${T}/by-hash/${hash}/${ID}`, `uploads/${T}/${ID}.summary.json`]);
    expect(storage.objects.get(defaultRender(hash))!.metadata).toEqual({ width: '5', height: '4' });
    // The upload arrived: its request record no longer expires as an unused URL.
    expect(storage.objects.get(`uploads/${T}/${ID}.json`)!.tags).toEqual({ 'upload-state': 'received' });
    expect(storage.objects.has(`uploads/${T}/${ID}.dcm`)).toBe(true);
    expect(renders.calls).toBe(PRE_RENDER_COUNT);
  });

  it('records where the elements after the pixel data lie: from its end to the padding (PS3.10 7.2)', async () => {
    for (const encapsulated of [false, true]) {
      const storage = new MemoryStorage();
      const bytes = makeTrailingImageDicom({ encapsulated, frames: encapsulated ? 3 : 1, paddingBytes: 100 });
      await seed(storage, ID, bytes);
      expect((await processUpload(storage, cfg, ID, { now })).outcome).toBe('ready');
      const parsed = parseDicom(bytes, { vrLookup });
      const pixel = parsed.pixelElement!;
      const first = Object.values(parsed.dataSet.elements).filter((e) => e.dataOffset > pixel.dataOffset).sort((a, b) => a.dataOffset - b.dataOffset)[0];
      // The first element after the pixel data (7FE1,0010 LO: an 8-byte header) starts where its value ends.
      const offset = first.dataOffset - 8;
      const end = bytes.length - 100 - 12; // before the padding's OB header
      expect(summaryOf(storage, ID), `encapsulated ${encapsulated}`).toMatchObject({ trailingOffset: offset, trailingEnd: end });
      expect(storage.objects.get(`uploads/${T}/${ID}.summary.json`)!.metadata?.trailing).toBe(`${offset}-${end}`);
    }
  });

  it('records no range for a Deflated file (offsets into the inflated stream are not file offsets)', async () => {
    const storage = new MemoryStorage();
    await seed(storage, ID, makeTrailingImageDicom({ transferSyntaxUid: TS_DEFLATED_LE }));
    expect((await processUpload(storage, cfg, ID, { now })).outcome).toBe('ready');
    expect(summaryOf(storage, ID)).not.toHaveProperty('trailingOffset');
    expect(storage.objects.get(`uploads/${T}/${ID}.summary.json`)!.metadata?.trailing).toBe('none');
  });

  it('does nothing for the same event twice', async () => {
    const storage = new MemoryStorage();
    await seed(storage, ID, ct());
    await processUpload(storage, cfg, ID, { now });
    const before = { puts: storage.puts, gets: storage.gets, written: storage.written.length };
    const summary = storage.objects.get(`uploads/${T}/${ID}.summary.json`);

    expect(await processUpload(storage, cfg, ID, { now: () => new Date() })).toEqual({ outcome: 'duplicate', rendered: false });
    expect({ puts: storage.puts, gets: storage.gets, written: storage.written.length }).toEqual(before);
    expect(storage.objects.get(`uploads/${T}/${ID}.summary.json`)).toBe(summary);
    expect(renders.calls).toBe(PRE_RENDER_COUNT);
  });

  it('reuses every render for identical bytes under another id: no second decode', async () => {
    const storage = new MemoryStorage();
    const bytes = ct();
    await seed(storage, ID, bytes);
    await seed(storage, ID2, bytes.slice());
    expect(await processUpload(storage, cfg, ID, { now })).toEqual({ outcome: 'ready', rendered: true });
    expect(await processUpload(storage, cfg, ID2, { now })).toEqual({ outcome: 'ready', rendered: false });
    expect(renders.calls).toBe(PRE_RENDER_COUNT);
    expect(storage.written.filter((k) => k.startsWith('renders/'))).toEqual([defaultRender(sha(bytes)), thumbnailRender(sha(bytes))]);
    expect(summaryOf(storage, ID2)).toMatchObject({ status: 'ready', sha256: sha(bytes) });
  });

  it('leaves one summary when two processors race (conditional write), and no partial objects', async () => {
    const storage = new MemoryStorage();
    const bytes = ct();
    await seed(storage, ID, bytes);
    const putIfAbsent = vi.spyOn(storage, 'putIfAbsent');
    const results = await Promise.all([processUpload(storage, cfg, ID, { now }), processUpload(storage, cfg, ID, { now })]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['raced', 'ready']);
    // Both tried the conditional write; exactly one wrote.
    expect(putIfAbsent).toHaveBeenCalledTimes(2);
    expect(await Promise.all(putIfAbsent.mock.results.map((r) => r.value))).toEqual(expect.arrayContaining([true, false]));
    expect(storage.written.filter((k) => k.endsWith('.summary.json'))).toEqual([`uploads/${T}/${ID}.summary.json`]);
    // Whatever both rendered went to one content-addressed key, and is one complete PNG.
    const renders = [...storage.objects.keys()].filter((k) => k.startsWith('renders/')).sort();
    expect(renders).toEqual([defaultRender(sha(bytes)), thumbnailRender(sha(bytes))].sort());
    expect(Buffer.from(storage.objects.get(renders[0])!.body.subarray(1, 4)).toString()).toBe('PNG');
  });

  it('quarantines what is not DICOM, with the reason, and removes it from uploads/', async () => {
    const storage = new MemoryStorage();
    const png = new TextEncoder().encode('\x89PNG\r\n\x1a\n not a DICOM file at all, just some bytes'.repeat(4));
    await seed(storage, ID, png);
    storage.written.length = 0;

    expect(await processUpload(storage, cfg, ID, { now })).toEqual({ outcome: 'rejected', rendered: false });
    expect(storage.objects.has(`uploads/${T}/${ID}.dcm`)).toBe(false);
    expect(Array.from(storage.objects.get(`quarantine/${T}/${ID}.dcm`)!.body)).toEqual(Array.from(png));
    expect(summaryOf(storage, ID)).toMatchObject({
      status: 'rejected',
      size: png.length,
      sha256: sha(png),
      reason: { code: 'NotDicom', message: expect.stringMatching(/not DICOM/) },
    });
    // Copy, then summary, then delete.
    expect(storage.written).toEqual([`quarantine/${T}/${ID}.dcm`, `uploads/${T}/${ID}.summary.json`]);
    expect(storage.deleted).toEqual([`uploads/${T}/${ID}.dcm`]);
    expect(renders.calls).toBe(0);
    // The event again: nothing left to do.
    expect(await processUpload(storage, cfg, ID, { now })).toEqual({ outcome: 'duplicate', rendered: false });
  });

  it('quarantines a malformed file (a length running past the end) as MalformedDicom', async () => {
    const storage = new MemoryStorage();
    const lying = writeDicom({ elements: [{ tag: '00100010', vr: 'PN', value: 'A^B' }] });
    lying[lying.length - 6] = 0xff;
    lying[lying.length - 5] = 0x7f;
    await seed(storage, ID, lying);
    expect((await processUpload(storage, cfg, ID, { now })).outcome).toBe('rejected');
    expect(summaryOf(storage, ID)?.reason?.code).toBe('MalformedDicom');
  });

  it('keeps a damaged file ready with its warnings (summary and metadata), and leaves it in place (issue 14)', async () => {
    const storage = new MemoryStorage();
    const truncated = truncatedPixelDataFile();
    const sequence = sequencePastEndFile(false);
    await seed(storage, ID, truncated.bytes);
    await seed(storage, ID2, sequence.bytes);
    expect((await processUpload(storage, cfg, ID, { now })).outcome).toBe('ready');
    expect((await processUpload(storage, cfg, ID2, { now })).outcome).toBe('ready');
    expect(summaryOf(storage, ID)).toMatchObject({
      status: 'ready',
      frames: 3,
      warnings: [{ code: 'TruncatedPixelData', offset: truncated.damageAt, message: expect.stringContaining('declares 96 bytes') }],
    });
    expect(summaryOf(storage, ID2)?.warnings).toEqual([expect.objectContaining({ code: 'SequencePastEnd', offset: sequence.damageAt })]);
    expect(storage.objects.get(`uploads/${T}/${ID}.summary.json`)!.metadata?.warnings).toBe(`TruncatedPixelData@${truncated.damageAt}`);
    expect(storage.objects.has(`uploads/${T}/${ID}.dcm`)).toBe(true);
  });

  it('rejects what is not an instance: no data set (NoDataSet), no SOP Instance UID (NoSopInstanceUid) (issue 14)', async () => {
    const storage = new MemoryStorage();
    await seed(storage, ID, preambleOnlyFile());
    await seed(storage, ID2, noSopInstanceUidFile());
    expect((await processUpload(storage, cfg, ID, { now })).outcome).toBe('rejected');
    expect((await processUpload(storage, cfg, ID2, { now })).outcome).toBe('rejected');
    expect(summaryOf(storage, ID)?.reason?.code).toBe('NoDataSet');
    expect(summaryOf(storage, ID2)?.reason).toMatchObject({ code: 'NoSopInstanceUid', message: expect.stringContaining('(0008,0018)') });
    expect(storage.objects.has(`quarantine/${T}/${ID2}.dcm`)).toBe(true);
  });

  it('rejects an empty file and one over the size limit without downloading it', async () => {
    const storage = new MemoryStorage();
    await seed(storage, ID, new Uint8Array(0));
    await seed(storage, ID2, new Uint8Array(2048));
    expect((await processUpload(storage, cfg, ID, { now })).outcome).toBe('rejected');
    expect(summaryOf(storage, ID)?.reason).toMatchObject({ code: 'NotDicom' });
    expect((await processUpload(storage, { maxUploadBytes: 1024 }, ID2, { now })).outcome).toBe('rejected');
    expect(summaryOf(storage, ID2)).toMatchObject({ status: 'rejected', size: 2048, reason: { code: 'ImageTooLarge' } });
    expect(summaryOf(storage, ID2)?.sha256).toBeUndefined();
    expect(storage.gets).toBe(0);
  });

  it('accepts a file without preamble, and one it cannot render (ready, no PNG)', async () => {
    const storage = new MemoryStorage();
    const noPreamble = writeDicom({
      preamble: false,
      elements: [
        { tag: '00080018', vr: 'UI', value: '1.2.826.0.1.3680043.10.1466.9' },
        { tag: '00100010', vr: 'PN', value: 'No^Pixels' },
      ],
    });
    await seed(storage, ID, noPreamble);
    expect(await processUpload(storage, cfg, ID, { now })).toEqual({ outcome: 'ready', rendered: false });
    const s = summaryOf(storage, ID)!;
    expect(s).toMatchObject({ status: 'ready', transferSyntaxUid: '1.2.840.10008.1.2.1' });
    expect(s.rows).toBeUndefined();
    expect(s.frames).toBeUndefined();
    expect([...storage.objects.keys()].some((k) => k.startsWith('renders/'))).toBe(false);
  });

  it('finishes a quarantine that died between the summary and the delete', async () => {
    const storage = new MemoryStorage();
    await seed(storage, ID, new TextEncoder().encode('hello, this is plainly not DICOM '.repeat(10)));
    const del = vi.spyOn(storage, 'delete').mockRejectedValueOnce(new DomainError('StorageUnavailable', 'S3 is down.'));
    await expect(processUpload(storage, cfg, ID, { now })).rejects.toMatchObject({ code: 'StorageUnavailable' });
    expect(storage.objects.has(`uploads/${T}/${ID}.dcm`)).toBe(true);
    expect(summaryOf(storage, ID)?.status).toBe('rejected');

    del.mockRestore();
    expect(await processUpload(storage, cfg, ID, { now })).toEqual({ outcome: 'duplicate', rendered: false });
    expect(storage.objects.has(`uploads/${T}/${ID}.dcm`)).toBe(false);
    expect(storage.objects.has(`quarantine/${T}/${ID}.dcm`)).toBe(true);
  });

  // Emulators that check no signatures or conditions (moto, plain s3rver) let an upload URL
  // write what S3 would refuse: the processor checks it instead (UploadMismatch, nothing served).
  describe('what S3 enforces through the upload URL, checked again', () => {
    const idRender = (id: string) => `renders/${T}/${id}/${renderVariant(DEFAULT_RENDER)}.png`;

    it('rejects bytes written again under an id already processed (another ETag), and drops the old renders', async () => {
      const storage = new MemoryStorage();
      const first = ct();
      await seed(storage, ID, first);
      expect((await processUpload(storage, cfg, ID, { now })).outcome).toBe('ready');
      expect(storage.objects.has(defaultRender(sha(first)))).toBe(true);
      // A render made from the new bytes before this run, under either key, must not survive it.
      await storage.put(idRender(ID), new Uint8Array([1]), 'image/png');
      const second = writeDicom({ elements: [{ tag: '00080018', vr: 'UI', value: '1.2.3.4' }, { tag: '00100010', vr: 'PN', value: 'Other^Bytes' }] });
      await storage.put(`uploads/${T}/${ID}.dcm`, second, 'application/dicom');

      expect(await processUpload(storage, cfg, ID, { now })).toEqual({ outcome: 'rejected', rendered: false });
      expect(summaryOf(storage, ID)).toMatchObject({ status: 'rejected', reason: { code: 'UploadMismatch' } });
      expect(summaryOf(storage, ID)?.sha256).toBeUndefined();
      expect(storage.objects.has(`uploads/${T}/${ID}.dcm`)).toBe(false);
      expect(storage.objects.has(`quarantine/${T}/${ID}.dcm`)).toBe(true);
      expect([...storage.objects.keys()].filter((k) => k.startsWith('renders/'))).toEqual([]);
      expect(storage.objects.has(`uploads/${T}/by-hash/${sha(first)}/${ID}`)).toBe(false);
      // The same event again changes nothing.
      expect(await processUpload(storage, cfg, ID, { now })).toEqual({ outcome: 'duplicate', rendered: false });
    });

    it('drops the earlier bytes\' renders even while another file of the tenant holds them (they are made again from its own bytes)', async () => {
      const storage = new MemoryStorage();
      const first = ct();
      await seed(storage, ID, first);
      await seed(storage, ID2, first);
      await processUpload(storage, cfg, ID, { now });
      await processUpload(storage, cfg, ID2, { now });
      await storage.put(`uploads/${T}/${ID}.dcm`, writeDicom({ elements: [{ tag: '00100010', vr: 'PN', value: 'Other^Bytes' }] }), 'application/dicom');
      expect((await processUpload(storage, cfg, ID, { now })).outcome).toBe('rejected');
      // ID2 still holds the content; its renders went (they may have been made from the new bytes)
      // and are made again from ID2's own bytes on its next request.
      expect(storage.objects.has(`uploads/${T}/by-hash/${sha(first)}/${ID2}`)).toBe(true);
      expect(storage.objects.has(defaultRender(sha(first)))).toBe(false);
      expect(summaryOf(storage, ID2)?.status).toBe('ready');
    });

    it('rejects an object that is not the one its event announced (written again before this run)', async () => {
      const storage = new MemoryStorage();
      await seed(storage, ID, ct());
      const etagNow = storage.objects.get(`uploads/${T}/${ID}.dcm`)!.etag!;
      expect(await processUpload(storage, cfg, ID, { now, eventEtag: 'an-earlier-write' })).toEqual({ outcome: 'rejected', rendered: false });
      expect(summaryOf(storage, ID)?.reason?.code).toBe('UploadMismatch');
      // The event of the later write finds its object recorded: nothing more.
      expect(await processUpload(storage, cfg, ID, { now, eventEtag: etagNow })).toEqual({ outcome: 'duplicate', rendered: false });
      expect([...storage.objects.keys()].some((k) => k.startsWith('renders/'))).toBe(false);
    });

    it('processes an object whose ETag is the event\'s', async () => {
      const storage = new MemoryStorage();
      await seed(storage, ID, ct());
      const etag = storage.objects.get(`uploads/${T}/${ID}.dcm`)!.etag!;
      expect((await processUpload(storage, cfg, ID, { now, eventEtag: etag })).outcome).toBe('ready');
    });

    it('rejects a stored size other than the declared one, without downloading the upload', async () => {
      const storage = new MemoryStorage();
      const bytes = ct();
      await seed(storage, ID, bytes);
      await storage.put(`uploads/${T}/${ID}.dcm`, bytes.slice(0, bytes.length - 2), 'application/dicom');
      expect(await processUpload(storage, cfg, ID, { now })).toEqual({ outcome: 'rejected', rendered: false });
      const s = summaryOf(storage, ID)!;
      expect(s).toMatchObject({ status: 'rejected', size: bytes.length - 2, reason: { code: 'UploadMismatch' } });
      expect(s.reason!.message).toContain(`signed for ${bytes.length}`);
      expect(storage.objects.has(`quarantine/${T}/${ID}.dcm`)).toBe(true);
      expect(storage.objects.has(`uploads/${T}/${ID}.dcm`)).toBe(false);
      expect(storage.objects.get(`uploads/${T}/${ID}.dcm`)).toBeUndefined();
      expect([...storage.objects.keys()].some((k) => k.startsWith('renders/'))).toBe(false);
    });

    it('rejects a content type other than the signed one', async () => {
      const storage = new MemoryStorage();
      const bytes = ct();
      await seed(storage, ID, bytes);
      await storage.put(`uploads/${T}/${ID}.dcm`, bytes, 'text/html');
      expect((await processUpload(storage, cfg, ID, { now })).outcome).toBe('rejected');
      expect(summaryOf(storage, ID)?.reason).toMatchObject({ code: 'UploadMismatch', message: expect.stringContaining('application/dicom') });
    });

    it('checks against the content type a record names', async () => {
      const storage = new MemoryStorage();
      const bytes = ct();
      await seed(storage, ID, bytes);
      storage.objects.get(`uploads/${T}/${ID}.json`)!.body = new TextEncoder().encode(
        JSON.stringify({ id: ID, declaredSize: bytes.length, contentType: 'application/octet-stream' }),
      );
      expect((await processUpload(storage, cfg, ID, { now })).outcome).toBe('rejected');
      expect(summaryOf(storage, ID)?.reason?.message).toContain('application/octet-stream');
    });

    it('removes renders keyed by id when the event names no ETag (nothing tells which bytes they were made from)', async () => {
      const storage = new MemoryStorage();
      await seed(storage, ID, ct());
      await storage.put(idRender(ID), new Uint8Array([1]), 'image/png');
      expect((await processUpload(storage, cfg, ID, { now })).outcome).toBe('ready');
      expect(storage.objects.has(idRender(ID))).toBe(false);
    });

    it('keeps them when the event\'s ETag is the object\'s: made from these bytes, they stay hits', async () => {
      const storage = new MemoryStorage();
      await seed(storage, ID, ct());
      await storage.put(idRender(ID), new Uint8Array([1]), 'image/png');
      const etag = storage.objects.get(`uploads/${T}/${ID}.dcm`)!.etag!;
      expect((await processUpload(storage, cfg, ID, { now, eventEtag: etag })).outcome).toBe('ready');
      expect(storage.objects.has(idRender(ID))).toBe(true);
    });

    it('rejects a file made ready from a later write when the earlier write\'s event comes after', async () => {
      const storage = new MemoryStorage();
      await seed(storage, ID, ct());
      const firstEtag = storage.objects.get(`uploads/${T}/${ID}.dcm`)!.etag!;
      await storage.put(idRender(ID), new Uint8Array([1]), 'image/png');
      const second = writeDicom({ elements: [{ tag: '00080018', vr: 'UI', value: '1.2.3.4' }, { tag: '00100010', vr: 'PN', value: 'Other^Bytes' }] });
      await storage.put(`uploads/${T}/${ID}.dcm`, second, 'application/dicom');
      storage.objects.get(`uploads/${T}/${ID}.json`)!.body = new TextEncoder().encode(JSON.stringify({ id: ID, declaredSize: second.length }));
      const secondEtag = storage.objects.get(`uploads/${T}/${ID}.dcm`)!.etag!;
      expect((await processUpload(storage, cfg, ID, { now, eventEtag: secondEtag })).outcome).toBe('ready');
      expect(await processUpload(storage, cfg, ID, { now, eventEtag: firstEtag })).toEqual({ outcome: 'rejected', rendered: false });
      expect(summaryOf(storage, ID)?.reason?.code).toBe('UploadMismatch');
      expect(storage.objects.has(idRender(ID))).toBe(false);
      expect(storage.objects.has(`uploads/${T}/by-hash/${sha(second)}/${ID}`)).toBe(false);
    });
  });

  it('is "gone" when the upload was removed before it ran, and writes nothing', async () => {
    const storage = new MemoryStorage();
    expect(await processUpload(storage, cfg, ID, { now })).toEqual({ outcome: 'gone', rendered: false });
    expect(storage.written).toEqual([]);
  });

  it('lets storage failures through, so the message is retried', async () => {
    const storage = new MemoryStorage();
    await seed(storage, ID, ct());
    vi.spyOn(storage, 'get').mockRejectedValueOnce(new DomainError('StorageTimeout', 'Slow.'));
    await expect(processUpload(storage, cfg, ID, { now })).rejects.toMatchObject({ code: 'StorageTimeout' });
    expect(summaryOf(storage, ID)).toBeUndefined();
    expect((await processUpload(storage, cfg, ID, { now })).outcome).toBe('ready');
  });
});
