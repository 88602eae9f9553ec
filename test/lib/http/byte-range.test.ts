import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../lib/errors.js';
import { clampRange, parseRangeHeader } from '../../../lib/http/byte-range.js';

const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return e instanceof DomainError ? e.code : 'not a DomainError';
  }
  return undefined;
};

describe('parseRangeHeader', () => {
  it('reads one bytes range, closed or open', () => {
    expect(parseRangeHeader(undefined)).toBeUndefined();
    expect(parseRangeHeader('bytes=0-7')).toEqual({ start: 0, end: 7 });
    expect(parseRangeHeader(' bytes=256- ')).toEqual({ start: 256 });
  });

  it('refuses anything else with InvalidParameter, before any read', () => {
    for (const h of ['bytes=9-x', 'bytes=0-1,4-5', 'items=0-1', 'bytes=-5', 'bytes=9-3', '']) {
      expect(code(() => parseRangeHeader(h)), h).toBe('InvalidParameter');
    }
  });
});

describe('clampRange', () => {
  it('clamps the end to the value and refuses a start past it', () => {
    expect(clampRange({ start: 2 }, 10)).toEqual({ start: 2, end: 9 });
    expect(clampRange({ start: 2, end: 100 }, 10)).toEqual({ start: 2, end: 9 });
    expect(code(() => clampRange({ start: 10 }, 10))).toBe('InvalidParameter');
    expect(code(() => clampRange({ start: 0 }, 0))).toBe('InvalidParameter');
  });
});
