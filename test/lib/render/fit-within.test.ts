import { describe, expect, it } from 'vitest';
import { fitWithin } from '../../../lib/render/fit-within.js';

describe('fitWithin (thumbnails by area averaging)', () => {
  it('keeps an image already within the edge as it is', () => {
    const img = { data: Uint8Array.from([1, 2, 3, 4]), channels: 1 as const, width: 2, height: 2 };
    expect(fitWithin(img, 2)).toBe(img);
  });

  it('averages each 2x2 block when halving, per channel', () => {
    // 4 x 2 grey: blocks [10 20 / 30 40] and [0 0 / 0 255]
    const grey = { data: Uint8Array.from([10, 20, 0, 0, 30, 40, 0, 255]), channels: 1 as const, width: 4, height: 2 };
    expect(fitWithin(grey, 2)).toEqual({ data: Uint8Array.from([25, 64]), channels: 1, width: 2, height: 1 });
    const rgb = { data: Uint8Array.from([255, 0, 0, 0, 0, 255, 255, 0, 0, 0, 0, 255]), channels: 3 as const, width: 2, height: 2 };
    expect(fitWithin(rgb, 1)).toEqual({ data: Uint8Array.from([128, 0, 128]), channels: 3, width: 1, height: 1 });
  });

  it('keeps the aspect ratio and the sample type, and weights partial coverage', () => {
    const data = new Uint16Array(300 * 100).fill(65535);
    const out = fitWithin({ data, channels: 1, width: 300, height: 100 }, 256);
    expect([out.width, out.height]).toEqual([256, 85]);
    expect(out.data).toBeInstanceOf(Uint16Array);
    // A constant image stays constant however the fractional weights fall.
    expect(new Set(out.data)).toEqual(new Set([65535]));
  });
});

describe('fitWithin of a reduced-resolution (LL band) image', () => {
  it('gives the size the full image would shrink to, and averages the same area: exact on a ramp away from the border', () => {
    // Full image: 512 x 4, value 100 * column. Its level-3 LL band samples the ramp at columns 8k
    // (the low-pass is centred on even samples): 64 x 1 values 800 k.
    const full = { data: new Uint16Array(512 * 4).map((_, i) => 100 * (i % 512)), channels: 1 as const, width: 512, height: 4 };
    const ll = { data: new Uint16Array(64).map((_, k) => 800 * k), channels: 1 as const, width: 64, height: 1 };
    const direct = fitWithin(full, 64);
    const reduced = fitWithin(ll, 64, { width: 512, height: 4, level: 3 });
    expect([reduced.width, reduced.height]).toEqual([direct.width, direct.height]);
    expect([direct.width, direct.height]).toEqual([64, 1]);
    for (let o = 0; o < 63; o++) expect(reduced.data[o]).toBe(direct.data[o]); // 800 o + 350
    // The last pixel's area runs past the last LL sample: it is that sample alone.
    expect(reduced.data[63]).toBe(800 * 63);
  });

  it('without a reduction it is the plain area average (unchanged)', () => {
    const img = { data: Uint8Array.from([0, 100, 200, 255]), channels: 1 as const, width: 4, height: 1 };
    expect(fitWithin(img, 4)).toBe(img);
    expect(Array.from(fitWithin(img, 2).data)).toEqual([50, 228]);
  });
});
