import type { ObjectInfo, Storage } from '../../lib/storage/storage.js';

/** An in-memory Storage for service tests; counts what was read (and HEADs) so tests can assert on it. */
export class MemoryStorage implements Storage {
  readonly objects = new Map<
    string,
    { body: Uint8Array; contentType: string; metadata?: Record<string, string>; lastModified: Date; etag?: string; tags?: Record<string, string> }
  >();
  readonly presigned: Array<{ key: string; contentLength: number; contentType: string; expiresIn: number }> = [];
  bytesRead = 0;
  heads = 0;
  gets = 0;
  rangeGets = 0;
  puts = 0;
  /** Keys in the order they were written (put, putIfAbsent that wrote, copy). */
  readonly written: string[] = [];
  readonly deleted: string[] = [];
  private version = 0;

  async head(key: string): Promise<ObjectInfo | undefined> {
    this.heads++;
    const o = this.objects.get(key);
    return o && { size: o.body.length, contentType: o.contentType, metadata: o.metadata, lastModified: o.lastModified, etag: o.etag };
  }

  async getRange(key: string, start: number, endInclusive: number): Promise<Uint8Array> {
    const o = this.objects.get(key);
    if (!o) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
    this.rangeGets++;
    const slice = o.body.slice(start, Math.min(endInclusive + 1, o.body.length));
    this.bytesRead += slice.length;
    return slice;
  }

  async getHead(key: string, length: number): Promise<{ bytes: Uint8Array; size: number } | undefined> {
    const o = this.objects.get(key);
    if (!o) return undefined;
    this.rangeGets++;
    const bytes = o.body.slice(0, length);
    this.bytesRead += bytes.length;
    return { bytes, size: o.body.length };
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const o = this.objects.get(key);
    if (!o) return undefined;
    this.gets++;
    this.bytesRead += o.body.length;
    return o.body.slice();
  }

  async put(key: string, body: Uint8Array, contentType: string, metadata?: Record<string, string>, tags?: Record<string, string>): Promise<void> {
    this.puts++;
    this.written.push(key);
    this.objects.set(key, { body: body.slice(), contentType, metadata, lastModified: new Date(), etag: `e${++this.version}`, tags });
  }

  /** Honours the condition, as S3 does (If-None-Match: *). */
  async putIfAbsent(key: string, body: Uint8Array, contentType: string, metadata?: Record<string, string>): Promise<boolean> {
    if (this.objects.has(key)) return false;
    await this.put(key, body, contentType, metadata);
    return true;
  }

  async copy(fromKey: string, toKey: string): Promise<boolean> {
    const o = this.objects.get(fromKey);
    if (!o) return false;
    this.written.push(toKey);
    this.objects.set(toKey, { ...o, body: o.body.slice(), lastModified: new Date(), tags: undefined });
    return true;
  }

  async delete(key: string): Promise<void> {
    this.deleted.push(key);
    this.objects.delete(key);
  }

  async list(prefix: string, limit = 1000): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort().slice(0, limit);
  }

  async setTags(key: string, tags: Record<string, string>): Promise<boolean> {
    const o = this.objects.get(key);
    if (!o) return false;
    o.tags = { ...tags };
    return true;
  }

  async presignPut(key: string, opts: { contentLength: number; contentType: string; expiresIn: number }): Promise<string> {
    this.presigned.push({ key, ...opts });
    return `https://bucket.example/${key}?signed`;
  }

  presignedGets = 0;

  async presignGet(key: string): Promise<string> {
    this.presignedGets++;
    return `https://bucket.example/${key}?signed-get=${this.presignedGets}`;
  }
}
