/**
 * The key set of an external issuer, fetched from its JWKS URL and cached (jose's remote set).
 * The URL is its own setting: an OIDC issuer and Cognito serve `<issuer>/.well-known/jwks.json`
 * (`jwksUrlOf`), but a stand-in such as moto serves a real issuer's keys from elsewhere.
 */
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';

export interface RemoteJwksOptions {
  /** Abort a key fetch after this long (default 2 s: it runs inside a request). */
  timeoutMs?: number;
  /** An unknown `kid` refetches the set at most this often (default 30 s), so forged kids cannot make us hammer the issuer. */
  cooldownMs?: number;
  /** Refetch a set older than this (default 10 min), which picks up key rotation. */
  cacheMaxAgeMs?: number;
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** A JWKS is trusted for signatures, so it comes over https; plain http only on loopback (local stand-ins). */
export function remoteJwks(jwksUrl: string, options: RemoteJwksOptions = {}): JWTVerifyGetKey {
  const url = new URL(jwksUrl);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new TypeError('remoteJwks: the JWKS URL must be https (http only on loopback)');
  }
  return createRemoteJWKSet(url, {
    timeoutDuration: options.timeoutMs ?? 2_000,
    cooldownDuration: options.cooldownMs ?? 30_000,
    cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
  });
}

/** Where an OIDC issuer (and Cognito) publishes its keys. */
export const jwksUrlOf = (issuer: string): string => `${issuer.replace(/\/+$/, '')}/.well-known/jwks.json`;
