/**
 * Authentication and tenant isolation over real HTTP: the local server verifying tokens as API
 * Gateway's JWT authorizer does, in front of the same handlers Lambda runs and the embedded S3.
 * Tokens of the local issuer (local/local-auth.ts), and of a Cognito user pool in moto_server
 * for the external-issuer path (AUTH_ISSUER / AUTH_AUDIENCE / AUTH_JWKS_URL).
 */
import { createPublicKey, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, importPKCS8 } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetConfig } from '../../lib/config.js';
import { type LocalService, startLocal } from '../../local/server.js';
import { makeImageDicom } from '../support/dicom-writer.js';
import { tenantOfSubject, tokenFor, withToken } from '../support/local-token.js';
import { cognito, describeWithMoto, startMoto, type Moto } from '../support/moto.js';
import { fileRoutes } from '../support/file-routes.js';

const AUTH_ENV = ['AUTH', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_JWKS_URL', 'TENANT_CLAIM', 'AWS_ENDPOINT_URL_S3', 'BUCKET_NAME'] as const;
const savedEnv = Object.fromEntries(AUTH_ENV.map((n) => [n, process.env[n]]));
function restoreEnv(): void {
  for (const n of AUTH_ENV) {
    if (savedEnv[n] === undefined) delete process.env[n];
    else process.env[n] = savedEnv[n];
  }
  resetConfig();
}
function clearEnv(): void {
  for (const n of AUTH_ENV) delete process.env[n];
}

const ct = () =>
  makeImageDicom({
    rows: 4,
    columns: 5,
    bitsAllocated: 16,
    bitsStored: 12,
    window: { center: 1000, width: 2000 },
    pixel: (_f, r, c) => r * 500 + c * 100,
    extra: [{ tag: '00100010', vr: 'PN', value: 'Doe^Jane' }],
  });

async function uploadAs(svc: LocalService, token: string, bytes: Uint8Array): Promise<string> {
  const res = await fetch(`${svc.url}/files`, withToken(token, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ size: bytes.length, filename: 'Doe^Jane.dcm' }) }));
  expect(res.status).toBe(201);
  const created = (await res.json()) as { id: string; uploadUrl: string; headers: Record<string, string> };
  const put = await fetch(created.uploadUrl, { method: 'PUT', headers: created.headers, body: Buffer.from(bytes) });
  expect(put.status).toBe(200);
  return created.id;
}

async function readyAs(svc: LocalService, token: string, id: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 400; i++) {
    const info = (await (await fetch(`${svc.url}/files/${id}`, withToken(token))).json()) as Record<string, unknown>;
    if (info.status === 'ready') return info;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the upload was not processed within 10 s');
}

const ROUTES = fileRoutes;

