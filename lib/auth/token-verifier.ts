/**
 * Verifies a bearer token the way API Gateway's HTTP API JWT authorizer does (AWS API Gateway
 * developer guide, "Control access to HTTP APIs with JWT authorizers"):
 *  - the identity source holds the token alone or prefixed with `Bearer`;
 *  - the header names a key (`kid`) of the issuer's JWKS and an asymmetric algorithm, and the
 *    signature verifies with that key (a shared-secret `HS*` or `none` token is never accepted,
 *    so a token "signed" with the public key cannot pass);
 *  - `iss` equals the configured issuer;
 *  - `aud` is one of the configured audiences, or — only when `aud` is absent, as in Cognito
 *    access tokens — `client_id` is;
 *  - `exp` is after now, `nbf` and `iat` before now, each allowing a small clock skew.
 * Every failure is DomainError('Unauthorized') whose message names the check that failed and
 * never echoes the token or any of its claims.
 */
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { DomainError } from '../errors.js';
import { log } from '../log.js';

/** The verified token's claims. */
export type Claims = Readonly<JWTPayload>;

export interface TokenVerifierOptions {
  /** The one trusted issuer; a token's `iss` must equal it exactly. */
  issuer: string;
  /** Accepted `aud` values (or `client_id` values when a token has no `aud`); at least one. */
  audiences: readonly string[];
  /** The issuer's public keys: `remoteJwks(url)` or jose's `createLocalJWKSet(doc)`. */
  jwks: JWTVerifyGetKey;
  /** Tolerated clock difference for exp / nbf / iat (default 60 s). */
  clockSkewSeconds?: number;
  /** Allowed signature algorithms, a subset of the asymmetric ones (default: all of them). */
  algorithms?: readonly string[];
  /** The clock, for tests. */
  now?: () => Date;
}

export interface TokenVerifier {
  /** The claims of a valid token from an `Authorization` header value; else throws Unauthorized. */
  verify(authorization: string | undefined): Promise<Claims>;
}

const ASYMMETRIC_ALGORITHMS: readonly string[] = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA',
];

/** Far above any real token (Cognito's are ~1-2 KB); API Gateway limits a header to 10 KB. */
const MAX_TOKEN_LENGTH = 8192;

/** JWS compact serialisation: three base64url parts; the signature may be empty (`alg: none`, refused later with its own reason). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

const unauthorized = (reason: string): DomainError => new DomainError('Unauthorized', reason);

function tokenFrom(authorization: string | undefined): string {
  const value = authorization?.trim() ?? '';
  if (value === '') throw unauthorized('The request has no bearer token.');
  // The auth scheme is case-insensitive (RFC 9110 11.1); API Gateway also takes the bare token.
  const token = value.replace(/^bearer[ \t]+/i, '');
  if (token.length > MAX_TOKEN_LENGTH) throw unauthorized('The token is too large.');
  if (!COMPACT_JWS.test(token)) throw unauthorized('The token is malformed.');
  return token;
}

function audienceMatches(claims: JWTPayload, audiences: ReadonlySet<string>): boolean {
  // API Gateway evaluates aud when present, and client_id only when aud is absent.
  if (claims.aud !== undefined) {
    const auds = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    return auds.some((a) => typeof a === 'string' && audiences.has(a));
  }
  return typeof claims.client_id === 'string' && audiences.has(claims.client_id);
}

/** Turns what jose threw into a reason; key-fetch failures are logged (they are ours, not the caller's). */
function reasonOf(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  switch (code) {
    case errors.JOSEAlgNotAllowed.code:
      return 'The token algorithm is not allowed.';
    case errors.JWSInvalid.code:
    case errors.JWTInvalid.code:
    case errors.JOSENotSupported.code:
      return 'The token is malformed.';
    case errors.JWSSignatureVerificationFailed.code:
      return 'The token signature does not verify.';
    case errors.JWKSNoMatchingKey.code:
    case errors.JWKSMultipleMatchingKeys.code:
      return 'The token is signed by an unknown key.';
    case errors.JWTExpired.code:
      return 'The token has expired.';
    case errors.JWTClaimValidationFailed.code: {
      const { claim, reason } = e as errors.JWTClaimValidationFailed;
      if (claim === 'iss') return 'The token issuer is not trusted.';
      if (claim === 'nbf' && reason === 'check_failed') return 'The token is not yet valid.';
      if (claim === 'exp' && reason === 'missing') return 'The token has no expiry.';
      return 'The token claims are invalid.';
    }
    default:
      // A JWKS that cannot be fetched or parsed (timeout, refused, not JSON, bad key). No
      // caller can fix it, but it is still no identity: 401, and an operator-visible warning.
      log.warn('auth: signing keys unavailable', { code: typeof code === 'string' ? code : (e as Error)?.name });
      return 'The signing keys are unavailable.';
  }
}

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const { issuer, jwks, clockSkewSeconds = 60, now = () => new Date() } = options;
  const algorithms = [...(options.algorithms ?? ASYMMETRIC_ALGORITHMS)];
  const audiences = new Set(options.audiences);
  if (!issuer) throw new TypeError('createTokenVerifier: issuer is required');
  if (audiences.size === 0) throw new TypeError('createTokenVerifier: at least one audience is required');
  if (!(clockSkewSeconds >= 0 && clockSkewSeconds <= 300)) throw new TypeError('createTokenVerifier: clockSkewSeconds must be 0..300');
  const notAsymmetric = algorithms.filter((a) => !ASYMMETRIC_ALGORITHMS.includes(a));
  if (algorithms.length === 0 || notAsymmetric.length > 0) {
    throw new TypeError(`createTokenVerifier: only asymmetric algorithms may be allowed, not ${notAsymmetric.join(', ') || 'none'}`);
  }

  // API Gateway requires the header to name its key; without this jose would try the only key.
  const keyOf: JWTVerifyGetKey = (header, token) => {
    if (typeof header.kid !== 'string' || header.kid === '') throw unauthorized('The token has no key id.');
    return jwks(header, token);
  };

  return {
    async verify(authorization) {
      const token = tokenFrom(authorization);
      const currentDate = now();
      let claims: JWTPayload;
      try {
        ({ payload: claims } = await jwtVerify(token, keyOf, {
          algorithms,
          issuer,
          requiredClaims: ['exp'],
          clockTolerance: clockSkewSeconds,
          currentDate,
        }));
      } catch (e) {
        if (e instanceof DomainError) throw e;
        throw unauthorized(reasonOf(e));
      }
      if (!audienceMatches(claims, audiences)) throw unauthorized('The token audience is not accepted.');
      // jose checks iat only against a maximum age; API Gateway wants it in the past.
      if (typeof claims.iat === 'number' && claims.iat > currentDate.getTime() / 1000 + clockSkewSeconds) {
        throw unauthorized('The token is issued in the future.');
      }
      return claims;
    },
  };
}
