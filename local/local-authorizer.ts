/**
 * What API Gateway's JWT authorizer does in AWS, for the local server: it verifies the bearer
 * token of every non-public route before a handler runs (lib/auth/token-verifier.ts applies the
 * authorizer's rules) and hands the claims on in the event, where the handlers' middleware
 * (lib/http/middleware.ts) names the tenant from them exactly as it does in Lambda.
 *
 * The trusted issuer is, in order: AUTH=off (none: one anonymous tenant, a demo), AUTH_ISSUER
 * with AUTH_AUDIENCE (an external provider, e.g. Cognito; keys from AUTH_JWKS_URL or
 * `<issuer>/.well-known/jwks.json`), else the local issuer of local/local-auth.ts, whose key
 * pair lives under LOCAL_DATA_DIR and whose tokens `npm run token` prints.
 */
import { jwksUrlOf, remoteJwks } from '../lib/auth/remote-jwks.js';
import { type Claims, createTokenVerifier } from '../lib/auth/token-verifier.js';
import type { AuthConfig } from '../lib/config.js';
import { type LocalAuth, loadLocalAuth } from './local-auth.js';

export interface LocalAuthorizer {
  /** The trusted issuer (the local one, or AUTH_ISSUER). */
  issuer: string;
  audiences: readonly string[];
  /** The local issuer, when it is the trusted one: its JWKS is served and tests issue tokens with it. */
  local?: LocalAuth;
  /** The claims of a valid `Authorization` header value; else DomainError Unauthorized. */
  verify(authorization: string | undefined): Promise<Claims>;
}

export async function createLocalAuthorizer(auth: AuthConfig, opts: { dataDir: string; port: number }): Promise<LocalAuthorizer> {
  if (auth.issuer) {
    if (auth.audiences.length === 0) throw new Error('AUTH_AUDIENCE must name the accepted audience (or app client id) when AUTH_ISSUER is set');
    const verifier = createTokenVerifier({
      issuer: auth.issuer,
      audiences: auth.audiences,
      jwks: remoteJwks(auth.jwksUrl ?? jwksUrlOf(auth.issuer)),
    });
    return { issuer: auth.issuer, audiences: auth.audiences, verify: rememberVerified((h) => verifier.verify(h)) };
  }
  const local = await loadLocalAuth(opts);
  const verifier = createTokenVerifier({ issuer: local.issuer, audiences: [local.audience], jwks: local.keySet });
  return { issuer: local.issuer, audiences: [local.audience], local, verify: rememberVerified((h) => verifier.verify(h)) };
}

/** How many verified tokens are remembered; the oldest goes first. */
const REMEMBERED_TOKENS = 1000;

/**
 * API Gateway verifies the token out of the function, so a deployed handler never pays for it;
 * here every request did (an RS256 verification, 0.2–0.7 ms of a 10 ms request, bench CPU
 * profile). A header value verified once is remembered with its claims until its `exp`, never
 * beyond: the verifier accepts up to its clock skew after `exp`, so nothing it would refuse is
 * accepted from memory. Any other value (a forged or altered token) is a different key and is
 * verified; failures are not remembered.
 */
export function rememberVerified(verify: (authorization: string | undefined) => Promise<Claims>, now: () => number = Date.now): LocalAuthorizer['verify'] {
  const known = new Map<string, { claims: Claims; untilMs: number }>();
  return async (authorization) => {
    if (authorization === undefined) return verify(authorization);
    const hit = known.get(authorization);
    if (hit && now() < hit.untilMs) return hit.claims;
    known.delete(authorization);
    const claims = await verify(authorization);
    if (typeof claims.exp === 'number') {
      if (known.size >= REMEMBERED_TOKENS) known.delete(known.keys().next().value as string);
      known.set(authorization, { claims, untilMs: claims.exp * 1000 });
    }
    return claims;
  };
}

/**
 * The claims as API Gateway passes them to a payload 2.0 Lambda (requestContext.authorizer.jwt.claims):
 * every value a string, arrays as `[a b]`, objects as JSON.
 */
export function authorizerClaims(claims: Claims): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(claims)) {
    if (v === undefined || v === null) continue;
    out[k] = typeof v === 'string' ? v : Array.isArray(v) ? `[${v.join(' ')}]` : typeof v === 'object' ? JSON.stringify(v) : String(v); // eslint-disable-line @typescript-eslint/no-base-to-string -- a JSON number or boolean here
  }
  return out;
}
