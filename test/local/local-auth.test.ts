import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { createTokenVerifier } from '../../lib/auth/token-verifier.js';
import { jwksUrlOf } from '../../lib/auth/remote-jwks.js';
import { tenantOf } from '../../lib/auth/tenant.js';
import { LOCAL_AUDIENCE, LOCAL_JWKS_PATH, LOCAL_TENANT_CLAIM, loadLocalAuth, localIssuer } from '../../local/local-auth.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'local-auth-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const verifierFor = (auth: Awaited<ReturnType<typeof loadLocalAuth>>) =>
  createTokenVerifier({ issuer: auth.issuer, audiences: [LOCAL_AUDIENCE], jwks: auth.keySet });

describe('loadLocalAuth', () => {
  it('creates a private key file 0600 in <dataDir>/auth (0700) on first use and reuses it after', async () => {
    const dataDir = tempDir();
    const first = await loadLocalAuth({ dataDir, port: 3000 });
    expect(first.keyFile).toBe(join(dataDir, 'auth', 'signing-key.pem'));
    expect(statSync(first.keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'auth')).mode & 0o077).toBe(0);
    const pem = readFileSync(first.keyFile, 'utf8');
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----/);

    const again = await loadLocalAuth({ dataDir, port: 3000 });
    expect(readFileSync(again.keyFile, 'utf8')).toBe(pem);
    expect(again.jwks).toEqual(first.jwks);
    // A token of the first load verifies with the second: same key.
    await expect(verifierFor(again).verify(`Bearer ${await first.issueToken({ subject: 'alice' })}`)).resolves.toMatchObject({ sub: 'alice' });
  });

  it('agrees with itself when two processes start at once (one key wins)', async () => {
    const dataDir = tempDir();
    const loads = await Promise.all([1, 2, 3].map(() => loadLocalAuth({ dataDir, port: 3000 })));
    for (const l of loads) expect(l.jwks).toEqual(loads[0].jwks);
  });

  it('publishes only the public part: one RS256 key whose kid is its thumbprint', async () => {
    const auth = await loadLocalAuth({ dataDir: tempDir(), port: 3000 });
    expect(auth.jwks.keys).toHaveLength(1);
    const [key] = auth.jwks.keys;
    expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
    expect(Object.keys(key).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(auth.jwksPath).toBe(LOCAL_JWKS_PATH);
    expect(jwksUrlOf(auth.issuer)).toBe(`http://127.0.0.1:3000${LOCAL_JWKS_PATH}`);
  });

  it('names the issuer after the port', async () => {
    const auth = await loadLocalAuth({ dataDir: tempDir(), port: 4123 });
    expect(auth.issuer).toBe('http://127.0.0.1:4123/auth');
    expect(localIssuer(4123)).toBe(auth.issuer);
    await expect(loadLocalAuth({ dataDir: tempDir(), port: 0 })).rejects.toThrow(/port/);
  });

  it('refuses a key file that is not a usable private key', async () => {
    const dataDir = tempDir();
    const auth = await loadLocalAuth({ dataDir, port: 3000 });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(auth.keyFile, 'not a key');
    await expect(loadLocalAuth({ dataDir, port: 3000 })).rejects.toThrow(/unreadable; delete it/);
  });
});

describe('issueToken', () => {
  it('issues a token the verifier accepts, with the documented claims', async () => {
    const auth = await loadLocalAuth({ dataDir: tempDir(), port: 3000 });
    const token = await auth.issueToken({ subject: 'alice', tenant: 'st-mary', ttlSeconds: 120 });
    const header = decodeProtectedHeader(token);
    expect(header).toEqual({ alg: 'RS256', kid: auth.jwks.keys[0].kid, typ: 'JWT' });
    const claims = await verifierFor(auth).verify(`Bearer ${token}`);
    expect(claims).toMatchObject({ iss: auth.issuer, sub: 'alice', aud: LOCAL_AUDIENCE, [LOCAL_TENANT_CLAIM]: 'st-mary' });
    expect(claims.exp! - claims.iat!).toBe(120);
    expect(typeof claims.jti).toBe('string');
    expect(decodeJwt(await auth.issueToken({ subject: 'bob' }))).not.toHaveProperty(LOCAL_TENANT_CLAIM);
  });

  it('lets TENANT_CLAIM select the tenant: custom:tenant groups callers, sub separates them', async () => {
    const auth = await loadLocalAuth({ dataDir: tempDir(), port: 3000 });
    const v = verifierFor(auth);
    const alice = await v.verify(await auth.issueToken({ subject: 'alice', tenant: 'st-mary' }));
    const bob = await v.verify(await auth.issueToken({ subject: 'bob', tenant: 'st-mary' }));
    const byOrg = { issuer: auth.issuer, tenantClaim: LOCAL_TENANT_CLAIM };
    expect(tenantOf(alice, byOrg)).toBe(tenantOf(bob, byOrg));
    const bySub = { issuer: auth.issuer, tenantClaim: 'sub' };
    expect(tenantOf(alice, bySub)).not.toBe(tenantOf(bob, bySub));
    // Without --tenant the organisation claim is missing: 401, not a shared default tenant.
    const lone = await v.verify(await auth.issueToken({ subject: 'carol' }));
    expect(() => tenantOf(lone, byOrg)).toThrow(/custom:tenant/);
  });

  it('validates its input', async () => {
    const auth = await loadLocalAuth({ dataDir: tempDir(), port: 3000 });
    await expect(auth.issueToken({ subject: '' })).rejects.toThrow(/subject/);
    await expect(auth.issueToken({ subject: 'a', tenant: ' ' })).rejects.toThrow(/tenant/);
    for (const ttlSeconds of [0, -1, 1.5, 31 * 24 * 3600, Number.NaN]) {
      await expect(auth.issueToken({ subject: 'a', ttlSeconds })).rejects.toThrow(/ttlSeconds/);
    }
  });

  it('401 for a token of another local key pair, a forged kid, another port, another audience', async () => {
    const mine = await loadLocalAuth({ dataDir: tempDir(), port: 3000 });
    const other = await loadLocalAuth({ dataDir: tempDir(), port: 3000 });
    const v = verifierFor(mine);
    await expect(v.verify(`Bearer ${await other.issueToken({ subject: 'alice' })}`)).rejects.toMatchObject({ status: 401, message: 'The token is signed by an unknown key.' });

    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'RS256', kid: mine.jwks.keys[0].kid })
      .setIssuer(mine.issuer)
      .setAudience(LOCAL_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    await expect(v.verify(`Bearer ${forged}`)).rejects.toMatchObject({ status: 401, message: 'The token signature does not verify.' });

    const elsewhere = await loadLocalAuth({ dataDir: join(mine.keyFile, '..', '..'), port: 3001 });
    await expect(v.verify(`Bearer ${await elsewhere.issueToken({ subject: 'alice' })}`)).rejects.toMatchObject({ status: 401, message: 'The token issuer is not trusted.' });
    await expect(v.verify(`Bearer ${await mine.issueToken({ subject: 'alice', audience: 'someone-else' })}`)).rejects.toMatchObject({ status: 401, message: 'The token audience is not accepted.' });
    await expect(v.verify(`Bearer ${await mine.issueToken({ subject: 'alice', ttlSeconds: 1 })}`)).resolves.toBeDefined();
  });
});
