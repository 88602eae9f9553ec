import { createHmac } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { CompactSign, createLocalJWKSet, exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { DomainError } from '../../../lib/errors.js';
import { createTokenVerifier, type TokenVerifier } from '../../../lib/auth/token-verifier.js';

const ISSUER = 'https://issuer.example/pool';
const AUDIENCE = 'client-a';
/** A marker in every token's claims: no rejection reason may echo it. */
const SECRET_SUB = 'patient-Jane-Doe-1970';
const NOW = new Date('2026-06-01T12:00:00Z');
const NOW_S = NOW.getTime() / 1000;

let rsaPrivate: CryptoKey;
let rsaPublicJwk: JWK;
let rsaPublicPem: string;
let ecPrivate: CryptoKey;
let otherPrivate: CryptoKey;
let verifier: TokenVerifier;

const b64url = (s: string | Buffer): string => Buffer.from(s).toString('base64url');

async function sign(
  claims: JWTPayload,
  opts: { key?: CryptoKey; alg?: string; kid?: string | null; setExp?: boolean } = {},
): Promise<string> {
  const { key = rsaPrivate, alg = 'RS256', kid = 'rsa-1', setExp = true } = opts;
  const jwt = new SignJWT({ sub: SECRET_SUB, iss: ISSUER, aud: AUDIENCE, iat: NOW_S - 10, ...(setExp ? { exp: NOW_S + 600 } : {}), ...claims });
  return jwt.setProtectedHeader(kid === null ? { alg } : { alg, kid }).sign(key);
}

/** A compact JWS made by hand, for the algorithms jose refuses to produce against these keys. */
function handMade(header: object, payload: object, signer: (input: string) => string): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${signer(input)}`;
}

const basePayload = (): JWTPayload => ({ sub: SECRET_SUB, iss: ISSUER, aud: AUDIENCE, iat: NOW_S - 10, exp: NOW_S + 600 });

async function rejection(header: string | undefined, v: TokenVerifier = verifier): Promise<DomainError> {
  const err = await v.verify(header).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'the token was accepted').toBeInstanceOf(DomainError);
  const d = err as DomainError;
  expect(d.code).toBe('Unauthorized');
  expect(d.status).toBe(401);
  expect(d.message).not.toContain(SECRET_SUB);
  if (header) for (const part of header.replace(/^bearer\s+/i, '').split('.')) if (part.length > 3) expect(d.message).not.toContain(part);
  return d;
}

beforeAll(async () => {
  const rsa = await generateKeyPair('RS256', { extractable: true });
  rsaPrivate = rsa.privateKey;
  rsaPublicJwk = { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' };
  rsaPublicPem = await exportSPKI(rsa.publicKey);
  const ec = await generateKeyPair('ES256', { extractable: true });
  ecPrivate = ec.privateKey;
  const ecJwk = { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256' };
  otherPrivate = (await generateKeyPair('RS256')).privateKey;
  verifier = createTokenVerifier({
    issuer: ISSUER,
    audiences: [AUDIENCE, 'client-b'],
    jwks: createLocalJWKSet({ keys: [rsaPublicJwk, ecJwk] }),
    now: () => NOW,
  });
});

describe('createTokenVerifier: accepted tokens', () => {
  it('returns the claims of a valid RS256 token with the Bearer prefix', async () => {
    const claims = await verifier.verify(`Bearer ${await sign({ 'custom:org': 'h1' })}`);
    expect(claims).toMatchObject({ sub: SECRET_SUB, iss: ISSUER, aud: AUDIENCE, 'custom:org': 'h1' });
  });

  it('takes the bare token and any case of the scheme, as API Gateway does', async () => {
    const token = await sign({});
    await expect(verifier.verify(token)).resolves.toMatchObject({ sub: SECRET_SUB });
    await expect(verifier.verify(`bearer ${token}`)).resolves.toMatchObject({ sub: SECRET_SUB });
    await expect(verifier.verify(`  BEARER\t${token}  `)).resolves.toMatchObject({ sub: SECRET_SUB });
  });

  it('accepts another asymmetric algorithm (ES256)', async () => {
    await expect(verifier.verify(`Bearer ${await sign({}, { key: ecPrivate, alg: 'ES256', kid: 'ec-1' })}`)).resolves.toMatchObject({ sub: SECRET_SUB });
  });

  it('matches any one of the configured audiences, also within an aud array', async () => {
    await expect(verifier.verify(`Bearer ${await sign({ aud: 'client-b' })}`)).resolves.toBeDefined();
    await expect(verifier.verify(`Bearer ${await sign({ aud: ['other', 'client-b'] })}`)).resolves.toBeDefined();
  });

  it('falls back to client_id when the token has no aud (Cognito access tokens)', async () => {
    const claims = await verifier.verify(`Bearer ${await sign({ aud: undefined, client_id: AUDIENCE })}`);
    expect(claims.aud).toBeUndefined();
    expect(claims.client_id).toBe(AUDIENCE);
  });
});

describe('createTokenVerifier: 401 for', () => {
  it('no token', async () => {
    expect((await rejection(undefined)).message).toBe('The request has no bearer token.');
    expect((await rejection('')).message).toBe('The request has no bearer token.');
    expect((await rejection('   ')).message).toBe('The request has no bearer token.');
  });

  it('garbage', async () => {
    for (const h of ['Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Bearer abc', 'Bearer a.b', 'Bearer a.b.c.d.e', 'Bearer ***.***.***', 'Bearer a b.c']) {
      expect((await rejection(h)).message, h).toMatch(/^The request has no bearer token\.$|^The token is malformed\.$/);
    }
    // Well-formed base64url that is not JSON, and JSON that is not an object.
    expect((await rejection(`Bearer ${b64url('not json')}.${b64url('{}')}.c2ln`)).message).toBe('The token is malformed.');
    // Correctly signed, but the payload is a JSON array, not a claims set.
    const notAnObject = await new CompactSign(Buffer.from('[1,2]')).setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' }).sign(rsaPrivate);
    expect((await rejection(`Bearer ${notAnObject}`)).message).toBe('The token is malformed.');
  });

  it('an oversized token', async () => {
    const token = await sign({ pad: 'x'.repeat(9000) });
    expect((await rejection(`Bearer ${token}`)).message).toBe('The token is too large.');
  });

  it('an expired token', async () => {
    expect((await rejection(`Bearer ${await sign({ exp: NOW_S - 3600 })}`)).message).toBe('The token has expired.');
  });

  it('a token without exp', async () => {
    expect((await rejection(`Bearer ${await sign({}, { setExp: false })}`)).message).toBe('The token has no expiry.');
  });

  it('a token not yet valid (nbf in the future)', async () => {
    expect((await rejection(`Bearer ${await sign({ nbf: NOW_S + 3600 })}`)).message).toBe('The token is not yet valid.');
  });

  it('a token issued in the future (iat)', async () => {
    expect((await rejection(`Bearer ${await sign({ iat: NOW_S + 3600 })}`)).message).toBe('The token is issued in the future.');
  });

  it('a wrong or missing issuer', async () => {
    expect((await rejection(`Bearer ${await sign({ iss: 'https://evil.example/pool' })}`)).message).toBe('The token issuer is not trusted.');
    expect((await rejection(`Bearer ${await sign({ iss: `${ISSUER}/` })}`)).message).toBe('The token issuer is not trusted.');
    expect((await rejection(`Bearer ${await sign({ iss: undefined })}`)).message).toBe('The token issuer is not trusted.');
  });

  it('a wrong audience; aud wins over a matching client_id; neither present', async () => {
    expect((await rejection(`Bearer ${await sign({ aud: 'client-z' })}`)).message).toBe('The token audience is not accepted.');
    expect((await rejection(`Bearer ${await sign({ aud: [] })}`)).message).toBe('The token audience is not accepted.');
    expect((await rejection(`Bearer ${await sign({ aud: 'client-z', client_id: AUDIENCE })}`)).message).toBe('The token audience is not accepted.');
    expect((await rejection(`Bearer ${await sign({ aud: undefined })}`)).message).toBe('The token audience is not accepted.');
    expect((await rejection(`Bearer ${await sign({ aud: undefined, client_id: 'client-z' })}`)).message).toBe('The token audience is not accepted.');
  });

  it('alg: none (with and without a signature, with the real kid)', async () => {
    for (const alg of ['none', 'None', 'NONE']) {
      const unsigned = handMade({ alg, kid: 'rsa-1', typ: 'JWT' }, basePayload(), () => '');
      expect((await rejection(`Bearer ${unsigned}`)).message).toBe('The token algorithm is not allowed.');
      const withSig = handMade({ alg, kid: 'rsa-1' }, basePayload(), () => b64url('x'));
      expect((await rejection(`Bearer ${withSig}`)).message).toBe('The token algorithm is not allowed.');
    }
  });

  it('HS256 signed with the public key (PEM, JWK JSON, modulus bytes) — the key-confusion attack', async () => {
    const secrets = [rsaPublicPem, JSON.stringify(rsaPublicJwk), Buffer.from(rsaPublicJwk.n!, 'base64url')];
    for (const secret of secrets) {
      for (const alg of ['HS256', 'HS384', 'HS512']) {
        const hash = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg]!;
        const forged = handMade({ alg, kid: 'rsa-1', typ: 'JWT' }, basePayload(), (input) => createHmac(hash, secret).update(input).digest('base64url'));
        expect((await rejection(`Bearer ${forged}`)).message).toBe('The token algorithm is not allowed.');
      }
    }
  });

  it('a token without kid, or with a kid the JWKS does not have', async () => {
    expect((await rejection(`Bearer ${await sign({}, { kid: null })}`)).message).toBe('The token has no key id.');
    expect((await rejection(`Bearer ${await sign({}, { kid: 'rsa-2' })}`)).message).toBe('The token is signed by an unknown key.');
  });

  it('a token signed by another key under a trusted kid, or altered after signing', async () => {
    expect((await rejection(`Bearer ${await sign({}, { key: otherPrivate })}`)).message).toBe('The token signature does not verify.');
    const [h, , s] = (await sign({})).split('.');
    const altered = `${h}.${b64url(JSON.stringify({ ...basePayload(), sub: 'someone-else' }))}.${s}`;
    expect((await rejection(`Bearer ${altered}`)).message).toBe('The token signature does not verify.');
  });

  it('an algorithm that does not fit the key of its kid (ES256 header on the RSA key)', async () => {
    const d = await rejection(`Bearer ${await sign({}, { key: ecPrivate, alg: 'ES256', kid: 'rsa-1' })}`);
    expect(d.message).toBe('The token is signed by an unknown key.');
  });

  it('a claim of the wrong type (exp as a string)', async () => {
    const token = await sign({ exp: String(NOW_S + 600) as unknown as number });
    expect((await rejection(`Bearer ${token}`)).message).toBe('The token claims are invalid.');
  });
});

describe('createTokenVerifier: clock skew', () => {
  const at = (skew: number): TokenVerifier =>
    createTokenVerifier({ issuer: ISSUER, audiences: [AUDIENCE], jwks: createLocalJWKSet({ keys: [rsaPublicJwk] }), now: () => NOW, clockSkewSeconds: skew });

  it('exp is honoured up to the skew, not at it (default 60 s)', async () => {
    await expect(verifier.verify(`Bearer ${await sign({ exp: NOW_S - 59 })}`)).resolves.toBeDefined();
    expect((await rejection(`Bearer ${await sign({ exp: NOW_S - 60 })}`)).message).toBe('The token has expired.');
  });

  it('nbf and iat may lie up to the skew in the future', async () => {
    await expect(verifier.verify(`Bearer ${await sign({ nbf: NOW_S + 60, iat: NOW_S + 60 })}`)).resolves.toBeDefined();
    expect((await rejection(`Bearer ${await sign({ nbf: NOW_S + 61 })}`)).message).toBe('The token is not yet valid.');
    expect((await rejection(`Bearer ${await sign({ iat: NOW_S + 61 })}`)).message).toBe('The token is issued in the future.');
  });

  it('a configured skew replaces the default', async () => {
    const strict = at(0);
    await expect(strict.verify(`Bearer ${await sign({ exp: NOW_S + 1, nbf: NOW_S, iat: NOW_S })}`)).resolves.toBeDefined();
    expect((await rejection(`Bearer ${await sign({ exp: NOW_S })}`, strict)).message).toBe('The token has expired.');
    expect((await rejection(`Bearer ${await sign({ nbf: NOW_S + 1 })}`, strict)).message).toBe('The token is not yet valid.');
    await expect(at(300).verify(`Bearer ${await sign({ exp: NOW_S - 299 })}`)).resolves.toBeDefined();
  });
});

describe('createTokenVerifier: configuration', () => {
  const jwks = createLocalJWKSet({ keys: [] });

  it('refuses symmetric or no algorithms, no audience, no issuer, an absurd skew', () => {
    expect(() => createTokenVerifier({ issuer: ISSUER, audiences: [AUDIENCE], jwks, algorithms: ['RS256', 'HS256'] })).toThrow(/asymmetric/);
    expect(() => createTokenVerifier({ issuer: ISSUER, audiences: [AUDIENCE], jwks, algorithms: ['none'] })).toThrow(/asymmetric/);
    expect(() => createTokenVerifier({ issuer: ISSUER, audiences: [AUDIENCE], jwks, algorithms: [] })).toThrow(/asymmetric/);
    expect(() => createTokenVerifier({ issuer: ISSUER, audiences: [], jwks })).toThrow(/audience/);
    expect(() => createTokenVerifier({ issuer: '', audiences: [AUDIENCE], jwks })).toThrow(/issuer/);
    expect(() => createTokenVerifier({ issuer: ISSUER, audiences: [AUDIENCE], jwks, clockSkewSeconds: 3600 })).toThrow(/clockSkew/);
  });

  it('narrows the algorithms when asked (RSA only, as API Gateway supports)', async () => {
    const rsaOnly = createTokenVerifier({
      issuer: ISSUER,
      audiences: [AUDIENCE],
      jwks: createLocalJWKSet({ keys: [rsaPublicJwk] }),
      algorithms: ['RS256'],
      now: () => NOW,
    });
    await expect(rsaOnly.verify(`Bearer ${await sign({})}`)).resolves.toBeDefined();
    expect((await rejection(`Bearer ${await sign({}, { key: ecPrivate, alg: 'ES256', kid: 'ec-1' })}`, rsaOnly)).message).toBe('The token algorithm is not allowed.');
  });
});
