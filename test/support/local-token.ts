/**
 * Tokens of the local server's issuer for tests over real HTTP, as `npm run token` prints them.
 */
import { tenantOf } from '../../lib/auth/tenant.js';
import type { LocalService } from '../../local/server.js';

/** A token of the local issuer for `subject` (its tenant: TENANT_CLAIM, `sub` by default). */
export async function tokenFor(svc: LocalService, subject = 'alice', opts: { tenant?: string; ttlSeconds?: number } = {}): Promise<string> {
  const local = svc.authorizer?.local;
  if (!local) throw new Error('tokenFor: the local server runs without its local issuer');
  return local.issueToken({ subject, ...opts });
}

/** `init` with `authorization: Bearer <token>` unless it names its own. */
export function withToken(token: string, init: RequestInit = {}): RequestInit {
  const headers = new Headers(init.headers);
  if (!headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
  return { ...init, headers };
}

/** The tenant segment of `subject`'s files on this server (TENANT_CLAIM unset: `sub`). */
export function tenantOfSubject(svc: LocalService, subject: string): string {
  const issuer = svc.authorizer?.issuer;
  if (!issuer) throw new Error('tenantOfSubject: the local server runs without an issuer');
  return tenantOf({ sub: subject }, { issuer, tenantClaim: 'sub' });
}
