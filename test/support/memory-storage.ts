import type { ObjectInfo, Storage } from '../../lib/storage/storage.js';

/** An in-memory Storage for service tests; counts what was read so tests can assert on it. */
export class MemoryStorage implements Storage {
  readonly objects = new Map<string, { body: Uint8Array; contentType: string; metadata?: Record<string, string>; lastModified: Date }>();
  readonly presigned: Array<{ key: string; contentLength: number; contentType: string; expiresIn: number }> = [];
  bytesRead = 0;
  gets = 0;
  rangeGets = 0;
  puts = 0;

  async head(key: string): Promise<ObjectInfo | undefined> {
    const o = this.objects.get(key);
    return o && { size: o.body.length, contentType: o.contentType, metadata: o.metadata, lastModified: o.lastModified };
  }

  async getRange(key: string, start: number, endInclusive: number): Promise<Uint8Array> {
    const o = this.objects.get(key);
    if (!o) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
    this.rangeGets++;
    const slice = o.body.slice(start, Math.min(endInclusive + 1, o.body.length));
    this.bytesRead += slice.length;
    return slice;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const o = this.objects.get(key);
    if (!o) return undefined;
    this.gets++;
    this.bytesRead += o.body.length;
    return o.body.slice();
  }

  async put(key: string, body: Uint8Array, contentType: string, metadata?: Record<string, string>): Promise<void> {
    this.puts++;
    this.objects.set(key, { body: body.slice(), contentType, metadata, lastModified: new Date() });
  }

  async presignPut(key: string, opts: { contentLength: number; contentType: string; expiresIn: number }): Promise<string> {
    this.presigned.push({ key, ...opts });
    return `https://bucket.example/${key}?signed`;
  }

  async presignGet(key: string): Promise<string> {
    return `https://bucket.example/${key}?signed-get`;
  }
}
