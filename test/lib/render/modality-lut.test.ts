import { describe, expect, it } from 'vitest';
import { isIdentityModality, modalityTransform } from '../../../lib/render/modality-lut.js';

describe('Modality LUT (PS3.3 C.11.1)', () => {
  it('applies Rescale Slope and Intercept: slope * SV + intercept', () => {
    const m = modalityTransform({ rescaleSlope: 2.5, rescaleIntercept: -1024 });
    expect(m(0)).toBe(-1024);
    expect(m(1000)).toBe(1476);
    expect(m(-4)).toBe(-1034);
  });

  it('is the identity without rescale', () => {
    const m = modalityTransform({ rescaleSlope: 1, rescaleIntercept: 0 });
    expect([m(-5), m(0), m(4095)]).toEqual([-5, 0, 4095]);
    expect(isIdentityModality({ rescaleSlope: 1, rescaleIntercept: 0 })).toBe(true);
    expect(isIdentityModality({ rescaleSlope: 1, rescaleIntercept: -1 })).toBe(false);
  });

  it('looks values up in a Modality LUT Sequence, clamping outside the table (C.11.1.1.1)', () => {
    const m = modalityTransform({ rescaleSlope: 3, rescaleIntercept: 7, modalityLut: { firstMapped: -2, data: Uint16Array.from([100, 200, 300]) } });
    expect([m(-10), m(-2), m(-1), m(0), m(1), m(500)]).toEqual([100, 100, 200, 300, 300, 300]);
  });
});
