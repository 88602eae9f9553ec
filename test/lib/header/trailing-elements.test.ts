/**
 * Elements after Pixel Data in the whole header (GET /files/{id}/tags): read with one bounded
 * ranged GET, from the processor's record (ready files) or the end of native pixel data
 * (pending ones), never reading the pixel data value; Data Set Trailing Padding left out.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { vrLookup } from '../../../lib/dicom/dictionary.js';
import { dataSetToJson, type DicomJsonDataSet } from '../../../lib/dicom/json-model.js';
import { parseDicom } from '../../../lib/dicom/parse.js';
import { parseSummary } from '../../../lib/files/summary.js';
import { HeaderService } from '../../../lib/header/header-service.js';
import { FIRST_READ_BYTES, MAX_TRAILING_BYTES } from '../../../lib/header/ranged-header-read.js';
import { processUpload } from '../../../lib/processing/process-upload.js';
import { summaryKey, uploadKey } from '../../../lib/storage/object-keys.js';
import { corpusAvailable, corpusPath, loadManifest } from '../../support/corpus.js';
import { TS_EXPLICIT_LE, makeImageDicom, makeTrailingImageDicom, trailingElements } from '../../support/dicom-writer.js';
import { MemoryStorage } from '../../support/memory-storage.js';

/** A file of one tenant (lib/auth/tenant.ts segment format): every key carries both. */
const ID = { tenant: 't0123456789abcdef0123456789abcdef', id: '5d0c2b7e-3a41-4f6b-9c8d-7e6f5a4b3c2d' };
const TRAILING = ['7FE10010', '7FE11001', 'EAEA0102', 'FFFAFFFA'];

/** MemoryStorage that remembers every range read, to show the pixel data value is never among them. */
class RangeLog extends MemoryStorage {
  readonly ranges: Array<[number, number]> = [];
  override async getRange(key: string, start: number, endInclusive: number): Promise<Uint8Array> {
    this.ranges.push([start, endInclusive]);
    return super.getRange(key, start, endInclusive);
  }
  override async getHead(key: string, length: number) {
    this.ranges.push([0, length - 1]);
    return super.getHead(key, length);
  }
}

async function stored(body: Uint8Array): Promise<RangeLog> {
  const storage = new RangeLog();
  await storage.put(uploadKey(ID), body, 'application/dicom');
  return storage;
}

/** Processes the upload as the processor function does, without rendering (not under test here). */
async function processed(body: Uint8Array): Promise<RangeLog> {
  const storage = await stored(body);
  expect((await processUpload(storage, { maxUploadBytes: 1 << 30 }, ID, { preRender: async () => false })).outcome).toBe('ready');
  storage.ranges.length = 0;
  storage.bytesRead = 0;
  storage.rangeGets = 0;
  return storage;
}

/** [start, end) of the top-level pixel data value, found by a whole parse of the file. */
function pixelValue(body: Uint8Array): [number, number] {
  const pixel = parseDicom(body, { vrLookup }).pixelElement!;
  return [pixel.dataOffset, pixel.dataOffset + pixel.length];
}

/**
 * No range read overlaps the pixel data: its value, or for encapsulated pixel data its fragments
 * (item headers and the delimiter are structure, PS3.5 A.4). The first read may end inside it:
 * it is at most 64 KiB.
 */
function expectNoPixelBytes(storage: RangeLog, body: Uint8Array): void {
  const pixel = parseDicom(body, { vrLookup }).pixelElement!;
  const values: Array<[number, number]> = pixel.fragments
    ? pixel.fragments.map((f) => [f.position, f.position + f.length])
    : [[pixel.dataOffset, pixel.dataOffset + pixel.length]];
  for (const [a, b] of storage.ranges.slice(1)) {
    for (const [start, end] of values) expect(b < start || a >= end, `range ${a}-${b} reads pixel data ${start}-${end}`).toBe(true);
  }
}

/** The whole-file parse as DICOM JSON, without the pixel data value and the padding: what the whole header must equal. */
function wholeFileJson(body: Uint8Array): DicomJsonDataSet {
  const json = dataSetToJson(parseDicom(body, { vrLookup }), { bulkDataUri: (p) => `bulk:${p}` });
  delete json.FFFCFFFC;
  for (const tag of ['7FE00008', '7FE00009', '7FE00010']) delete json[tag];
  return json;
}

const whole = (storage: MemoryStorage, tags?: string[]) =>
  new HeaderService(storage, { memoTtlSeconds: 0 }).headerJson(ID, tags, { bulkDataUri: (p) => `bulk:${p}` });

const withoutPixel = (json: DicomJsonDataSet): DicomJsonDataSet => {
  const out = { ...json };
  for (const tag of ['7FE00008', '7FE00009', '7FE00010']) delete out[tag];
  return out;
};

