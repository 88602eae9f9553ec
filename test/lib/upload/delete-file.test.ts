import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { preRender } from '../../../lib/export/pre-render.js';
import { fileInfo, missingUploadError } from '../../../lib/files/file-state.js';
import { processUpload } from '../../../lib/processing/process-upload.js';
import { uploadKey } from '../../../lib/storage/object-keys.js';
import { deleteFile } from '../../../lib/upload/delete-file.js';
import { makeImageDicom } from '../../support/dicom-writer.js';
import { MemoryStorage } from '../../support/memory-storage.js';

const T = 't0123456789abcdef0123456789abcdef';
const OTHER = 'tfedcba9876543210fedcba9876543210';
const ID = '6f1c4a52-3b8e-4d5f-9a7b-2c1d0e9f8a7b';
const ID2 = '0b7e3f52-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const cfg = { maxUploadBytes: 10 * 1024 * 1024 };
const image = () => makeImageDicom({ rows: 4, columns: 5, bitsAllocated: 16, bitsStored: 12, pixel: (_f, r, c) => r * 500 + c * 100 });
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function seed(storage: MemoryStorage, tenant: string, id: string, bytes: Uint8Array): Promise<void> {
  await storage.put(`uploads/${tenant}/${id}.json`, new TextEncoder().encode(JSON.stringify({ id, declaredSize: bytes.length })), 'application/json');
  await storage.put(`uploads/${tenant}/${id}.dcm`, bytes, 'application/dicom');
}
const process = (storage: MemoryStorage, tenant: string, id: string) => processUpload(storage, cfg, { tenant, id }, { preRender });
const keysOf = (storage: MemoryStorage, tenant: string, id: string) => [...storage.objects.keys()].filter((k) => k.startsWith(`uploads/${tenant}/${id}.`) || k.includes(`/${id}`));
const code = async (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e as { code?: string }).code);

describe('deleteFile', () => {
  it('removes every object of a ready file but its tombstone; the id is then FileNotFound; a repeat succeeds', async () => {
    const storage = new MemoryStorage();
    const bytes = image();
    await seed(storage, T, ID, bytes);
    expect((await process(storage, T, ID)).outcome).toBe('ready');
    // A render made for the id before processing (export's fallback key).
    await storage.put(`renders/${T}/${ID}/v3-f1.png`, new Uint8Array([1]), 'image/png');
    expect([...storage.objects.keys()].some((k) => k.startsWith(`renders/${T}/sha256/${sha(bytes)}/`))).toBe(true);

    await deleteFile(storage, { tenant: T, id: ID });
    expect([...storage.objects.keys()]).toEqual([`uploads/${T}/${ID}.deleted`]);
    expect(await code(fileInfo(storage, { tenant: T, id: ID }))).toBe('FileNotFound');
    expect((await missingUploadError(storage, { tenant: T, id: ID })).code).toBe('FileNotFound');
    await deleteFile(storage, { tenant: T, id: ID });
    expect([...storage.objects.keys()]).toEqual([`uploads/${T}/${ID}.deleted`]);
  });

  it('is FileNotFound for an id never issued, and for another tenant\'s id (whose file stays)', async () => {
    const storage = new MemoryStorage();
    expect(await code(deleteFile(storage, { tenant: T, id: ID }))).toBe('FileNotFound');
    await seed(storage, OTHER, ID, image());
    const before = [...storage.objects.keys()];
    expect(await code(deleteFile(storage, { tenant: T, id: ID }))).toBe('FileNotFound');
    expect([...storage.objects.keys()]).toEqual(before);
    expect(storage.written.some((k) => k.includes(T))).toBe(false);
  });

  it('deletes an awaiting upload (request record only) and a rejected one (quarantine copy)', async () => {
    const storage = new MemoryStorage();
    await storage.put(`uploads/${T}/${ID}.json`, new TextEncoder().encode('{}'), 'application/json');
    await deleteFile(storage, { tenant: T, id: ID });
    expect([...storage.objects.keys()]).toEqual([`uploads/${T}/${ID}.deleted`]);

    const s2 = new MemoryStorage();
    await seed(s2, T, ID2, new TextEncoder().encode('not dicom at all'));
    expect((await process(s2, T, ID2)).outcome).toBe('rejected');
    expect(s2.objects.has(`quarantine/${T}/${ID2}.dcm`)).toBe(true);
    await deleteFile(s2, { tenant: T, id: ID2 });
    expect([...s2.objects.keys()]).toEqual([`uploads/${T}/${ID2}.deleted`]);
  });

  it('keeps the content renders while another file of the tenant holds the same bytes, and drops them with the last', async () => {
    const storage = new MemoryStorage();
    const bytes = image();
    const hashPrefix = `renders/${T}/sha256/${sha(bytes)}/`;
    // The same bytes under another tenant: its renders are its own and stay.
    for (const [tenant, id] of [[T, ID], [T, ID2], [OTHER, ID]]) {
      await seed(storage, tenant, id, bytes);
      expect((await process(storage, tenant, id)).outcome).toBe('ready');
    }
    const shared = [...storage.objects.keys()].filter((k) => k.startsWith(hashPrefix));
    expect(shared.length).toBeGreaterThan(0);
    await deleteFile(storage, { tenant: T, id: ID });
    expect([...storage.objects.keys()].filter((k) => k.startsWith(hashPrefix))).toEqual(shared);
    expect((await fileInfo(storage, { tenant: T, id: ID2 })).status).toBe('ready');
    await deleteFile(storage, { tenant: T, id: ID2 });
    expect([...storage.objects.keys()].filter((k) => k.startsWith(`renders/${T}/`) || k.startsWith(`uploads/${T}/by-hash/`))).toEqual([]);
    expect([...storage.objects.keys()].filter((k) => k.startsWith(`renders/${OTHER}/sha256/`)).length).toBe(shared.length);
    expect((await fileInfo(storage, { tenant: OTHER, id: ID })).status).toBe('ready');
  });
});

