import { describe, expect, it } from 'vitest';
import { fileInfo, recordedState } from '../../../lib/files/file-state.js';
import { serializeSummary, summaryMetadata, type FileSummary } from '../../../lib/files/summary.js';
import { summaryKey, uploadKey } from '../../../lib/storage/object-keys.js';
import { MemoryStorage } from '../../support/memory-storage.js';

/** A file of one tenant (lib/auth/tenant.ts segment format): every key carries both. */
const ID = { tenant: 't0123456789abcdef0123456789abcdef', id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d' };

async function readyWithTrailing(): Promise<MemoryStorage> {
  const storage = new MemoryStorage();
  await storage.put(uploadKey(ID), new Uint8Array(2000), 'application/dicom');
  const upload = (await storage.head(uploadKey(ID)))!;
  const summary: FileSummary = {
    status: 'ready',
    size: 2000,
    sha256: 'ab'.repeat(32),
    trailingOffset: 1000,
    trailingEnd: 1200,
    uploadedAt: upload.lastModified!.toISOString(),
    // As the processor writes it (lib/processing/process-upload.ts writeSummary).
    sourceEtag: upload.etag,
    processedAt: upload.lastModified!.toISOString(),
  };
  await storage.put(summaryKey(ID), serializeSummary(summary), 'application/json', summaryMetadata(summary, upload));
  return storage;
}

describe('file state and the range of the elements after the pixel data', () => {
  it('recordedState gives the header route the range from the summary metadata (one HEAD)', async () => {
    const storage = await readyWithTrailing();
    storage.gets = 0;
    expect(await recordedState(storage, ID)).toMatchObject({ status: 'ready', trailing: { offset: 1000, end: 1200 } });
    expect(storage.gets).toBe(0);
  });

  it('GET /files/{id} does not show it: it is for the header route, not part of the file resource', async () => {
    const info = await fileInfo(await readyWithTrailing(), ID);
    expect(info.status).toBe('ready');
    expect(info).not.toHaveProperty('trailingOffset');
    expect(info).not.toHaveProperty('trailingEnd');
    expect(info).not.toHaveProperty('sourceEtag');
  });
});

describe('a ready file written again under its key within the same second (an emulator without If-None-Match)', () => {
  it('is pending again in GET /files/{id}: the ETag differs although size and Last-Modified do not', async () => {
    const storage = await readyWithTrailing();
    expect((await fileInfo(storage, ID)).status).toBe('ready');
    const stored = storage.objects.get(uploadKey(ID))!;
    // Same size, same Last-Modified second, other bytes: only the ETag tells.
    storage.objects.set(uploadKey(ID), { ...stored, body: new Uint8Array(2000).fill(7), etag: 'e-rewritten' });
    expect((await fileInfo(storage, ID)).status).toBe('pending');
  });
});
