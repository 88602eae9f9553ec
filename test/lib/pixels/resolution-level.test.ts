import { describe, expect, it } from 'vitest';
import { reductionLevelFor, sizeAtLevel } from '../../../lib/pixels/resolution-level.js';
import { fitSize } from '../../../lib/render/fit-within.js';

describe('sizeAtLevel: ceil(W / 2^r) x ceil(H / 2^r) (ISO 15444-1 B.5, origin 0)', () => {
  it.each([
    [512, 384, 0, 512, 384],
    [512, 384, 3, 64, 48],
    [513, 385, 1, 257, 193],
    [513, 385, 5, 17, 13],
    [1760, 2140, 4, 110, 134],
    [1, 1, 6, 1, 1],
  ])('%i x %i at level %i is %i x %i', (w, h, r, ew, eh) => {
    expect(sizeAtLevel(w, h, r)).toEqual({ width: ew, height: eh });
  });
});

describe('reductionLevelFor: the deepest level still at least the thumbnail in both dimensions', () => {
  const thumb = (w: number, h: number, edge: number) => fitSize(w, h, edge);
  it.each([
    // [width, height, size, max level, expected level, why]
    [512, 384, 64, 5, 3, 'exactly the target (64 x 48) is allowed'],
    [512, 384, 100, 5, 2, '100 x 75: 128 x 96 fits, 64 x 48 would upscale'],
    [512, 384, 64, 1, 1, 'capped by the codestream levels'],
    [512, 384, 64, 0, 0, 'no decomposition: full size'],
    [512, 384, 512, 5, 0, 'the thumbnail is the image: no reduction'],
    [512, 384, 2048, 5, 0, 'a size over the image never upscales'],
    [1760, 2140, 128, 5, 4, 'RG2_J2KR: 105 x 128 from 110 x 134'],
    [1760, 2140, 256, 5, 3, 'RG2_J2KR: 211 x 256 from 220 x 268'],
    [1760, 2140, 16, 5, 5, 'capped at 5 though 55 x 67 could halve again'],
    [513, 385, 64, 5, 3, 'odd sizes: 64 x 48 from 65 x 49'],
    [511, 383, 64, 5, 3, 'odd sizes: target 64 x 48, and ceil makes level 3 exactly 64 x 48'],
    [520, 390, 64, 5, 3, 'target 64 x 48: 65 x 49 at level 3; 33 x 25 at 4 would upscale'],
    [1000, 10, 16, 5, 5, 'target 16 x 1: the short side reaches 1 and stays there'],
    [300, 1, 16, 32, 4, 'a one-row image: height stays 1 at every level; 300 -> 19 at level 4'],
    [1, 1, 16, 32, 0, 'a 1 x 1 image halves to itself'],
  ])('%i x %i, size %i, at most %i levels -> %i (%s)', (w, h, size, max, expected) => {
    const target = thumb(w, h, size);
    const level = reductionLevelFor(w, h, target, max);
    expect(level).toBe(expected);
    // Never below the target, and the next level would be (or is past the cap).
    const at = sizeAtLevel(w, h, level);
    expect(at.width).toBeGreaterThanOrEqual(target.width);
    expect(at.height).toBeGreaterThanOrEqual(target.height);
  });
});