/** Runs `during` once, just before the first write whose key passes `when`. */
class HookedStorage extends MemoryStorage {
  constructor(private readonly hook: { when: (key: string) => boolean; during: () => Promise<void> }) {
    super();
  }
  private fired = false;
  private async maybe(key: string): Promise<void> {
    if (!this.fired && this.hook.when(key)) {
      this.fired = true;
      await this.hook.during();
    }
  }
  override async put(...args: Parameters<MemoryStorage['put']>): Promise<void> {
    await this.maybe(args[0]);
    return super.put(...args);
  }
  override async copy(from: string, to: string): Promise<boolean> {
    await this.maybe(to);
    return super.copy(from, to);
  }
}

describe('a delete racing the processor', () => {
  it('leaves nothing of a ready file when the delete runs between the processor\'s read and its writes', async () => {
    const bytes = image();
    const storage: HookedStorage = new HookedStorage({
      // The processor has read the upload and decoded it; its first write is a render.
      when: (k) => k.startsWith('renders/'),
      during: () => deleteFile(storage, { tenant: T, id: ID }),
    });
    await seed(storage, T, ID, bytes);
    expect((await process(storage, T, ID)).outcome).toBe('gone');
    expect([...storage.objects.keys()]).toEqual([`uploads/${T}/${ID}.deleted`]);
    expect(keysOf(storage, T, ID)).toEqual([`uploads/${T}/${ID}.deleted`]);
  });

  it('leaves nothing of a rejected file either (quarantine copy, summary)', async () => {
    const storage: HookedStorage = new HookedStorage({
      // The processor has copied the upload to quarantine and is about to write the summary.
      when: (k) => k.endsWith('.summary.json'),
      during: () => deleteFile(storage, { tenant: T, id: ID }),
    });
    await seed(storage, T, ID, new TextEncoder().encode('not dicom at all'));
    expect((await process(storage, T, ID)).outcome).toBe('gone');
    expect([...storage.objects.keys()]).toEqual([`uploads/${T}/${ID}.deleted`]);
  });

  it('writes nothing for a file deleted before the event is processed, and removes bytes sent after the delete', async () => {
    const storage = new MemoryStorage();
    await seed(storage, T, ID, image());
    await deleteFile(storage, { tenant: T, id: ID });
    // A presigned PUT used again after the delete: the bytes are back, the id stays deleted.
    await storage.put(uploadKey({ tenant: T, id: ID }), image(), 'application/dicom');
    const written = storage.written.length;
    expect((await process(storage, T, ID)).outcome).toBe('gone');
    expect(storage.written.length).toBe(written);
    expect([...storage.objects.keys()]).toEqual([`uploads/${T}/${ID}.deleted`]);
    expect(await code(fileInfo(storage, { tenant: T, id: ID }))).toBe('FileNotFound');
  });
});
