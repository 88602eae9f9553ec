import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../lib/errors.js';
import type { ObjectInfo, Storage } from '../../../lib/storage/storage.js';
import { createUpload, getFileInfo, parseUploadRequest } from '../../../lib/upload/upload-service.js';
import { MemoryStorage } from '../../support/memory-storage.js';
/** A tenant segment (lib/auth/tenant.ts format): every key of a file carries one. */
const T = 't0123456789abcdef0123456789abcdef';


const MAX = 10 * 1024 * 1024;

function reject(body: unknown): string {
  try {
    parseUploadRequest(body, MAX);
  } catch (e) {
    if (e instanceof DomainError) return `${e.status} ${e.code}`;
    throw e;
  }
  return 'accepted';
}

describe('parseUploadRequest', () => {
  it('accepts a positive integer size up to 10 MiB', () => {
    expect(parseUploadRequest({ size: 1 }, MAX)).toEqual({ size: 1, filename: undefined });
    expect(parseUploadRequest({ size: MAX, filename: 'ct.dcm' }, MAX)).toEqual({ size: MAX, filename: 'ct.dcm' });
  });

  it.each([
    [null],
    [[]],
    ['size'],
    [{}],
    [{ size: 0 }],
    [{ size: -5 }],
    [{ size: 1.5 }],
    [{ size: '100' }],
    [{ size: 1e300 }],
    [{ size: 10, filename: 42 }],
    [{ size: 10, filename: 'x'.repeat(256) }],
  ])('rejects %j with 400 InvalidRequest', (body) => {
    expect(reject(body)).toBe('400 InvalidRequest');
  });

  it('rejects 10 MiB + 1 byte with 413 PayloadTooLarge', () => {
    expect(reject({ size: MAX + 1 })).toBe('413 PayloadTooLarge');
  });
});

describe('createUpload', () => {
  it('presigns a PUT for a fresh UUID key with the size and type signed', async () => {
    const storage = new MemoryStorage();
    const now = new Date('2026-01-01T00:00:00Z');
    const out = await createUpload(storage, { maxUploadBytes: MAX, uploadUrlTtlSeconds: 900 }, T, { size: 1234, filename: '../../etc/passwd' }, now);
    expect(out.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.method).toBe('PUT');
    expect(out.headers).toEqual({ 'content-type': 'application/dicom', 'content-length': '1234', 'if-none-match': '*' });
    expect(out.expiresAt).toBe('2026-01-01T00:15:00.000Z');
    expect(storage.presigned).toEqual([{ key: `uploads/${T}/${out.id}.dcm`, contentLength: 1234, contentType: 'application/dicom', expiresIn: 900 }]);
    // The filename never reaches a key.
    expect([...storage.objects.keys()].every((k) => !k.includes('passwd'))).toBe(true);
    const second = await createUpload(storage, { maxUploadBytes: MAX, uploadUrlTtlSeconds: 900 }, T, { size: 1 });
    expect(second.id).not.toBe(out.id);
  });
});

