import { describe, expect, it } from 'vitest';
import { invert, isGreyscale, presentationRange } from '../../../lib/render/presentation.js';
import { linearWindow } from '../../../lib/render/voi-lut.js';

describe('presentation (PS3.3 C.7.6.3.1.2, PS3.4 N.2.1)', () => {
  it('MONOCHROME2 is identity, MONOCHROME1 inverts', () => {
    expect(presentationRange('MONOCHROME2', 255)).toEqual({ yMin: 0, yMax: 255 });
    expect(presentationRange('MONOCHROME1', 255)).toEqual({ yMin: 255, yMax: 0 });
    expect(presentationRange('MONOCHROME1', 65535)).toEqual({ yMin: 65535, yMax: 0 });
  });

  it('inverting the output range equals inverting after VOI', () => {
    const { yMin, yMax } = presentationRange('MONOCHROME1', 255);
    const inverted = linearWindow(100, 50, yMin, yMax);
    const plain = linearWindow(100, 50, 0, 255);
    for (const x of [0, 76, 90, 100, 110, 124.5, 200]) expect(inverted(x)).toBeCloseTo(invert(plain(x), 255), 9);
  });

  it('refuses non-greyscale photometric interpretations', () => {
    expect(isGreyscale('MONOCHROME1')).toBe(true);
    expect(isGreyscale('RGB')).toBe(false);
    expect(() => presentationRange('PALETTE COLOR', 255)).toThrow(/PALETTE COLOR/);
  });
});
