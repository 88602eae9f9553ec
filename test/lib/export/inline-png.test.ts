import { describe, expect, it } from 'vitest';
import { INLINE_PNG_MAX_BYTES, acceptsPngInline, inlinePngHeaders } from '../../../lib/export/inline-png.js';

describe('acceptsPngInline (RFC 9110 12.5.1)', () => {
  it('is true for image/png itself with a weight above 0', () => {
    for (const accept of ['image/png', 'Image/PNG', ' image/png ', 'image/png;q=1', 'image/png; q=0.001', 'text/html, image/png;q=0.5', 'image/png;q=1.000']) {
      expect(acceptsPngInline(accept), accept).toBe(true);
    }
  });

  it('is false for wildcards, other types, q=0 and malformed weights', () => {
    for (const accept of [undefined, '', '*/*', 'image/*', 'image/pngx', 'application/json', 'image/png;q=0', 'image/png;q=0.000', 'image/png;q=2', 'image/png;q=abc', 'image/png;q=0.0001']) {
      expect(acceptsPngInline(accept), String(accept)).toBe(false);
    }
  });
});

describe('inline PNG limits and headers', () => {
  it('keeps the base64 body under the 6 MB Lambda response limit', () => {
    expect(Math.ceil(INLINE_PNG_MAX_BYTES / 3) * 4).toBeLessThan(6 * 1024 * 1024 - 512 * 1024);
  });

  it('marks the answer private and varying by Accept', () => {
    expect(inlinePngHeaders(300, false)).toMatchObject({ 'content-type': 'image/png', 'cache-control': 'private, max-age=300', vary: 'accept' });
  });
});
