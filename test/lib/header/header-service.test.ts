import { describe, expect, it } from 'vitest';
import { isDomainError } from '../../../lib/errors.js';
import { HeaderService } from '../../../lib/header/header-service.js';
import { FIRST_READ_BYTES, readHeader } from '../../../lib/header/ranged-header-read.js';
import { parseRangeHeader } from '../../../lib/http/byte-range.js';
import type { Storage } from '../../../lib/storage/storage.js';
import { summaryKey, uploadKey } from '../../../lib/storage/object-keys.js';
import { TS_EXPLICIT_BE, TS_IMPLICIT_LE, makeImageDicom, writeDicom } from '../../support/dicom-writer.js';
import { MemoryStorage } from '../../support/memory-storage.js';
/** A tenant segment (lib/auth/tenant.ts format): every key of a file carries one. */
const T = 't0123456789abcdef0123456789abcdef';


const ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

/** One service per storage, as a container has one of each (functions/header.ts). */
const services = new WeakMap<Storage, HeaderService>();
type Tail<A extends unknown[]> = A extends [unknown, ...infer R] ? R : never;
const service = (storage: Storage): HeaderService => {
  let s = services.get(storage);
  if (!s) services.set(storage, (s = new HeaderService(storage)));
  return s;
};
const getHeaderJson = (storage: Storage, id: string, ...args: Tail<Parameters<HeaderService['headerJson']>>) => service(storage).headerJson({ tenant: T, id }, ...args);
const getTag = (storage: Storage, id: string, ...args: Tail<Parameters<HeaderService['tag']>>) => service(storage).tag({ tenant: T, id }, ...args);
/** With the Range header parsed as functions/header.ts does. */
const getBulk = async (storage: Storage, id: string, path: string, range?: string) => service(storage).bulk({ tenant: T, id }, path, parseRangeHeader(range));

async function storageWith(body: Uint8Array): Promise<MemoryStorage> {
  const storage = new MemoryStorage();
  await storage.put(uploadKey({ tenant: T, id: ID }), body, 'application/dicom');
  return storage;
}

/** A 10 MiB image (2048 x 2560 x 16 bit) with a small header. */
const bigImage = makeImageDicom({
  rows: 2560,
  columns: 2048,
  bitsAllocated: 16,
  pixel: (_f, r, c) => (r + c) & 0xfff,
  extra: [
    { tag: '00100010', vr: 'PN', value: 'Doe^Jane' },
    { tag: '00400275', vr: 'SQ', value: [[{ tag: '00321060', vr: 'LO', value: 'Chest' }]] },
  ],
});

/** Rejects with a 4xx DomainError and nothing else. */
async function expect4xx(promise: Promise<unknown>, code?: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isDomainError(error), `expected a DomainError, got ${String(error)}`).toBe(true);
  const domain = error as { status: number; code: string };
  expect(domain.status).toBeGreaterThanOrEqual(400);
  expect(domain.status).toBeLessThan(500);
  if (code) expect(domain.code).toBe(code);
}

/**
 * A copy of `file` whose last element, Patient Comments (0010,4000) LT, claims 0xFFF0 bytes.
 * The offset of its 2-byte length is found in the written bytes (tag, then "LT"), not guessed.
 */
function lyingLength(file: Uint8Array): { bytes: Uint8Array; elementOffset: number } & Uint8Array {
  const bytes = file.slice();
  const signature = [0x10, 0x00, 0x00, 0x40, 0x4c, 0x54]; // (0010,4000) LT, Explicit VR LE
  let at = -1;
  for (let i = bytes.length - 6; i >= 0 && at < 0; i--) if (signature.every((b, k) => bytes[i + k] === b)) at = i;
  if (at < 0) throw new Error('fixture: (0010,4000) LT not found');
  expect(bytes[at + 6] | (bytes[at + 7] << 8)).toBe(200); // the real length, before corrupting it
  bytes[at + 6] = 0xf0;
  bytes[at + 7] = 0xff;
  return Object.assign(bytes, { bytes, elementOffset: at });
}

