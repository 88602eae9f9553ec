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

describe('storedRange', () => {
  it('finds the extremes of 16- and 32-bit frames and declines other types', () => {
    expect(storedRange(Int16Array.from([5, -32768, 7, 32767]))).toEqual([-32768, 32767]);
    expect(storedRange(Uint16Array.from([9, 3, 65535]))).toEqual([3, 65535]);
    expect(storedRange(Int32Array.from([-2, 4]))).toEqual([-2, 4]);
    expect(storedRange(new Int16Array(0))).toBeUndefined();
    expect(storedRange(Uint8Array.from([1, 2]))).toBeUndefined();
  });
});
