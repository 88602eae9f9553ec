import { describe, expect, it } from 'vitest';
import { deleteAllUnder } from '../../../lib/files/content-refs.js';
import { MemoryStorage } from '../../support/memory-storage.js';

const put = (storage: MemoryStorage, key: string) => storage.put(key, new Uint8Array(1), 'image/png');

describe('deleteAllUnder', () => {
  it('deletes every object under the prefix, past one list page of 1000, and nothing beside it', async () => {
    const storage = new MemoryStorage();
    const prefix = 'renders/t0/a/';
    await Promise.all(Array.from({ length: 2500 }, (_, i) => put(storage, `${prefix}v3-f1-${i}.png`)));
    await put(storage, 'renders/t0/ab/v3-f1-0.png');
    expect(await deleteAllUnder(storage, prefix)).toBe(true);
    expect(await storage.list(prefix)).toEqual([]);
    expect(storage.objects.has('renders/t0/ab/v3-f1-0.png')).toBe(true);
  });

  it('says so when it stopped with objects left (a repeated DELETE finishes them)', async () => {
    const storage = new MemoryStorage();
    const prefix = 'renders/t0/b/';
    await Promise.all(Array.from({ length: 50_001 }, (_, i) => put(storage, `${prefix}${String(i).padStart(6, '0')}.png`)));
    expect(await deleteAllUnder(storage, prefix)).toBe(false);
    expect(await storage.list(prefix)).toHaveLength(1);
    expect(await deleteAllUnder(storage, prefix)).toBe(true);
  });
});