describe('readHeader', () => {
  it('reads at most 64 KiB of a 10 MiB file with a small header', async () => {
    expect(bigImage.length).toBeGreaterThan(10 * 1024 * 1024);
    const storage = await storageWith(bigImage);
    const { parsed, bytesRead, objectSize } = await readHeader(storage, uploadKey({ tenant: T, id: ID }));
    expect(objectSize).toBe(bigImage.length);
    expect(bytesRead).toBeLessThanOrEqual(FIRST_READ_BYTES);
    expect(storage.bytesRead).toBeLessThanOrEqual(FIRST_READ_BYTES);
    expect(storage.gets).toBe(0);
    expect(parsed.pixelElement?.length).toBe(2048 * 2560 * 2);
  });

  it('a header bigger than 64 KiB takes a second read, and never more than 2x the header', async () => {
    const headerBytes = 100 * 1024;
    const body = makeImageDicom({
      rows: 512,
      columns: 512,
      bitsAllocated: 16,
      pixel: () => 7,
      extra: [{ tag: '00660023', vr: 'OW', value: new Uint8Array(headerBytes) }],
    });
    const storage = await storageWith(body);
    const { bytesRead } = await readHeader(storage, uploadKey({ tenant: T, id: ID }));
    expect(storage.rangeGets).toBe(2);
    expect(bytesRead).toBeLessThanOrEqual(2 * (headerBytes + 1024));
    expect(bytesRead).toBeLessThan(body.length);
  });

  it('a file smaller than 64 KiB without pixel data is read once, whole', async () => {
    const body = writeDicom({ elements: [{ tag: '00100010', vr: 'PN', value: 'Doe^John' }] });
    const storage = await storageWith(body);
    const { bytesRead } = await readHeader(storage, uploadKey({ tenant: T, id: ID }));
    expect(bytesRead).toBe(body.length);
    expect(storage.rangeGets).toBe(1);
  });

  it('refuses a header over the limit with HeaderTooLarge', async () => {
    const body = makeImageDicom({
      rows: 4,
      columns: 4,
      bitsAllocated: 8,
      pixel: () => 1,
      extra: [{ tag: '00660023', vr: 'OW', value: new Uint8Array(300 * 1024) }],
    });
    const storage = await storageWith(body);
    await expect4xx(readHeader(storage, uploadKey({ tenant: T, id: ID }), { maxHeaderBytes: 128 * 1024 }), 'HeaderTooLarge');
    expect(storage.bytesRead).toBeLessThanOrEqual(128 * 1024);
  });

  it('FileNotFound when nothing was uploaded', async () => {
    await expect4xx(readHeader(new MemoryStorage(), uploadKey({ tenant: T, id: ID })), 'FileNotFound');
  });

  it('non-DICOM, empty, truncated and lying-length files are 4xx DomainErrors', async () => {
    const small = writeDicom({
      elements: [
        { tag: '00100010', vr: 'PN', value: 'Doe^John' },
        { tag: '00104000', vr: 'LT', value: 'x'.repeat(200) },
      ],
    });
    const lying = lyingLength(small);
    const cases: Array<[string, Uint8Array]> = [
      ['text', new TextEncoder().encode('hello, this is not a DICOM file at all, just some text padding it out')],
      ['empty', new Uint8Array(0)],
      ['png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array(200).fill(0)])],
      ['truncated', small.subarray(0, small.length - 50)],
      ['cut in the preamble', small.subarray(0, 100)],
      ['lying length', lying],
    ];
    for (const [, body] of cases) {
      const storage = await storageWith(body);
      await expect4xx(readHeader(storage, uploadKey({ tenant: T, id: ID })));
    }
  });

  it('a lying length is 422 MalformedDicom naming the byte offset and tag of the element', async () => {
    const small = writeDicom({
      elements: [
        { tag: '00100010', vr: 'PN', value: 'Doe^John' },
        { tag: '00104000', vr: 'LT', value: 'x'.repeat(200) },
      ],
    });
    const lying = lyingLength(small);
    const error = await readHeader(await storageWith(lying), uploadKey({ tenant: T, id: ID })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MalformedDicom', status: 422, details: { offset: lying.elementOffset, tag: '00104000' } });
  });

  it('an unknown VR is 422 with offset and tag; an undefined-length item without delimiter is a damaged sequence, with a warning', async () => {
    const body = writeDicom({ elements: [{ tag: '00100010', vr: 'PN', value: 'Doe^John' }, { tag: '00100020', vr: 'LO', value: 'ID1' }] });
    const badVr = body.slice();
    const at = findBytes(badVr, [0x10, 0x00, 0x20, 0x00, 0x4c, 0x4f]);
    badVr[at + 4] = 0x51; // "QO"
    const e1 = await readHeader(await storageWith(badVr), uploadKey({ tenant: T, id: ID })).catch((e: unknown) => e);
    expect(e1).toMatchObject({ code: 'MalformedDicom', details: { offset: at, tag: '00100020' } });

    const seq = writeDicom({
      elements: [{ tag: '00400275', vr: 'SQ', undefinedLength: true, value: [[{ tag: '00321060', vr: 'LO', value: 'Chest' }]] }],
    });
    // Cut the Item Delimitation and Sequence Delimitation Items (16 bytes) off the end.
    const cut = seq.subarray(0, seq.length - 16);
    // Issue 14: the header before the damage is answered; the warning names the sequence and its offset.
    const read = await readHeader(await storageWith(cut), uploadKey({ tenant: T, id: ID }));
    const sequenceAt = findBytes(cut, [0x40, 0x00, 0x75, 0x02, 0x53, 0x51]);
    expect(read.warnings).toEqual([expect.objectContaining({ code: 'SequencePastEnd', offset: sequenceAt })]);
    expect(read.parsed.dataSet.elements.x00400275).toBeUndefined();
  });

  it('reads OV/SV/UV with 4-byte lengths (PS3.5 7.1.2) and 64-bit values beyond 2^53 as strings', async () => {
    const body = writeDicom({
      elements: [
        { tag: '00101020', vr: 'DS', value: '1.5' },
        { tag: '0072007E', vr: 'SV', value: [-5] },
        { tag: '00720082', vr: 'UV', value: [5] },
        { tag: '00100010', vr: 'PN', value: 'After^SV' },
      ],
    });
    const storage = await storageWith(body);
    const json = await getHeaderJson(storage, ID);
    expect(json['0072007E']).toEqual({ vr: 'SV', Value: [-5] });
    expect(json['00720082']).toEqual({ vr: 'UV', Value: [5] });
    expect(json['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'After^SV' }] });
    const big = body.slice();
    const uv = findBytes(big, [0x72, 0x00, 0x82, 0x00, 0x55, 0x56]);
    expect(big[uv + 8] | (big[uv + 9] << 8)).toBe(8); // 4-byte length after 2 reserved bytes
    new DataView(big.buffer).setBigUint64(uv + 12, 2n ** 60n + 1n, true);
    expect((await getHeaderJson(await storageWith(big), ID))['00720082']).toEqual({ vr: 'UV', Value: ['1152921504606846977'] });
  });

  it('Float Pixel Data stops the header read too', async () => {
    const body = writeDicom({
      elements: [
        { tag: '00280010', vr: 'US', value: 1024 },
        { tag: '7FE00008', vr: 'OF', value: new Uint8Array(1024 * 1024) },
      ],
    });
    const storage = await storageWith(body);
    const json = await getHeaderJson(storage, ID);
    expect(json['7FE00008']).toEqual({ vr: 'OF' });
    expect(storage.bytesRead).toBeLessThanOrEqual(FIRST_READ_BYTES);
  });

  it('elements after the pixel data: by tag, and in the whole header, skipping the pixel data', async () => {
    const signed = makeImageDicom({
      rows: 1024,
      columns: 1024,
      bitsAllocated: 16,
      pixel: () => 3,
      extra: [{ tag: 'FFFAFFFA', vr: 'SQ', value: [[{ tag: '04000005', vr: 'US', value: 2 }]] }],
    });
    expect(signed.length).toBeGreaterThan(2 * 1024 * 1024);
    let storage = await storageWith(signed);
    const whole = await getHeaderJson(storage, ID);
    expect(whole.FFFAFFFA).toEqual({ vr: 'SQ', Value: [{ '04000005': { vr: 'US', Value: [2] } }] });
    expect(storage.bytesRead).toBeLessThan(FIRST_READ_BYTES + 1024);

    storage = await storageWith(signed);
    const only = await getHeaderJson(storage, ID, ['FFFAFFFA']);
    expect(only).toEqual({ FFFAFFFA: { vr: 'SQ', Value: [{ '04000005': { vr: 'US', Value: [2] } }] } });
    expect(storage.bytesRead).toBeLessThan(FIRST_READ_BYTES + 1024);

    storage = await storageWith(signed);
    expect(await getTag(storage, ID, 'FFFAFFFA.0.04000005')).toMatchObject({ vr: 'US', Value: [2] });

    // A filter that asks for nothing after the pixel data reads nothing after it.
    storage = await storageWith(signed);
    expect(await getHeaderJson(storage, ID, ['00280010'])).toEqual({ '00280010': { vr: 'US', Value: [1024] } });
    expect(storage.bytesRead).toBeLessThanOrEqual(FIRST_READ_BYTES);
  });

  it('a file truncated inside the pixel data still has a readable header', async () => {
    const storage = await storageWith(bigImage.subarray(0, 200_000));
    const { parsed } = await readHeader(storage, uploadKey({ tenant: T, id: ID }));
    expect(parsed.pixelElement).toBeDefined();
  });
});

function findBytes(bytes: Uint8Array, signature: number[]): number {
  for (let i = 0; i + signature.length <= bytes.length; i++) if (signature.every((b, k) => bytes[i + k] === b)) return i;
  throw new Error('fixture: bytes not found');
}

describe('getBulk', () => {
  it('returns a value over 64 KiB by its BulkDataURI path, range-read by offset and length', async () => {
    const blob = new Uint8Array(100 * 1024).map((_, i) => i & 0xff);
    const body = makeImageDicom({ rows: 2, columns: 2, bitsAllocated: 16, pixel: () => 9, extra: [{ tag: '00660023', vr: 'OB', value: blob }] });
    const storage = await storageWith(body);
    const json = await getHeaderJson(storage, ID, undefined, { bulkDataUri: (p) => `bulk:${p}` });
    expect(json['00660023']).toEqual({ vr: 'OB', BulkDataURI: 'bulk:00660023' });
    expect(json['7FE00010']).toEqual({ vr: 'OW', BulkDataURI: 'bulk:7FE00010' });
    expect(Buffer.from((await getBulk(storage, ID, '00660023')).bytes).equals(Buffer.from(blob))).toBe(true);
    const pixels = await getBulk(storage, ID, '7FE00010');
    expect([...pixels.bytes]).toEqual([9, 0, 9, 0, 9, 0, 9, 0]);
    const part = await getBulk(storage, ID, '00660023', 'bytes=256-259');
    expect([...part.bytes]).toEqual([0, 1, 2, 3]);
    expect(part.range).toEqual({ start: 256, end: 259 });
    await expect4xx(getBulk(storage, ID, 'PatientBirthDate'), 'TagNotFound');
    await expect4xx(getBulk(storage, ID, '00660023', 'bytes=9-x'), 'InvalidParameter');
  });

  it('swaps big endian words to little endian', async () => {
    const body = makeImageDicom({ rows: 1, columns: 2, bitsAllocated: 16, pixel: (_f, _r, c) => 0x0102 + c, transferSyntaxUid: TS_EXPLICIT_BE });
    const storage = await storageWith(body);
    expect([...(await getBulk(storage, ID, '7FE00010')).bytes]).toEqual([0x02, 0x01, 0x03, 0x01]);
  });
});

describe('getHeaderJson / getTag', () => {
  it('returns the header as DICOM JSON without the pixel data value', async () => {
    const storage = await storageWith(bigImage);
    const json = await getHeaderJson(storage, ID);
    expect(json['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'Doe^Jane' }] });
    expect(json['7FE00010']).toEqual({ vr: 'OW' });
    expect(json['00280010'].Value).toEqual([2560]);
    expect(storage.bytesRead).toBeLessThanOrEqual(FIRST_READ_BYTES);
  });

  it('getTag answers one element with tag and keyword, by number or keyword', async () => {
    const storage = await storageWith(bigImage);
    const expected = { tag: '00100010', keyword: 'PatientName', vr: 'PN', Value: [{ Alphabetic: 'Doe^Jane' }] };
    expect(await getTag(storage, ID, '00100010')).toEqual(expected);
    expect(await getTag(storage, ID, 'PatientName')).toEqual(expected);
    expect(await getTag(storage, ID, '(0010,0010)')).toEqual(expected);
  });

  it('getTag follows nested paths', async () => {
    const storage = await storageWith(bigImage);
    expect(await getTag(storage, ID, '00400275.0.00321060')).toEqual({
      tag: '00400275.0.00321060',
      keyword: 'RequestedProcedureDescription',
      vr: 'LO',
      Value: ['Chest'],
    });
  });

  it('TagNotFound (404) for absent elements and items; InvalidTag (400) for bad specs', async () => {
    const storage = await storageWith(bigImage);
    await expect4xx(getTag(storage, ID, 'PatientBirthDate'), 'TagNotFound');
    await expect4xx(getTag(storage, ID, '00400275.3.00321060'), 'TagNotFound');
    await expect4xx(getTag(storage, ID, 'NoSuchKeyword'), 'InvalidTag');
  });

  it('works on implicit VR files', async () => {
    const body = makeImageDicom({
      rows: 2,
      columns: 2,
      bitsAllocated: 16,
      pixel: () => 1,
      transferSyntaxUid: TS_IMPLICIT_LE,
      extra: [{ tag: '00100010', vr: 'PN', value: 'Doe^Jane' }],
    });
    const storage = await storageWith(body);
    expect((await getTag(storage, ID, 'PatientName')).Value).toEqual([{ Alphabetic: 'Doe^Jane' }]);
  });
});

describe('header memo (ready files, per container)', () => {
  const processed = async (status: 'ready' | 'rejected' | undefined, body = bigImage) => {
    const storage = new MemoryStorage();
    storage.objects.set(uploadKey({ tenant: T, id: ID }), { body, contentType: 'application/dicom', lastModified: new Date() });
    if (status) {
      storage.objects.set(summaryKey({ tenant: T, id: ID }), { body: new TextEncoder().encode('{}'), contentType: 'application/json', metadata: { status }, lastModified: new Date() });
    }
    return storage;
  };

  it('reads a ready file once: the next tag requests make no ranged GET', async () => {
    const storage = await processed('ready');
    const first = await getTag(storage, ID, '00280010');
    const reads = storage.rangeGets;
    expect(reads).toBeGreaterThan(0);
    expect(await getTag(storage, ID, 'Columns')).toMatchObject({ vr: 'US' });
    expect(await getTag(storage, ID, '00280010')).toEqual(first);
    expect((await getHeaderJson(storage, ID, ['00280010']))['00280010']).toMatchObject({ vr: 'US', Value: [first.Value?.[0]] });
    expect(storage.rangeGets).toBe(reads);
  });

  it('reads a file again when it is not (yet) ready: a pending file may still be quarantined', async () => {
    const storage = await processed(undefined);
    await getTag(storage, ID, '00280010');
    const reads = storage.rangeGets;
    await getTag(storage, ID, '00280010');
    expect(storage.rangeGets).toBeGreaterThan(reads);
  });

  it('keeps a header read with the trailing elements apart from one without', async () => {
    // Digital Signatures Sequence (FFFA,FFFA) is written after Pixel Data; the file is over 64 KiB
    // so that the first read does not hold it.
    const trailing = makeImageDicom({ rows: 256, columns: 256, bitsAllocated: 16, pixel: () => 1, extra: [{ tag: 'FFFAFFFA', vr: 'SQ', value: [[{ tag: '04000005', vr: 'US', value: 2 }]] }] });
    const storage = await processed('ready', trailing);
    expect(await getTag(storage, ID, 'Rows')).toMatchObject({ vr: 'US' }); // remembered without the trailing elements
    const afterHead = storage.rangeGets;
    expect(await getTag(storage, ID, 'FFFAFFFA')).toMatchObject({ vr: 'SQ' }); // so this one reads again
    expect(storage.rangeGets).toBeGreaterThan(afterHead);
    const afterTrailing = storage.rangeGets;
    expect(await getHeaderJson(storage, ID)).toHaveProperty('FFFAFFFA'); // the whole header: its own read
    expect(storage.rangeGets).toBeGreaterThan(afterTrailing);
    const afterWhole = storage.rangeGets;
    expect(await getTag(storage, ID, 'FFFAFFFA')).toMatchObject({ vr: 'SQ' });
    expect(await getHeaderJson(storage, ID)).toHaveProperty('FFFAFFFA');
    expect(await getTag(storage, ID, 'Rows')).toMatchObject({ vr: 'US' });
    expect(storage.rangeGets).toBe(afterWhole); // all three are remembered now
  });
});

describe('a ready file written again under its key (an emulator without If-None-Match)', () => {
  it('is answered 422 UploadMismatch from a warm container, never with the earlier header', async () => {
    const storage = new MemoryStorage();
    const ref = { tenant: T, id: ID };
    await storage.put(uploadKey(ref), makeImageDicom({ rows: 2, columns: 2, bitsAllocated: 16, pixel: () => 1, extra: [{ tag: '00100010', vr: 'PN', value: 'First^Bytes' }] }), 'application/dicom');
    const etag = (await storage.head(uploadKey(ref)))?.etag ?? '';
    await storage.put(summaryKey(ref), new TextEncoder().encode('{}'), 'application/json', { status: 'ready', 'source-etag': etag });
    const headers = new HeaderService(storage);
    expect((await headers.headerJson(ref))['00100010']).toBeDefined(); // remembered now
    await storage.put(uploadKey(ref), makeImageDicom({ rows: 2, columns: 2, bitsAllocated: 16, pixel: () => 2 }), 'application/dicom');
    await expect(headers.headerJson(ref)).rejects.toMatchObject({ code: 'UploadMismatch' });
    await expect(headers.tag(ref, '00100010')).rejects.toMatchObject({ code: 'UploadMismatch' });
  });
});
