import { describe, expect, it } from 'vitest';
import {
  chooseWindow,
  linearExactWindow,
  linearWindow,
  minMaxWindow,
  sigmoidWindow,
  voiTransform,
  windowFunctionOf,
} from '../../../lib/render/voi-lut.js';
import { DomainError } from '../../../lib/errors.js';

describe('VOI LUT functions (PS3.3 C.11.2)', () => {
  it('LINEAR (C.11.2.1.2.1): borders at c - 0.5 -/+ (w-1)/2, ramp in between', () => {
    // c = 40, w = 400: left border 40 - 0.5 - 199.5 = -160, right border 39.5 + 199.5 = 239.
    const f = linearWindow(40, 400, 0, 255);
    expect(f(-1000)).toBe(0);
    expect(f(-160)).toBe(0); // x <= left -> ymin
    expect(f(-159)).toBeCloseTo(((-159 - 39.5) / 399 + 0.5) * 255, 10); // 0.639...
    expect(f(40)).toBeCloseTo((0.5 / 399 + 0.5) * 255, 10); // 127.8195...
    expect(f(239)).toBeCloseTo(255, 10); // x = right border is still on the ramp, at its top
    expect(f(239.0001)).toBe(255);
    expect(f(5000)).toBe(255);
  });

  it('LINEAR with the window 2^n-1 / 2^n selects 0 .. 2^n-1 exactly (C.11.2.1.2.1 note)', () => {
    const f = linearWindow(128, 256, 0, 255);
    for (const x of [0, 1, 64, 127, 200, 255]) expect(f(x)).toBeCloseTo(x, 9);
  });

  it('LINEAR with width 1 is a step at c - 0.5', () => {
    const f = linearWindow(10, 1, 0, 255);
    expect([f(9), f(9.5), f(9.6), f(10)]).toEqual([0, 0, 255, 255]);
  });

  it('LINEAR inverted range (yMin > yMax) is 255 minus the ramp', () => {
    const up = linearWindow(40, 400, 0, 255);
    const down = linearWindow(40, 400, 255, 0);
    for (const x of [-200, -100, 0, 40, 100, 300]) expect(down(x)).toBeCloseTo(255 - up(x), 9);
  });

  it('LINEAR_EXACT (C.11.2.1.3.2): borders at c -/+ w/2', () => {
    const f = linearExactWindow(0, 100, 0, 255);
    expect(f(-50)).toBe(0);
    expect(f(-49)).toBeCloseTo(2.55, 10);
    expect(f(0)).toBe(127.5);
    expect(f(25)).toBe(191.25);
    expect(f(50)).toBe(255);
    expect(f(51)).toBe(255);
  });

  it('SIGMOID (C.11.2.1.3.1): (ymax - ymin) / (1 + exp(-4 (x - c) / w)) + ymin', () => {
    const f = sigmoidWindow(100, 200, 0, 255);
    expect(f(100)).toBe(127.5);
    expect(f(150)).toBeCloseTo(255 / (1 + Math.exp(-1)), 10); // 186.39...
    expect(f(50)).toBeCloseTo(255 / (1 + Math.exp(1)), 10);
    expect(voiTransform({ center: 100, width: 200, fn: 'sigmoid' }, 0, 255)(150)).toBe(f(150));
  });

  it('min-max window puts min on the bottom border and max on the top', () => {
    const w = minMaxWindow(-2000, 2402);
    expect(w).toEqual({ center: 201.5, width: 4403, fn: 'linear' });
    const f = voiTransform(w, 0, 255);
    expect(f(-2000)).toBe(0);
    expect(f(-1999)).toBeGreaterThan(0);
    expect(f(2402)).toBeCloseTo(255, 9);
  });

  it('maps the VOI LUT Function defined terms', () => {
    expect(windowFunctionOf('LINEAR')).toBe('linear');
    expect(windowFunctionOf('LINEAR_EXACT')).toBe('linear-exact');
    expect(windowFunctionOf('SIGMOID')).toBe('sigmoid');
  });
});

describe('chooseWindow', () => {
  const range = () => ({ min: 10, max: 20 });
  const noRange = () => {
    throw new Error('min-max must not be computed');
  };

  it('prefers the requested window', () => {
    const req = { center: 1, width: 2, fn: 'linear-exact' as const };
    expect(chooseWindow({ windows: [{ center: 40, width: 400 }], voiLutFunction: 'LINEAR' }, req, noRange)).toBe(req);
  });

  it('uses the first file window with the file VOI LUT Function', () => {
    expect(
      chooseWindow({ windows: [{ center: 40, width: 400 }, { center: 0, width: 10 }], voiLutFunction: 'SIGMOID' }, undefined, noRange),
    ).toEqual({ center: 40, width: 400, fn: 'sigmoid' });
  });

  it('falls back to min-max without a window, or when the file window is invalid', () => {
    expect(chooseWindow({ windows: [], voiLutFunction: 'LINEAR' }, undefined, range)).toEqual({ center: 15.5, width: 11, fn: 'linear' });
    expect(chooseWindow({ windows: [{ center: 40, width: 0 }], voiLutFunction: 'LINEAR' }, undefined, range)).toEqual({ center: 15.5, width: 11, fn: 'linear' });
  });

  it('rejects a requested window with an invalid width as InvalidParameter', () => {
    for (const req of [
      { center: 0, width: 0.5, fn: 'linear' as const },
      { center: 0, width: 0, fn: 'sigmoid' as const },
      { center: 0, width: -1, fn: 'linear-exact' as const },
      { center: Number.NaN, width: 10, fn: 'linear' as const },
    ]) {
      try {
        chooseWindow({ windows: [], voiLutFunction: 'LINEAR' }, req, range);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(DomainError);
        expect((e as DomainError).code).toBe('InvalidParameter');
      }
    }
    // LINEAR_EXACT allows 0 < w < 1.
    expect(chooseWindow({ windows: [], voiLutFunction: 'LINEAR' }, { center: 0, width: 0.5, fn: 'linear-exact' }, range).width).toBe(0.5);
  });
});
