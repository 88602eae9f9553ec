import { afterEach, describe, expect, it } from 'vitest';
import { CODEC_NAMES, DEFAULT_FEATURES, DEFAULT_LIMITS, DEFAULT_MAX_DECODED_BYTES, config, loadConfig, logLevel, resetConfig } from '../../lib/config.js';
import { DEFAULT_MAX_INFLATED_BYTES } from '../../lib/dicom/parse.js';

const NAMES = ['MAX_DECODED_BYTES', 'MEMO_TTL_SECONDS', 'MAX_UPLOAD_BYTES', 'LOG_LEVEL', 'UPLOAD_URL_TTL_SECONDS', 'RENDER_URL_TTL_SECONDS', 'AUTH', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_JWKS_URL', 'TENANT_CLAIM', 'CODECS', 'BIT_DEPTH_16', 'THUMBNAILS', 'PRE_RENDER', 'SECRET_PARAMETER_NAMES', 'BUCKET_NAME', 'PORT'] as const;
const saved = Object.fromEntries(NAMES.map((n) => [n, process.env[n]]));

afterEach(() => {
  resetConfig();
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

  it('reads the feature flags: every codec and feature on by default, each one off by name', () => {
    for (const n of NAMES) delete process.env[n];
    expect(loadConfig().features).toEqual(DEFAULT_FEATURES);
    expect(DEFAULT_FEATURES.codecs).toEqual(CODEC_NAMES);
    process.env.CODECS = 'jpeg, rle';
    process.env.BIT_DEPTH_16 = 'off';
    process.env.THUMBNAILS = 'off';
    process.env.PRE_RENDER = 'off';
    expect(loadConfig().features).toEqual({ codecs: ['jpeg', 'rle'], bitDepth16: false, thumbnails: false, preRender: false });
    process.env.CODECS = 'none';
    process.env.BIT_DEPTH_16 = 'on';
    expect(loadConfig().features).toMatchObject({ codecs: [], bitDepth16: true });
    process.env.CODECS = 'jpeg,jpeg-xl';
    expect(() => loadConfig()).toThrow(/CODECS must list codecs among rle, jpeg, jpegLs, jpeg2000, htj2k/);
    process.env.CODECS = '';
    process.env.THUMBNAILS = 'yes';
    expect(() => loadConfig()).toThrow(/THUMBNAILS must be "on" or "off"/);
  });

  it('names every bad setting in one message, never its value', () => {
    process.env.MAX_DECODED_BYTES = 'x-secret-1';
    process.env.AUTH_ISSUER = 'x-secret-2';
    process.env.AUTH_AUDIENCE = 'x-secret-3'.repeat(30);
    let message = '';
    try {
      loadConfig();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/MAX_DECODED_BYTES must be an integer/);
    expect(message).toMatch(/AUTH_ISSUER must be an absolute http\(s\) URL/);
    expect(message).toMatch(/AUTH_AUDIENCE must be audiences of at most 256 characters/);
    expect(message).not.toContain('x-secret');
  });

  it('validates once per container: config() keeps its object until resetConfig', () => {
    for (const n of NAMES) delete process.env[n];
    const first = config();
    process.env.PORT = '0';
    expect(config()).toBe(first);
    resetConfig();
    expect(() => config()).toThrow(/PORT must be an integer in \[1, 65535\]/);
  });

  it('accepts SECRET_PARAMETER_NAMES only for settings marked secret, and not beside the same variable', () => {
    for (const n of NAMES) delete process.env[n];
    process.env.SECRET_PARAMETER_NAMES = '/dicom/prod/BUCKET_NAME';
    expect(() => loadConfig()).toThrow(/SECRET_PARAMETER_NAMES: the last segment of each name must be one of AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL/);
    process.env.SECRET_PARAMETER_NAMES = '/dicom/prod/AUTH_AUDIENCE';
    expect(loadConfig({ AUTH_AUDIENCE: 'a,b' }).auth.audiences).toEqual(['a', 'b']);
    process.env.AUTH_AUDIENCE = 'c';
    expect(() => loadConfig({ AUTH_AUDIENCE: 'a,b' })).toThrow(/AUTH_AUDIENCE is set in the environment and also read from SSM/);
    // config() without initConfig having read them: a clear refusal, not a configuration without them.
    resetConfig();
    expect(() => config()).toThrow(/initConfig\(\) must read them at cold start/);
  });
});
