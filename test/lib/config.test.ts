import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, DEFAULT_MAX_DECODED_BYTES, loadConfig, logLevel } from '../../lib/config.js';
import { DEFAULT_MAX_INFLATED_BYTES } from '../../lib/dicom/parse.js';

const NAMES = ['MAX_DECODED_BYTES', 'MEMO_TTL_SECONDS', 'MAX_UPLOAD_BYTES', 'LOG_LEVEL'] as const;
const saved = Object.fromEntries(NAMES.map((n) => [n, process.env[n]]));

afterEach(() => {
  for (const n of NAMES) {
    if (saved[n] === undefined) delete process.env[n];
    else process.env[n] = saved[n];
  }
});

describe('loadConfig', () => {
  it('defaults to the one copy of the limits', () => {
    for (const n of NAMES) delete process.env[n];
    expect(loadConfig()).toMatchObject({ ...DEFAULT_LIMITS, memoTtlSeconds: 60 });
    // The parser's inflation bound is the same default, not a second copy of the number.
    expect(DEFAULT_MAX_INFLATED_BYTES).toBe(DEFAULT_MAX_DECODED_BYTES);
  });

  it('reads MAX_DECODED_BYTES and MEMO_TTL_SECONDS, and refuses values out of range', () => {
    process.env.MAX_DECODED_BYTES = '4096';
    process.env.MEMO_TTL_SECONDS = '0';
    expect(loadConfig()).toMatchObject({ maxDecodedBytes: 4096, memoTtlSeconds: 0 });
    process.env.MAX_DECODED_BYTES = '23';
    expect(() => loadConfig()).toThrow(/MAX_DECODED_BYTES/);
    process.env.MAX_DECODED_BYTES = '1e9x';
    expect(() => loadConfig()).toThrow(/MAX_DECODED_BYTES/);
  });

  it('falls back to info for an unknown LOG_LEVEL', () => {
    process.env.LOG_LEVEL = 'debug';
    expect(logLevel()).toBe('debug');
    process.env.LOG_LEVEL = 'verbose';
    expect(logLevel()).toBe('info');
  });
});
