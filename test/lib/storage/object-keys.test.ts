import { describe, expect, it } from 'vitest';
import { ANONYMOUS_TENANT, tenantOf } from '../../../lib/auth/tenant.js';
import {
  KEY_PATTERNS,
  contentFrameKey,
  contentRenderKey,
  contentRenderPrefix,
  hashRefKey,
  hashRefPrefix,
  isContentRenderKey,
  matchesUploadNotificationFilter,
  parseUploadKey,
  quarantineKey,
  renderKey,
  renderPrefix,
  requestKey,
  summaryKey,
  tombstoneKey,
  uploadKey,
} from '../../../lib/storage/object-keys.js';

const A = tenantOf({ sub: 'alice' }, { issuer: 'https://issuer.test', tenantClaim: 'sub' });
const B = tenantOf({ sub: 'bob' }, { issuer: 'https://issuer.test', tenantClaim: 'sub' });
const ID = '6f1c4a52-3b8e-4d5f-9a7b-2c1d0e9f8a7b';
const HASH = 'ab'.repeat(32);

/** `*` of an IAM pattern as a regular expression. */
const matches = (pattern: string, key: string) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.?+^$()[\]{}|\\/]/g, '\\$&')).join('.*')}$`).test(key);

describe('the decoded frame key', () => {
  it('lies under the content prefix (removed with the renders, the renders grant), per tenant, frame numbered from 1', () => {
    expect(contentFrameKey(A, HASH, 0)).toBe(`renders/${A}/sha256/${HASH}/decoded/f1.bin`);
    expect(contentFrameKey(A, HASH, 0).startsWith(contentRenderPrefix(A, HASH))).toBe(true);
    expect(contentFrameKey(B, HASH, 0).startsWith(contentRenderPrefix(A, HASH))).toBe(false);
    expect(matches(KEY_PATTERNS.renders, contentFrameKey(A, HASH, 4))).toBe(true);
    expect(matchesUploadNotificationFilter(contentFrameKey(A, HASH, 0))).toBe(false);
    for (const bad of [-1, 1.5, Number.NaN]) expect(() => contentFrameKey(A, HASH, bad)).toThrow(TypeError);
    expect(() => contentFrameKey('alice', HASH, 0)).toThrow(TypeError);
    expect(() => contentFrameKey(A, 'nothex', 0)).toThrow(TypeError);
  });
});

describe('object keys with tenants', () => {
  it('puts the tenant segment after the kind, before the id or hash', () => {
    const ref = { tenant: A, id: ID };
    expect(uploadKey(ref)).toBe(`uploads/${A}/${ID}.dcm`);
    expect(requestKey(ref)).toBe(`uploads/${A}/${ID}.json`);
    expect(summaryKey(ref)).toBe(`uploads/${A}/${ID}.summary.json`);
    expect(quarantineKey(ref)).toBe(`quarantine/${A}/${ID}.dcm`);
    expect(renderKey(ref, 'v2-f1-b8-wfile')).toBe(`renders/${A}/${ID}/v2-f1-b8-wfile.png`);
    expect(contentRenderKey(A, HASH, 'v2-f1-b8-wfile')).toBe(`renders/${A}/sha256/${HASH}/v2-f1-b8-wfile.png`);
  });

  it('gives two tenants different keys for the same id and the same content', () => {
    expect(uploadKey({ tenant: A, id: ID })).not.toBe(uploadKey({ tenant: B, id: ID }));
    expect(contentRenderKey(A, HASH, 'v')).not.toBe(contentRenderKey(B, HASH, 'v'));
    expect(uploadKey({ tenant: ANONYMOUS_TENANT, id: ID })).toBe(`uploads/${ANONYMOUS_TENANT}/${ID}.dcm`);
  });

  it.each(['alice', '', '../t0', `${A}/..`, A.toUpperCase(), `t${'0'.repeat(31)}`])('refuses %j as a tenant segment: never a raw claim in a key', (tenant) => {
    expect(() => uploadKey({ tenant, id: ID })).toThrow(TypeError);
    expect(() => contentRenderKey(tenant, HASH, 'v')).toThrow(TypeError);
  });

  it('refuses ids and hashes that are not server-made', () => {
    expect(() => uploadKey({ tenant: A, id: '../x' })).toThrow(TypeError);
    expect(() => contentRenderKey(A, 'not-a-hash', 'v')).toThrow(TypeError);
  });

  it('parses upload keys into tenant and id, and nothing else', () => {
    expect(parseUploadKey(`uploads/${A}/${ID}.dcm`)).toEqual({ tenant: A, id: ID });
    for (const other of [
      `uploads/${ID}.dcm`,
      `uploads/alice/${ID}.dcm`,
      `uploads/${A}/${ID}.summary.json`,
      `uploads/${A}/${ID}.json`,
      `quarantine/${A}/${ID}.dcm`,
      `uploads/${A}/x/${ID}.dcm`,
    ]) {
      expect(parseUploadKey(other), other).toBeUndefined();
    }
  });

  it('keeps the notification filter, content-render test and IAM patterns matching tenant keys', () => {
    expect(matchesUploadNotificationFilter(uploadKey({ tenant: A, id: ID }))).toBe(true);
    expect(matchesUploadNotificationFilter(summaryKey({ tenant: A, id: ID }))).toBe(false);
    expect(isContentRenderKey(contentRenderKey(A, HASH, 'v'))).toBe(true);
    expect(isContentRenderKey(renderKey({ tenant: A, id: ID }, 'v'))).toBe(false);
    expect(matches(KEY_PATTERNS.uploads, uploadKey({ tenant: A, id: ID }))).toBe(true);
    expect(matches(KEY_PATTERNS.summaries, summaryKey({ tenant: A, id: ID }))).toBe(true);
    expect(matches(KEY_PATTERNS.requests, requestKey({ tenant: A, id: ID }))).toBe(true);
    expect(matches(KEY_PATTERNS.renders, contentRenderKey(A, HASH, 'v'))).toBe(true);
    expect(matches(KEY_PATTERNS.quarantine, quarantineKey({ tenant: A, id: ID }))).toBe(true);
  });

  it('builds the keys of a delete: tombstone, per-file render prefix, content references; none raises an S3 event', () => {
    const ref = { tenant: A, id: ID };
    expect(tombstoneKey(ref)).toBe(`uploads/${A}/${ID}.deleted`);
    expect(renderPrefix(ref)).toBe(`renders/${A}/${ID}/`);
    expect(renderKey(ref, 'v').startsWith(renderPrefix(ref))).toBe(true);
    expect(contentRenderPrefix(A, HASH)).toBe(`renders/${A}/sha256/${HASH}/`);
    expect(contentRenderKey(A, HASH, 'v').startsWith(contentRenderPrefix(A, HASH))).toBe(true);
    expect(hashRefKey(ref, HASH)).toBe(`uploads/${A}/by-hash/${HASH}/${ID}`);
    expect(hashRefKey(ref, HASH).startsWith(hashRefPrefix(A, HASH))).toBe(true);
    // Two tenants' references to the same bytes never share a prefix.
    expect(hashRefKey({ tenant: B, id: ID }, HASH).startsWith(hashRefPrefix(A, HASH))).toBe(false);
    for (const k of [tombstoneKey(ref), hashRefKey(ref, HASH)]) expect(matchesUploadNotificationFilter(k), k).toBe(false);
    expect(matches(KEY_PATTERNS.tombstones, tombstoneKey(ref))).toBe(true);
    expect(matches(KEY_PATTERNS.hashRefs, hashRefKey(ref, HASH))).toBe(true);
    expect(matches(KEY_PATTERNS.hashRefs, hashRefPrefix(A, HASH))).toBe(true);
    expect(() => hashRefKey({ tenant: A, id: '../x' }, HASH)).toThrow(TypeError);
    expect(() => hashRefPrefix(A, 'nothex')).toThrow(TypeError);
    expect(() => renderPrefix({ tenant: 'alice', id: ID })).toThrow(TypeError);
  });
});
