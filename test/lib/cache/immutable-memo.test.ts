import { describe, expect, it } from 'vitest';
import { ImmutableMemo } from '../../../lib/cache/immutable-memo.js';

function memo(over: Partial<{ maxEntries: number; maxBytes: number; ttlMs: number }> = {}) {
  let t = 1000;
  const m = new ImmutableMemo<string>({ maxEntries: 3, maxBytes: 100, ttlMs: 50, sizeOf: (v) => v.length, now: () => t, ...over });
  return { m, advance: (ms: number) => (t += ms) };
}

describe('ImmutableMemo', () => {
  it('returns what was set, until its age bound', () => {
    const { m, advance } = memo();
    m.set('a', 'x');
    expect(m.get('a')).toBe('x');
    advance(49);
    expect(m.get('a')).toBe('x');
    advance(1);
    expect(m.get('a')).toBeUndefined();
    expect(m.size).toBe(0);
    expect(m.totalBytes).toBe(0);
  });

  it('evicts the least recently used entry beyond maxEntries', () => {
    const { m } = memo();
    m.set('a', '1');
    m.set('b', '2');
    m.set('c', '3');
    expect(m.get('a')).toBe('1'); // a is now the most recent
    m.set('d', '4');
    expect(m.get('b')).toBeUndefined();
    expect([m.get('a'), m.get('c'), m.get('d')]).toEqual(['1', '3', '4']);
  });

  it('keeps the bytes held under maxBytes and never stores a value larger than the bound', () => {
    const { m } = memo({ maxEntries: 10 });
    m.set('a', 'x'.repeat(60));
    m.set('b', 'y'.repeat(30));
    expect(m.totalBytes).toBe(90);
    m.set('c', 'z'.repeat(30)); // 120 > 100: a goes
    expect(m.get('a')).toBeUndefined();
    expect(m.totalBytes).toBe(60);
    m.set('huge', 'h'.repeat(101));
    expect(m.get('huge')).toBeUndefined();
    expect(m.totalBytes).toBe(60);
  });

  it('replaces a value under the same key without counting it twice', () => {
    const { m } = memo();
    m.set('a', 'xx');
    m.set('a', 'yyy');
    expect(m.get('a')).toBe('yyy');
    expect(m.totalBytes).toBe(3);
    m.clear();
    expect([m.size, m.totalBytes, m.get('a')]).toEqual([0, 0, undefined]);
  });
});

describe('ImmutableMemo turned off (MEMO_TTL_SECONDS=0)', () => {
  it('stores nothing', () => {
    const { m } = memo({ ttlMs: 0 });
    m.set('a', 'x');
    expect([m.get('a'), m.size]).toEqual([undefined, 0]);
  });
});