const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('authentication over real HTTP with the local issuer', () => {
  let svc: LocalService;
  let dataDir: string;
  let alice: string;
  let bob: string;
  let aliceFile: string;
  let bobFile: string;
  const bad: Record<string, string | undefined> = {};

  beforeAll(async () => {
    clearEnv();
    dataDir = mkdtempSync(join(tmpdir(), 'dicom-auth-'));
    svc = await startLocal({ port: 0, s3Port: 0, dataDir, bucket: 'auth-bucket' });
    const local = svc.authorizer!.local!;
    alice = await tokenFor(svc, 'alice');
    bob = await tokenFor(svc, 'bob');

    // Tokens that must all be refused, made with the server's own key where a signature is needed.
    const key = await importPKCS8(readFileSync(local.keyFile, 'utf8'), 'RS256');
    const kid = local.jwks.keys[0].kid!;
    const now = Math.floor(Date.now() / 1000);
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(key);
    const good = { iss: local.issuer, aud: local.audience, sub: 'alice', iat: now };
    bad['no token'] = undefined;
    bad['garbage'] = 'Bearer not-a-token';
    bad['garbage without scheme'] = 'abc.def';
    bad['expired'] = `Bearer ${await sign({ ...good, iat: now - 7200, exp: now - 3600 })}`;
    bad['wrong issuer'] = `Bearer ${await sign({ ...good, iss: 'http://127.0.0.1:1/auth', exp: now + 600 })}`;
    bad['wrong audience'] = `Bearer ${await local.issueToken({ subject: 'alice', audience: 'another-service' })}`;
    bad['alg none'] = `Bearer ${b64url({ alg: 'none', typ: 'JWT', kid })}.${b64url({ ...good, exp: now + 600 })}.`;
    // The classic confusion: HS256 with the RSA public key (PEM) as the shared secret.
    const publicPem = createPublicKey(readFileSync(local.keyFile, 'utf8')).export({ type: 'spki', format: 'pem' }) as string;
    bad['HS256 signed with the public key'] = `Bearer ${await new SignJWT({ ...good, exp: now + 600 })
      .setProtectedHeader({ alg: 'HS256', kid, typ: 'JWT' })
      .sign(new TextEncoder().encode(publicPem))}`;
    bad['no exp'] = `Bearer ${await sign(good)}`;

    aliceFile = await uploadAs(svc, alice, ct());
    bobFile = await uploadAs(svc, bob, ct());
    await readyAs(svc, alice, aliceFile);
    await readyAs(svc, bob, bobFile);
  }, 60_000);

  afterAll(async () => {
    await svc?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    restoreEnv();
  });

  it('keeps the signing key under LOCAL_DATA_DIR, beside (not inside) the embedded S3 root, and serves its public JWKS', async () => {
    expect(svc.authorizer!.local!.keyFile).toBe(join(dataDir, 'auth', 'signing-key.pem'));
    const res = await fetch(`${svc.url}/auth/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    const jwks = (await res.json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).not.toHaveProperty('d');
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256' });
  });

  it('answers every refused token on every route with 401, WWW-Authenticate: Bearer and the JSON error body', async () => {
    const routes: Array<[string, RequestInit]> = [
      ['/files', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"size": 10}' }],
      ...ROUTES(aliceFile),
      ...ROUTES(randomUUID()),
    ];
    for (const [name, authorization] of Object.entries(bad)) {
      for (const [path, init] of routes) {
        const headers = new Headers(init.headers);
        if (authorization !== undefined) headers.set('authorization', authorization);
        const res = await fetch(`${svc.url}${path}`, { ...init, headers, redirect: 'manual' });
        const where = `${name}: ${init.method ?? 'GET'} ${path}`;
        expect(res.status, where).toBe(401);
        expect(res.headers.get('www-authenticate'), where).toBe('Bearer');
        expect(res.headers.get('content-type'), where).toMatch(/application\/json/);
        const text = await res.text();
        const body = JSON.parse(text) as { error: { code: string; message: string } };
        expect(body.error.code, where).toBe('Unauthorized');
        expect(typeof body.error.message).toBe('string');
        // The body never echoes the token or any part of it.
        if (authorization) for (const part of authorization.replace(/^Bearer /, '').split('.')) if (part.length > 8) expect(text, where).not.toContain(part);
      }
    }
  }, 60_000);

  it('serves the contract and its docs without a token', async () => {
    for (const path of ['/openapi', '/docs', '/docs/swagger-ui.css']) expect((await fetch(`${svc.url}${path}`)).status, path).toBe(200);
  });

  it('interleaves two tenants on every route: own file 200/303, the other tenant\'s id the same 404 as an unknown id, byte for byte', async () => {
    for (const [token, own, other] of [
      [alice, aliceFile, bobFile],
      [bob, bobFile, aliceFile],
    ] as const) {
      const unknown = randomUUID();
      const ownRoutes = ROUTES(own);
      const otherRoutes = ROUTES(other);
      const unknownRoutes = ROUTES(unknown);
      for (let i = 0; i < ownRoutes.length; i++) {
        const [ownPath, init] = ownRoutes[i];
        const mine = await fetch(`${svc.url}${ownPath}`, withToken(token, { ...init, redirect: 'manual' }));
        expect([200, 206, 303], ownPath).toContain(mine.status);
        await mine.arrayBuffer();
        const theirs = await fetch(`${svc.url}${otherRoutes[i][0]}`, withToken(token, { ...init, redirect: 'manual' }));
        const none = await fetch(`${svc.url}${unknownRoutes[i][0]}`, withToken(token, { ...init, redirect: 'manual' }));
        expect(theirs.status, otherRoutes[i][0]).toBe(404);
        expect(none.status).toBe(404);
        const [a, b] = [await theirs.text(), await none.text()];
        expect(a.replaceAll(other, '<id>'), otherRoutes[i][0]).toBe(b.replaceAll(unknown, '<id>'));
        expect(a).toBe(b.replaceAll(unknown, other));
        expect(theirs.headers.get('content-type')).toBe(none.headers.get('content-type'));
      }
    }
  }, 60_000);

  it('returns the filename only to its owner', async () => {
    const own = (await (await fetch(`${svc.url}/files/${aliceFile}`, withToken(alice))).json()) as { filename?: string };
    expect(own.filename).toBe('Doe^Jane.dcm');
    const other = await fetch(`${svc.url}/files/${aliceFile}`, withToken(bob));
    expect(await other.text()).not.toContain('Doe');
  });

  it('keeps the render cache per tenant: the same bytes give each tenant its own render key', async () => {
    const urlOf = async (token: string, id: string) =>
      ((await (await fetch(`${svc.url}/files/${id}/png?window=40,400`, withToken(token, { headers: { accept: 'application/json' } }))).json()) as { url: string }).url;
    const a = new URL(await urlOf(alice, aliceFile)).pathname;
    const b = new URL(await urlOf(bob, bobFile)).pathname;
    expect(a).toContain(`/renders/${tenantOfSubject(svc, 'alice')}/sha256/`);
    expect(b).toContain(`/renders/${tenantOfSubject(svc, 'bob')}/sha256/`);
    expect(a.replace(tenantOfSubject(svc, 'alice'), '')).toBe(b.replace(tenantOfSubject(svc, 'bob'), ''));
  });

  it('signs upload URLs for keys of the caller\'s tenant, valid at most 15 minutes', async () => {
    const res = await fetch(`${svc.url}/files`, withToken(bob, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"size": 10}' }));
    const created = (await res.json()) as { id: string; uploadUrl: string; expiresAt: string };
    const url = new URL(created.uploadUrl);
    expect(url.pathname).toBe(`/auth-bucket/uploads/${tenantOfSubject(svc, 'bob')}/${created.id}.dcm`);
    expect(Number(url.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(900);
    expect(Date.parse(created.expiresAt) - Date.now()).toBeLessThanOrEqual(900_000);
  });
});

describe('AUTH=off, for a demo', () => {
  let svc: LocalService;
  let dataDir: string;
  beforeAll(async () => {
    clearEnv();
    process.env.AUTH = 'off';
    dataDir = mkdtempSync(join(tmpdir(), 'dicom-auth-off-'));
    svc = await startLocal({ port: 0, s3Port: 0, dataDir, bucket: 'demo-bucket' });
  });
  afterAll(async () => {
    await svc?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    restoreEnv();
  });

  it('needs no token and puts files under the one anonymous tenant', async () => {
    expect(svc.authorizer).toBeUndefined();
    const res = await fetch(`${svc.url}/files`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"size": 10}' });
    expect(res.status).toBe(201);
    const { uploadUrl } = (await res.json()) as { uploadUrl: string };
    const { ANONYMOUS_TENANT } = await import('../../lib/auth/tenant.js');
    expect(new URL(uploadUrl).pathname).toContain(`/uploads/${ANONYMOUS_TENANT}/`);
  });
});

const MOTO_TITLE = 'the local server trusting an external issuer (Cognito in moto_server)';
describeWithMoto(MOTO_TITLE, () => {
  const PASSWORD = 'Corr3ct-Horse-Battery!';
  let moto: Moto;
  let svc: LocalService;
  let dataDir: string;
  let clientId: string;
  let poolId: string;

  const login = async (username: string) =>
    (
      await cognito<{ AuthenticationResult: { IdToken: string; AccessToken: string } }>(moto.url, 'AdminInitiateAuth', {
        UserPoolId: poolId,
        ClientId: clientId,
        AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: username, PASSWORD },
      })
    ).AuthenticationResult;

  beforeAll(async () => {
    clearEnv();
    moto = await startMoto();
    const { UserPool } = await cognito<{ UserPool: { Id: string } }>(moto.url, 'CreateUserPool', { PoolName: 'hospital' });
    poolId = UserPool.Id;
    const { UserPoolClient } = await cognito<{ UserPoolClient: { ClientId: string } }>(moto.url, 'CreateUserPoolClient', {
      UserPoolId: poolId,
      ClientName: 'viewer',
      ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    });
    clientId = UserPoolClient.ClientId;
    for (const user of ['carol', 'dave']) {
      await cognito(moto.url, 'AdminCreateUser', { UserPoolId: poolId, Username: user, MessageAction: 'SUPPRESS' });
      await cognito(moto.url, 'AdminSetUserPassword', { UserPoolId: poolId, Username: user, Password: PASSWORD, Permanent: true });
    }
    process.env.AUTH_ISSUER = `https://cognito-idp.${poolId.split('_')[0]}.amazonaws.com/${poolId}`;
    process.env.AUTH_AUDIENCE = clientId;
    process.env.AUTH_JWKS_URL = `${moto.url}/${poolId}/.well-known/jwks.json`;
    dataDir = mkdtempSync(join(tmpdir(), 'dicom-auth-cognito-'));
    svc = await startLocal({ port: 0, s3Port: 0, dataDir, bucket: 'cognito-bucket' });
  }, 60_000);

  afterAll(async () => {
    await svc?.close();
    await moto?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    restoreEnv();
  });

  it('accepts Cognito ID and access tokens of the pool, isolates its users, and refuses a tampered token', async () => {
    expect(svc.authorizer?.local).toBeUndefined();
    expect(svc.authorizer?.issuer).toBe(process.env.AUTH_ISSUER);
    const carol = await login('carol');
    const dave = await login('dave');
    const id = await uploadAs(svc, carol.IdToken, ct());
    // The access token (no aud, client_id instead) of the same user names the same tenant.
    const withAccess = await fetch(`${svc.url}/files/${id}/tags/00100010`, withToken(carol.AccessToken));
    expect(withAccess.status).toBe(200);
    const unknown = randomUUID();
    const theirs = await fetch(`${svc.url}/files/${id}/tags/00100010`, withToken(dave.IdToken));
    const none = await fetch(`${svc.url}/files/${unknown}/tags/00100010`, withToken(dave.IdToken));
    expect(theirs.status).toBe(404);
    expect(await theirs.text()).toBe((await none.text()).replaceAll(unknown, id));

    const res = await fetch(`${svc.url}/files/${id}`, withToken(`${carol.IdToken.slice(0, -4)}AAAA`));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  }, 60_000);
});