describe('whole header: elements after the pixel data', () => {
  const native = makeTrailingImageDicom({ rows: 1024, columns: 1024, paddingBytes: 256 });
  const encapsulated = makeTrailingImageDicom({ rows: 256, columns: 256, encapsulated: true, frames: 20, paddingBytes: 256 });

  it('the fixtures have the pixel data far past the first read, then the trailing elements and padding', () => {
    for (const body of [native, encapsulated]) {
      const parsed = parseDicom(body, { vrLookup });
      expect(pixelValue(body)[1] - pixelValue(body)[0]).toBeGreaterThan(FIRST_READ_BYTES);
      for (const tag of [...TRAILING, 'FFFCFFFC']) expect(parsed.dataSet.elements[`x${tag.toLowerCase()}`]?.dataOffset).toBeGreaterThan(pixelValue(body)[1] - 1);
    }
  });

  it('native, before processing: from the end of the pixel data by its length, one ranged GET', async () => {
    const storage = await stored(native);
    const json = await whole(storage);
    for (const tag of TRAILING) expect(json, tag).toHaveProperty(tag);
    expect(json).not.toHaveProperty('FFFCFFFC');
    expect(withoutPixel(json)).toEqual(wholeFileJson(native));
    expect(storage.rangeGets).toBe(2);
    expect(storage.bytesRead).toBeLessThan(FIRST_READ_BYTES + 1024);
    expectNoPixelBytes(storage, native);
  });

  it('native, ready: from the recorded offset to the padding, one ranged GET', async () => {
    const storage = await processed(native);
    const summary = parseSummary(storage.objects.get(summaryKey(ID))!.body)!;
    const [, pixelEnd] = pixelValue(native);
    expect(summary.trailingOffset).toBe(pixelEnd);
    expect(summary.trailingEnd).toBe(native.length - 256 - 12); // the padding's 12-byte OB header and value
    const json = await whole(storage);
    for (const tag of TRAILING) expect(json, tag).toHaveProperty(tag);
    expect(json).not.toHaveProperty('FFFCFFFC');
    expect(withoutPixel(json)).toEqual(wholeFileJson(native));
    expect(storage.rangeGets).toBe(2);
    expect(storage.ranges[1]).toEqual([pixelEnd, summary.trailingEnd! - 1]); // not the padding either
    expectNoPixelBytes(storage, native);
  });

  it('encapsulated, ready: one ranged GET from the recorded offset, no fragment walk', async () => {
    const storage = await processed(encapsulated);
    const summary = parseSummary(storage.objects.get(summaryKey(ID))!.body)!;
    const [, pixelEnd] = pixelValue(encapsulated); // after the Sequence Delimitation Item
    expect(summary.trailingOffset).toBe(pixelEnd);
    expect(storage.objects.get(summaryKey(ID))!.metadata?.trailing).toBe(`${pixelEnd}-${summary.trailingEnd}`);
    const json = await whole(storage);
    for (const tag of TRAILING) expect(json, tag).toHaveProperty(tag);
    expect(json).not.toHaveProperty('FFFCFFFC');
    expect(withoutPixel(json)).toEqual(wholeFileJson(encapsulated));
    expect(storage.rangeGets).toBe(2);
    // The 8 bytes before the offset are the delimiter (checked: a stale record is not trusted).
    expect(storage.ranges[1]).toEqual([pixelEnd - 8, summary.trailingEnd! - 1]);
    expectNoPixelBytes(storage, encapsulated);
  });

  it('encapsulated, before processing: left out (a GET per fragment to find them); asked for by tag, read', async () => {
    let storage = await stored(encapsulated);
    const json = await whole(storage);
    for (const tag of TRAILING) expect(json, tag).not.toHaveProperty(tag);
    expect(storage.rangeGets).toBe(1);

    storage = await stored(encapsulated);
    const asked = await whole(storage, ['EAEA0102', 'FFFAFFFA']);
    expect(Object.keys(asked)).toEqual(['EAEA0102', 'FFFAFFFA']);
    expectNoPixelBytes(storage, encapsulated);
  });

  it('a record that does not match the bytes is not trusted', async () => {
    const storage = await processed(encapsulated);
    const summary = storage.objects.get(summaryKey(ID))!;
    const [, pixelEnd] = pixelValue(encapsulated);
    summary.metadata = { ...summary.metadata, trailing: `${pixelEnd - 2}-${encapsulated.length}` };
    const json = await whole(storage);
    for (const tag of TRAILING) expect(json, tag).not.toHaveProperty(tag);

    const nativeStorage = await processed(native);
    const nativeSummary = nativeStorage.objects.get(summaryKey(ID))!;
    nativeSummary.metadata = { ...nativeSummary.metadata, trailing: '1000-2000' };
    expect(withoutPixel(await whole(nativeStorage))).toEqual(wholeFileJson(native)); // the length says where
  });

  it('a tail over MAX_TRAILING_BYTES is left out of the whole header, and still readable by tag', async () => {
    const big = makeImageDicom({
      rows: 512,
      columns: 512,
      bitsAllocated: 16,
      pixel: () => 5,
      extra: [...trailingElements(), { tag: '7FE11002', vr: 'OB', value: new Uint8Array(MAX_TRAILING_BYTES) }],
    });
    const storage = await stored(big);
    const json = await whole(storage);
    for (const tag of TRAILING) expect(json, tag).not.toHaveProperty(tag);
    expect(storage.bytesRead).toBeLessThanOrEqual(FIRST_READ_BYTES);
    expect(await whole(await stored(big), ['EAEA0102'])).toHaveProperty('EAEA0102');
  });

  it('padding over MAX_TRAILING_BYTES: left out before processing, skipped by the record after', async () => {
    const padded = makeTrailingImageDicom({ rows: 512, columns: 512, paddingBytes: MAX_TRAILING_BYTES + 2 });
    const pending = await stored(padded);
    expect(await whole(pending)).not.toHaveProperty('EAEA0102');
    expect(pending.bytesRead).toBeLessThanOrEqual(FIRST_READ_BYTES);
    const ready = await processed(padded);
    const json = await whole(ready);
    for (const tag of TRAILING) expect(json, tag).toHaveProperty(tag);
    expect(ready.bytesRead).toBeLessThan(FIRST_READ_BYTES + 1024);
  });

  it('nothing after the pixel data but padding: the processor records none, and nothing more is read', async () => {
    const onlyPadding = makeImageDicom({
      rows: 512,
      columns: 512,
      bitsAllocated: 16,
      pixel: () => 5,
      extra: [{ tag: 'FFFCFFFC', vr: 'OB', value: new Uint8Array(1024) }],
    });
    const storage = await processed(onlyPadding);
    const summary = storage.objects.get(summaryKey(ID))!;
    expect(parseSummary(summary.body)).not.toHaveProperty('trailingOffset');
    expect(summary.metadata?.trailing).toBe('none');
    expect(await whole(storage)).not.toHaveProperty('FFFCFFFC');
    expect(storage.rangeGets).toBe(1);
    // Asked for by tag, the padding is still there (PS3.10 7.2 gives it no meaning, not no existence).
    expect(await whole(storage, ['FFFCFFFC'])).toHaveProperty('FFFCFFFC');
  });

  it('what follows the pixel data that is not a data set leaves the whole header as it was (the processor rejects the file)', async () => {
    const body = makeImageDicom({ rows: 512, columns: 512, bitsAllocated: 16, pixel: () => 5, transferSyntaxUid: TS_EXPLICIT_LE });
    const junk = new Uint8Array(body.length + 6);
    junk.set(body);
    junk.set([0xfa, 0xff, 0xfa, 0xff, 0x5a, 0x5a], body.length);
    const json = await whole(await stored(junk));
    expect(json).toHaveProperty('00280010');
    expect(json).not.toHaveProperty('FFFAFFFA');
  });
});

