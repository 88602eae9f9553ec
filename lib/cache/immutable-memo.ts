/**
 * A per-container memo for values read from objects that never change once written: an
 * upload (write-once, lib/upload: the presigned PUT signs If-None-Match: *) or a render under a
 * content-hash key. Lambda keeps a container warm between requests, so a viewer asking for the
 * same file's tags or PNG again is answered without a round trip to S3.
 *
 * Bounded three ways: entries, bytes (the caller says what a value weighs) and age. The age
 * bound (ttlMs) limits how long a deleted object (lifecycle expiry, an operator's delete) can
 * still be answered from a warm container. Least recently used entries go first.
 *
 * Each service builds its memos once, in its constructor, with their options in view; the
 * service itself is built once per container (functions/*.ts, perContainer).
 */
export interface MemoOptions<V> {
  maxEntries: number;
  maxBytes: number;
  ttlMs: number;
  /** Approximate bytes a value holds. */
  sizeOf: (value: V) => number;
  now?: () => number;
}

interface Entry<V> {
  value: V;
  bytes: number;
  expires: number;
}

export class ImmutableMemo<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private bytes = 0;
  private readonly now: () => number;

  constructor(private readonly opts: MemoOptions<V>) {
    this.now = opts.now ?? Date.now;
  }

  /** False when the age bound is 0 (MEMO_TTL_SECONDS=0): nothing is ever kept. */
  get enabled(): boolean {
    return this.opts.ttlMs > 0 && this.opts.maxEntries > 0;
  }

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expires <= this.now()) {
      this.remove(key, e);
      return undefined;
    }
    // Map keeps insertion order: re-inserting marks the entry most recently used.
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  set(key: string, value: V): void {
    const bytes = this.opts.sizeOf(value);
    const old = this.entries.get(key);
    if (old) this.remove(key, old);
    if (bytes > this.opts.maxBytes || this.opts.maxEntries < 1 || this.opts.ttlMs <= 0) return; // off, or would evict everything
    this.entries.set(key, { value, bytes, expires: this.now() + this.opts.ttlMs });
    this.bytes += bytes;
    for (const [k, e] of this.entries) {
      if (this.entries.size <= this.opts.maxEntries && this.bytes <= this.opts.maxBytes) break;
      this.remove(k, e);
    }
  }

  /** Forgets one entry (what it was read from changed). */
  delete(key: string): void {
    const e = this.entries.get(key);
    if (e) this.remove(key, e);
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private remove(key: string, e: Entry<V>): void {
    this.entries.delete(key);
    this.bytes -= e.bytes;
  }
}
