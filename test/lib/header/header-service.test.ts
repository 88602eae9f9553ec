import { describe, expect, it } from 'vitest';
import { isDomainError } from '../../../lib/errors.js';
import { FIRST_READ_BYTES, getHeaderJson, getTag, readHeader } from '../../../lib/header/header-service.js';
import { uploadKey } from '../../../lib/storage/storage.js';
import { TS_IMPLICIT_LE, makeImageDicom, writeDicom } from '../../support/dicom-writer.js';
import { MemoryStorage } from '../../support/memory-storage.js';

const ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

async function storageWith(body: Uint8Array): Promise<MemoryStorage> {
  const storage = new MemoryStorage();
  await storage.put(uploadKey(ID), body, 'application/dicom');
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

describe('readHeader', () => {
  it('reads at most 64 KiB of a 10 MiB file with a small header', async () => {
    expect(bigImage.length).toBeGreaterThan(10 * 1024 * 1024);
    const storage = await storageWith(bigImage);
    const { parsed, bytesRead, objectSize } = await readHeader(storage, uploadKey(ID));
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
    const { bytesRead } = await readHeader(storage, uploadKey(ID));
    expect(storage.rangeGets).toBe(2);
    expect(bytesRead).toBeLessThanOrEqual(2 * (headerBytes + 1024));
    expect(bytesRead).toBeLessThan(body.length);
  });

  it('a file smaller than 64 KiB without pixel data is read once, whole', async () => {
    const body = writeDicom({ elements: [{ tag: '00100010', vr: 'PN', value: 'Doe^John' }] });
    const storage = await storageWith(body);
    const { bytesRead } = await readHeader(storage, uploadKey(ID));
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
    await expect4xx(readHeader(storage, uploadKey(ID), { maxHeaderBytes: 128 * 1024 }), 'HeaderTooLarge');
    expect(storage.bytesRead).toBeLessThanOrEqual(128 * 1024);
  });

  it('FileNotFound when nothing was uploaded', async () => {
    await expect4xx(readHeader(new MemoryStorage(), uploadKey(ID)), 'FileNotFound');
  });

  it('non-DICOM, empty, truncated and lying-length files are 4xx DomainErrors', async () => {
    const small = writeDicom({
      elements: [
        { tag: '00100010', vr: 'PN', value: 'Doe^John' },
        { tag: '00104000', vr: 'LT', value: 'x'.repeat(200) },
      ],
    });
    const lying = small.slice();
    // Make the LT length (last element, 2-byte length at -202) claim 0xFFF0 bytes.
    lying[lying.length - 202] = 0xf0;
    lying[lying.length - 201] = 0xff;
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
      await expect4xx(readHeader(storage, uploadKey(ID)));
    }
  });

  it('a file truncated inside the pixel data still has a readable header', async () => {
    const storage = await storageWith(bigImage.subarray(0, 200_000));
    const { parsed } = await readHeader(storage, uploadKey(ID));
    expect(parsed.pixelElement).toBeDefined();
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