describe('getFileInfo', () => {
  const cfg = { maxUploadBytes: MAX, uploadUrlTtlSeconds: 900 };
  const sha = 'ab'.repeat(32);

  it('tags the request record "awaiting" so unused URLs expire', async () => {
    const storage = new MemoryStorage();
    const created = await createUpload(storage, cfg, T, { size: 3 });
    expect(storage.objects.get(`uploads/${T}/${created.id}.json`)?.tags).toEqual({ 'upload-state': 'awaiting' });
  });

  it('is awaiting-upload after the URL was issued, pending once the bytes are there', async () => {
    const storage = new MemoryStorage();
    const created = await createUpload(storage, cfg, T, { size: 3, filename: 'a.dcm' });
    expect(await getFileInfo(storage, { tenant: T, id: created.id })).toEqual({
      id: created.id,
      status: 'awaiting-upload',
      size: 3,
      uploadedAt: null,
      filename: 'a.dcm',
    });
    await storage.put(`uploads/${T}/${created.id}.dcm`, new Uint8Array([1, 2, 3]), 'application/dicom');
    const info = await getFileInfo(storage, { tenant: T, id: created.id });
    expect(info).toMatchObject({ id: created.id, size: 3, filename: 'a.dcm', status: 'pending', contentType: 'application/dicom' });
    expect(Date.parse(info.uploadedAt ?? '')).not.toBeNaN();
  });

  it('is ready with the summary once processed, and pending again when new bytes replace them', async () => {
    const storage = new MemoryStorage();
    const { id } = await createUpload(storage, cfg, T, { size: 3, filename: 'a.dcm' });
    await storage.put(`uploads/${T}/${id}.dcm`, new Uint8Array([1, 2, 3]), 'application/dicom');
    const uploadedAt = storage.objects.get(`uploads/${T}/${id}.dcm`)!.lastModified.toISOString();
    const summary = {
      status: 'ready',
      size: 3,
      sha256: sha,
      transferSyntaxUid: '1.2.840.10008.1.2.1',
      sopClassUid: '1.2.840.10008.5.1.4.1.1.7',
      sopInstanceUid: '1.2.3.4',
      rows: 4,
      columns: 5,
      frames: 1,
      photometric: 'MONOCHROME2',
      uploadedAt,
      processedAt: '2026-01-01T00:00:01.000Z',
    };
    await storage.put(`uploads/${T}/${id}.summary.json`, new TextEncoder().encode(JSON.stringify(summary)), 'application/json');
    expect(await getFileInfo(storage, { tenant: T, id: id })).toEqual({ id, filename: 'a.dcm', contentType: 'application/dicom', ...summary });

    // The presigned URL used again: the summary describes older bytes.
    await new Promise((r) => setTimeout(r, 5));
    await storage.put(`uploads/${T}/${id}.dcm`, new Uint8Array([4, 5, 6, 7]), 'application/dicom');
    expect(await getFileInfo(storage, { tenant: T, id: id })).toMatchObject({ status: 'pending', size: 4 });
    expect((await getFileInfo(storage, { tenant: T, id: id })).sha256).toBeUndefined();
  });

  it('is rejected with the reason after quarantine, and 404 once the processed bytes are deleted', async () => {
    const storage = new MemoryStorage();
    const { id } = await createUpload(storage, cfg, T, { size: 3 });
    const rejected = {
      status: 'rejected',
      size: 3,
      sha256: sha,
      uploadedAt: '2026-01-01T00:00:00.000Z',
      processedAt: '2026-01-01T00:00:01.000Z',
      reason: { code: 'NotDicom', message: 'The file is not DICOM.' },
    };
    await storage.put(`uploads/${T}/${id}.summary.json`, new TextEncoder().encode(JSON.stringify(rejected)), 'application/json');
    expect(await getFileInfo(storage, { tenant: T, id: id })).toEqual({ id, ...rejected });

    await storage.put(`uploads/${T}/${id}.summary.json`, new TextEncoder().encode(JSON.stringify({ ...rejected, status: 'ready', reason: undefined })), 'application/json');
    await expect(getFileInfo(storage, { tenant: T, id: id })).rejects.toMatchObject({ code: 'FileNotFound', message: expect.stringMatching(/deleted/) });
  });

  it('ignores a summary it cannot read (pending, not a 500)', async () => {
    const storage = new MemoryStorage();
    const { id } = await createUpload(storage, cfg, T, { size: 3 });
    await storage.put(`uploads/${T}/${id}.dcm`, new Uint8Array([1, 2, 3]), 'application/dicom');
    await storage.put(`uploads/${T}/${id}.summary.json`, new TextEncoder().encode('{"status":"ready","size":'), 'application/json');
    expect(await getFileInfo(storage, { tenant: T, id: id })).toMatchObject({ status: 'pending' });
  });

  it('is 404 FileNotFound for an id never issued', async () => {
    const storage: Pick<Storage, 'head' | 'get'> = {
      head: async (): Promise<ObjectInfo | undefined> => undefined,
      get: async () => undefined,
    };
    await expect(getFileInfo(storage as Storage, { tenant: T, id: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({
      status: 404,
      code: 'FileNotFound',
    });
  });
});
