import { describe, expect, it } from 'vitest';
import { applyLut, storedRange } from '../../../lib/render/apply-lut.js';

describe('applyLut', () => {
  it.each([
    ['Int16Array', Int16Array.from([-3, 0, 2, -1])],
    ['Uint16Array', Uint16Array.from([0, 3, 5, 2])],
    ['Uint8Array', Uint8Array.from([0, 3, 5, 2])],
    ['Int8Array', Int8Array.from([-3, 0, 2, -1])],
    ['Int32Array', Int32Array.from([-3, 0, 2, -1])],
    ['Float32Array (generic path)', Float32Array.from([-3, 0, 2, -1])],
  ])('maps every %s value through the table from its lowest entry', (_name, stored) => {
    const lowest = Math.min(...stored);
    const lut = Uint16Array.from({ length: 9 }, (_, i) => 1000 + i * 7);
    const out = new Uint16Array(stored.length);
    applyLut(stored, lowest, lut, out);
    expect(Array.from(out)).toEqual(Array.from(stored, (v) => 1000 + (v - lowest) * 7));
  });
});

describe('applyLut, 16-bit cells to 8 bits (four a step)', () => {
  it.each([0, 1, 3, 4, 5, 7, 8, 1027])('maps all %i cells, the tail after the last group of four too', (n) => {
    const stored = Uint16Array.from({ length: n }, (_, i) => (i * 37) % 300);
    const lut = Uint8Array.from({ length: 300 }, (_, i) => (i * 5 + 3) & 0xff);
    const out = new Uint8Array(n).fill(0xee);
    applyLut(stored, 0, lut, out);
    expect(Array.from(out)).toEqual(Array.from(stored, (v) => lut[v]));
  });

  it('honours a lowest stored value other than 0', () => {
    const stored = Uint16Array.from([12, 10, 15, 11, 13]);
    const lut = Uint8Array.from({ length: 6 }, (_, i) => 100 + i);
    const out = new Uint8Array(stored.length);
    applyLut(stored, 10, lut, out);
    expect(Array.from(out)).toEqual([102, 100, 105, 101, 103]);
  });
});

describe('storedRange', () => {
  it('finds the extremes of 16- and 32-bit frames and declines other types', () => {
    expect(storedRange(Int16Array.from([5, -32768, 7, 32767]))).toEqual([-32768, 32767]);
    expect(storedRange(Uint16Array.from([9, 3, 65535]))).toEqual([3, 65535]);
    expect(storedRange(Int32Array.from([-2, 4]))).toEqual([-2, 4]);
    expect(storedRange(new Int16Array(0))).toBeUndefined();
    expect(storedRange(Uint8Array.from([1, 2]))).toBeUndefined();
  });
});
