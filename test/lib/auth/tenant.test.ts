import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DomainError } from '../../../lib/errors.js';
import { ANONYMOUS_TENANT, callerOf, isTenantSegment, tenantOf } from '../../../lib/auth/tenant.js';

const ISSUER = 'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Abc';
const OTHER_ISSUER = 'https://login.example.org';
const FORMAT = /^t[0-9a-f]{32}$/;

const unauthorized = (fn: () => unknown): DomainError => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).code).toBe('Unauthorized');
    return e as DomainError;
  }
  throw new Error('no error thrown');
};

describe('tenantOf', () => {
  it('is t + the first 128 bits of SHA-256 over ["tenant", issuer, value]', () => {
    const expected = 't' + createHash('sha256').update(JSON.stringify(['tenant', ISSUER, 'alice'])).digest('hex').slice(0, 32);
    expect(tenantOf({ sub: 'alice' }, { issuer: ISSUER, tenantClaim: 'sub' })).toBe(expected);
  });

  it('is stable and depends only on issuer and the selected claim', () => {
    const a = tenantOf({ sub: 'alice', 'custom:org': 'st-mary' }, { issuer: ISSUER, tenantClaim: 'custom:org' });
    const b = tenantOf({ sub: 'bob', 'custom:org': 'st-mary', exp: 1 }, { issuer: ISSUER, tenantClaim: 'custom:org' });
    expect(a).toBe(b);
    expect(tenantOf({ sub: 'alice' }, { issuer: ISSUER, tenantClaim: 'sub' })).not.toBe(a);
  });

  it('differs by issuer for the same claim value', () => {
    const claims = { sub: 'alice' };
    expect(tenantOf(claims, { issuer: ISSUER, tenantClaim: 'sub' })).not.toBe(tenantOf(claims, { issuer: OTHER_ISSUER, tenantClaim: 'sub' }));
  });

  it('is case- and space-exact and unambiguous where a naive separator would collide', () => {
    const t = (v: string, issuer = ISSUER) => tenantOf({ sub: v }, { issuer, tenantClaim: 'sub' });
    expect(t('Alice')).not.toBe(t('alice'));
    expect(t('alice ')).not.toBe(t('alice'));
    // issuer + "\n" + value would make these two equal.
    expect(t('b\nc', 'a')).not.toBe(t('c', 'a\nb'));
  });

  it('always has the fixed format and never contains the claim, whatever the claim holds', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200, unit: 'grapheme' }), fc.string({ minLength: 1, maxLength: 80 }), (value, issuer) => {
        const t = tenantOf({ org: value }, { issuer, tenantClaim: 'org' });
        expect(t).toMatch(FORMAT);
        expect(isTenantSegment(t)).toBe(true);
        if (value.length > 3) expect(t).not.toContain(value);
      }),
      { numRuns: 200 },
    );
    for (const hostile of ['../../etc/passwd', 'a/b', '%2e%2e', 'tenant\u0000', '😀', 'x'.repeat(10_000)]) {
      expect(tenantOf({ org: hostile }, { issuer: ISSUER, tenantClaim: 'org' })).toMatch(FORMAT);
    }
  });

  it('refuses a missing, empty or non-string claim with Unauthorized naming the claim, not the token', () => {
    for (const value of [undefined, '', 42, true, null, ['st-mary'], { id: 'st-mary' }]) {
      const e = unauthorized(() => tenantOf({ sub: 'alice', org: value }, { issuer: ISSUER, tenantClaim: 'org' }));
      expect(e.message).toContain('"org"');
      expect(e.message).not.toContain('alice');
      expect(e.message).not.toContain('st-mary');
    }
  });
});

describe('ANONYMOUS_TENANT', () => {
  it('has the tenant format and is the hash of ["anonymous"]', () => {
    expect(ANONYMOUS_TENANT).toMatch(FORMAT);
    expect(ANONYMOUS_TENANT).toBe('t' + createHash('sha256').update('["anonymous"]').digest('hex').slice(0, 32));
  });

  it('is not what a token saying "anonymous" gets', () => {
    for (const claim of ['anonymous', '', 'ANONYMOUS']) {
      if (claim) expect(tenantOf({ sub: claim }, { issuer: ISSUER, tenantClaim: 'sub' })).not.toBe(ANONYMOUS_TENANT);
    }
    expect(tenantOf({ sub: 'anonymous' }, { issuer: 'anonymous', tenantClaim: 'sub' })).not.toBe(ANONYMOUS_TENANT);
  });
});

describe('callerOf', () => {
  const tenant = tenantOf({ sub: 'alice' }, { issuer: ISSUER, tenantClaim: 'sub' });

  it('is c + 32 hex, stable, and without the subject', () => {
    const c = callerOf({ sub: 'alice@example.org' }, ISSUER, tenant);
    expect(c).toMatch(/^c[0-9a-f]{32}$/);
    expect(callerOf({ sub: 'alice@example.org', exp: 5 }, ISSUER, tenant)).toBe(c);
    expect(c).not.toContain('alice');
    expect(isTenantSegment(c)).toBe(false);
  });

  it('differs by subject, issuer and tenant, and is not the tenant for sub-as-tenant', () => {
    const c = callerOf({ sub: 'alice' }, ISSUER, tenant);
    expect(callerOf({ sub: 'bob' }, ISSUER, tenant)).not.toBe(c);
    expect(callerOf({ sub: 'alice' }, OTHER_ISSUER, tenant)).not.toBe(c);
    expect(callerOf({ sub: 'alice' }, ISSUER, ANONYMOUS_TENANT)).not.toBe(c);
    expect(c.slice(1)).not.toBe(tenant.slice(1));
  });

  it('uses client_id for a machine token without sub', () => {
    expect(callerOf({ client_id: 'svc-1' }, ISSUER, tenant)).not.toBe(callerOf({ client_id: 'svc-2' }, ISSUER, tenant));
    expect(callerOf({}, ISSUER, ANONYMOUS_TENANT)).toMatch(/^c[0-9a-f]{32}$/);
  });
});

describe('isTenantSegment', () => {
  it('accepts exactly t + 32 lowercase hex', () => {
    expect(isTenantSegment('t' + '0'.repeat(32))).toBe(true);
    expect(isTenantSegment(ANONYMOUS_TENANT)).toBe(true);
    for (const bad of ['', 't', 't' + '0'.repeat(31), 't' + '0'.repeat(33), 'T' + '0'.repeat(32), 't' + 'A'.repeat(32), 'u' + '0'.repeat(32), `t${'0'.repeat(32)}\n`, '../' + '0'.repeat(30), 42, undefined, null]) {
      expect(isTenantSegment(bad), String(bad)).toBe(false);
    }
  });
});

describe('tenantOf on API Gateway claims', () => {
  it('takes requestContext.authorizer.jwt.claims as API Gateway passes them (values as strings)', () => {
    const fromEvent: Record<string, string | number | boolean | string[]> = { sub: 'alice', iss: ISSUER, exp: '1700000000', 'custom:org': 'st-mary' };
    expect(tenantOf(fromEvent, { issuer: ISSUER, tenantClaim: 'custom:org' })).toBe(tenantOf({ 'custom:org': 'st-mary' }, { issuer: ISSUER, tenantClaim: 'custom:org' }));
    expect(callerOf(fromEvent, ISSUER, ANONYMOUS_TENANT)).toBe(callerOf({ sub: 'alice' }, ISSUER, ANONYMOUS_TENANT));
  });
});
