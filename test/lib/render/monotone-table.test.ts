import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tabulateMonotone } from '../../../lib/render/monotone-table.js';
import { modalityTransform } from '../../../lib/render/modality-lut.js';
import { toOutputValue } from '../../../lib/render/output.js';
import { voiTransform, type WindowFunction } from '../../../lib/render/voi-lut.js';

/** The table every entry evaluated: what tabulateMonotone must equal. */
function direct(f: (x: number) => number, lowest: number, size: number, Out: typeof Uint8Array | typeof Uint16Array): number[] {
  const table = new Out(size);
  for (let i = 0; i < size; i++) table[i] = f(lowest + i);
  return Array.from(table);
}

describe('tabulateMonotone', () => {
  it('equals entry-by-entry tabulation for rescale + window chains (PS3.3 C.11.1.1.2, C.11.2.1.2), either polarity', () => {
    fc.assert(
      fc.property(
        fc.record({
          bits: fc.constantFrom(8, 12, 16),
          signed: fc.boolean(),
          slope: fc.constantFrom(1, 0.5, 2, -1, 0.0001, 3.7),
          intercept: fc.integer({ min: -3000, max: 3000 }),
          center: fc.double({ min: -5000, max: 70000, noNaN: true }),
          width: fc.double({ min: 1, max: 70000, noNaN: true }),
          fn: fc.constantFrom<WindowFunction>('linear', 'linear-exact', 'sigmoid'),
          inverted: fc.boolean(),
          bitDepth: fc.constantFrom(8, 16),
        }),
        ({ bits, signed, slope, intercept, center, width, fn, inverted, bitDepth }) => {
          const max = bitDepth === 16 ? 0xffff : 0xff;
          const modality = modalityTransform({ rescaleSlope: slope, rescaleIntercept: intercept, modalityLut: undefined });
          const voi = voiTransform({ center, width, fn }, inverted ? max : 0, inverted ? 0 : max);
          const f = (v: number) => toOutputValue(voi(modality(v)), max);
          const lowest = signed ? -(2 ** (bits - 1)) : 0;
          const Out = bitDepth === 16 ? Uint16Array : Uint8Array;
          const table = tabulateMonotone(f, lowest, new Out(2 ** bits));
          expect(Array.from(table)).toEqual(direct(f, lowest, 2 ** bits, Out));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('evaluates only the ramp and the searches, not every entry', () => {
    let calls = 0;
    const f = (v: number) => {
      calls++;
      return v < 1000 ? 0 : v > 1400 ? 255 : Math.trunc(((v - 1000) / 400) * 255);
    };
    const table = tabulateMonotone(f, -32768, new Uint8Array(65536));
    expect(calls).toBeLessThan(400 + 2 * 17 + 4);
    expect(Array.from(table)).toEqual(direct(f, -32768, 65536, Uint8Array));
  });

  it('handles a constant function, a one-entry table and an empty one', () => {
    expect(Array.from(tabulateMonotone(() => 7, 0, new Uint8Array(5)))).toEqual([7, 7, 7, 7, 7]);
    expect(Array.from(tabulateMonotone((v) => v + 1, 4, new Uint8Array(1)))).toEqual([5]);
    expect(tabulateMonotone((v) => v, 0, new Uint8Array(0)).length).toBe(0);
  });

  it('handles a step function (no ramp between the flat ends)', () => {
    const f = (v: number) => (v < 10 ? 0 : 255);
    expect(Array.from(tabulateMonotone(f, 0, new Uint8Array(20)))).toEqual(direct(f, 0, 20, Uint8Array));
  });
});