describe.skipIf(!corpusAvailable)(
  corpusAvailable ? 'whole header of corpus files with elements after Pixel Data (processed)' : 'corpus trailing elements (NOT RUN: no corpus)',
  () => {
    const files = corpusAvailable
      ? loadManifest().files.filter((f) => f.pixel_data && f.transfer_syntax_uid !== '1.2.840.10008.1.2.1.99')
      : [];

    it('equals the whole-file parse, trailing elements included and padding left out', async () => {
      const withTrailing: string[] = [];
      for (const f of files) {
        const body = new Uint8Array(readFileSync(corpusPath(f.path)));
        let parsed;
        try {
          parsed = parseDicom(body, { vrLookup });
        } catch {
          continue; // refused or cut inside Pixel Data: nothing after it to read
        }
        const pixel = parsed.pixelElement;
        if (!pixel || !Object.values(parsed.dataSet.elements).some((e) => e.dataOffset > pixel.dataOffset)) continue;
        const storage = await processed(body);
        expect(withoutPixel(await whole(storage)), f.path).toEqual(wholeFileJson(body));
        expectNoPixelBytes(storage, body);
        if (Object.values(parsed.dataSet.elements).some((e) => e.dataOffset > pixel.dataOffset && e.tag !== 'xfffcfffc')) withTrailing.push(f.path);
      }
      console.info(`corpus files with elements after Pixel Data besides padding: ${withTrailing.join(', ')}`);
      expect(withTrailing.length).toBeGreaterThanOrEqual(2);
    });
  },
);
