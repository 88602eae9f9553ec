/**
 * Tenants and callers as fixed-format pseudonyms.
 *
 * A file belongs to the tenant named by one claim of the caller's token (TENANT_CLAIM: `sub` by
 * default, an organisation claim for a hospital). Object keys never carry that raw value — it
 * may be personal data and may hold `/` or `..` — but a segment derived from it: `t` followed by
 * 32 lowercase hex digits, the first 128 bits of SHA-256 over the issuer and the claim value.
 * 128 bits suffice: for accidental collisions the birthday bound gives ~n²/2¹²⁹, about 10⁻²¹
 * for a billion tenants, and to land in a chosen existing tenant someone would have to get a
 * trusted issuer to sign a claim value found by a ~2¹²⁸ second-preimage search.
 *
 * The hashed input is the JSON array [domain, issuer, value]: injective (no separator a claim
 * could contain makes two inputs collide), and the domain keeps tenant, caller and anonymous
 * hashes apart. The issuer is part of it so the same `sub` from two issuers is two tenants.
 */
import { createHash } from 'node:crypto';
import { DomainError } from '../errors.js';

/**
 * Any claims object: a verified token's (`Claims`) or API Gateway's
 * `requestContext.authorizer.jwt.claims`, where every value arrives as a string.
 */
export type ClaimsLike = Readonly<Record<string, unknown>>;

const SEGMENT = /^t[0-9a-f]{32}$/;

const hash128 = (parts: readonly string[]): string =>
  createHash('sha256').update(JSON.stringify(parts), 'utf8').digest('hex').slice(0, 32);

export interface TenantOptions {
  /** The configured (so verified) issuer whose token the claims come from. */
  issuer: string;
  /** The claim naming the tenant (TENANT_CLAIM). */
  tenantClaim: string;
}

/**
 * The tenant segment of a verified token; Unauthorized when the claim is missing, empty or
 * not a string (the value is compared exactly: no trimming or case folding).
 */
export function tenantOf(claims: ClaimsLike, { issuer, tenantClaim }: TenantOptions): string {
  const value = claims[tenantClaim];
  if (typeof value !== 'string' || value === '') {
    // The claim's name is configuration, not token content, so it may be said.
    throw new DomainError('Unauthorized', `The token has no usable "${tenantClaim}" claim to name its tenant.`);
  }
  return `t${hash128(['tenant', issuer, value])}`;
}

/**
 * The one tenant of AUTH=off. It has the same format as every other tenant, so the storage
 * and parse side need no special case, and it is a published constant an operator can find
 * and delete. It need not look different; what matters is that no token can reach it (its
 * hash input has no issuer, so a collision would take a SHA-256 preimage) and that with
 * AUTH=off nothing but it is reachable: a demo run never exposes real tenants' files.
 */
export const ANONYMOUS_TENANT: string = `t${hash128(['anonymous'])}`;

/**
 * The caller for the audit line: `c` + 32 hex of SHA-256 over issuer, tenant and subject
 * (`sub`, else `client_id` for a machine token). Stable per person, so one caller's requests
 * can be followed, but not the subject itself. It is a pseudonym, not anonymity: anyone who
 * knows issuer, tenant and a candidate subject can recompute it.
 */
export function callerOf(claims: ClaimsLike, issuer: string, tenant: string): string {
  const subject = typeof claims.sub === 'string' ? claims.sub : typeof claims.client_id === 'string' ? claims.client_id : '';
  return `c${hash128(['caller', issuer, tenant, subject])}`;
}

/** Whether a key segment is a tenant segment: the check the parse side applies to keys. */
export const isTenantSegment = (s: unknown): s is string => typeof s === 'string' && SEGMENT.test(s);
