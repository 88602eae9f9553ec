import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, DEFAULT_MAX_DECODED_BYTES, loadConfig, logLevel } from '../../lib/config.js';
import { DEFAULT_MAX_INFLATED_BYTES } from '../../lib/dicom/parse.js';

const NAMES = ['MAX_DECODED_BYTES', 'MEMO_TTL_SECONDS', 'MAX_UPLOAD_BYTES', 'LOG_LEVEL', 'UPLOAD_URL_TTL_SECONDS', 'RENDER_URL_TTL_SECONDS', 'AUTH', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_JWKS_URL', 'TENANT_CLAIM'] as const;
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

  it('keeps presigned URLs at most 15 minutes', () => {
    process.env.UPLOAD_URL_TTL_SECONDS = '900';
    process.env.RENDER_URL_TTL_SECONDS = '60';
    expect(loadConfig()).toMatchObject({ uploadUrlTtlSeconds: 900, renderUrlTtlSeconds: 60 });
    process.env.UPLOAD_URL_TTL_SECONDS = '901';
    expect(() => loadConfig()).toThrow(/UPLOAD_URL_TTL_SECONDS/);
    process.env.UPLOAD_URL_TTL_SECONDS = '900';
    process.env.RENDER_URL_TTL_SECONDS = '3600';
    expect(() => loadConfig()).toThrow(/RENDER_URL_TTL_SECONDS/);
  });

  it('reads the auth settings: on by default, tenant from sub, issuer and audiences validated', () => {
    for (const n of NAMES) delete process.env[n];
    expect(loadConfig().auth).toEqual({ mode: 'jwt', issuer: undefined, audiences: [], jwksUrl: undefined, tenantClaim: 'sub' });
    process.env.AUTH = 'off';
    expect(loadConfig().auth.mode).toBe('off');
    process.env.AUTH = 'maybe';
    expect(() => loadConfig()).toThrow(/AUTH/);
    process.env.AUTH = 'on';
    process.env.AUTH_ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc';
    process.env.AUTH_AUDIENCE = 'client-a, client-b';
    process.env.TENANT_CLAIM = 'custom:tenant';
    expect(loadConfig().auth).toMatchObject({ mode: 'jwt', audiences: ['client-a', 'client-b'], tenantClaim: 'custom:tenant' });
    process.env.AUTH_ISSUER = 'not a url';
    expect(() => loadConfig()).toThrow(/AUTH_ISSUER/);
  });

  it('falls back to info for an unknown LOG_LEVEL', () => {
    process.env.LOG_LEVEL = 'debug';
    expect(logLevel()).toBe('debug');
    process.env.LOG_LEVEL = 'verbose';
    expect(logLevel()).toBe('info');
  });
});
