/**
 * The external-issuer path (AUTH_ISSUER / AUTH_AUDIENCE) against a real issuer: a Cognito user
 * pool in moto_server. moto's issuer is the AWS one, https://cognito-idp.<region>.amazonaws.com/<poolId>,
 * while it serves that pool's JWKS itself, so the JWKS URL is given separately. moto signs every
 * pool's tokens with one key (kid "dummy"): a token of another pool is refused by its issuer,
 * the check that also separates pools on AWS.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodeProtectedHeader } from 'jose';
import { DomainError } from '../../../lib/errors.js';
import { createTokenVerifier, type TokenVerifier } from '../../../lib/auth/token-verifier.js';
import { remoteJwks } from '../../../lib/auth/remote-jwks.js';
import { tenantOf } from '../../../lib/auth/tenant.js';
import { cognito, describeWithMoto, startMoto, type Moto } from '../../support/moto.js';

const TITLE = 'JWT verification against Cognito in moto_server';
const PASSWORD = 'Corr3ct-Horse-Battery!';

interface Pool {
  poolId: string;
  clientId: string;
  issuer: string;
  jwksUrl: string;
}
interface Tokens {
  IdToken: string;
  AccessToken: string;
}

async function createPool(moto: Moto, name: string): Promise<Pool> {
  const { UserPool } = await cognito<{ UserPool: { Id: string } }>(moto.url, 'CreateUserPool', {
    PoolName: name,
    Schema: [{ Name: 'org', AttributeDataType: 'String', Mutable: true }],
  });
  const { UserPoolClient } = await cognito<{ UserPoolClient: { ClientId: string } }>(moto.url, 'CreateUserPoolClient', {
    UserPoolId: UserPool.Id,
    ClientName: `${name}-app`,
    ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  });
  const region = UserPool.Id.split('_')[0];
  return {
    poolId: UserPool.Id,
    clientId: UserPoolClient.ClientId,
    issuer: `https://cognito-idp.${region}.amazonaws.com/${UserPool.Id}`,
    jwksUrl: `${moto.url}/${UserPool.Id}/.well-known/jwks.json`,
  };
}

async function createUser(moto: Moto, pool: Pool, username: string, org: string): Promise<void> {
  await cognito(moto.url, 'AdminCreateUser', {
    UserPoolId: pool.poolId,
    Username: username,
    MessageAction: 'SUPPRESS',
    UserAttributes: [{ Name: 'custom:org', Value: org }],
  });
  await cognito(moto.url, 'AdminSetUserPassword', { UserPoolId: pool.poolId, Username: username, Password: PASSWORD, Permanent: true });
}

/** Admin flow for one user, the public USER_PASSWORD_AUTH flow for the other: both token kinds from both. */
async function adminLogin(moto: Moto, pool: Pool, username: string, clientId = pool.clientId): Promise<Tokens> {
  const r = await cognito<{ AuthenticationResult: Tokens }>(moto.url, 'AdminInitiateAuth', {
    UserPoolId: pool.poolId,
    ClientId: clientId,
    AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: username, PASSWORD },
  });
  return r.AuthenticationResult;
}

async function login(moto: Moto, pool: Pool, username: string): Promise<Tokens> {
  const r = await cognito<{ AuthenticationResult: Tokens }>(moto.url, 'InitiateAuth', {
    ClientId: pool.clientId,
    AuthFlow: 'USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: username, PASSWORD },
  });
  return r.AuthenticationResult;
}

describeWithMoto(TITLE, () => {
  let moto: Moto;
  let pool: Pool;
  let otherPool: Pool;
  let otherClientId: string;
  let verifier: TokenVerifier;

  beforeAll(async () => {
    moto = await startMoto();
    pool = await createPool(moto, 'hospital-pool');
    otherPool = await createPool(moto, 'other-pool');
    otherClientId = (
      await cognito<{ UserPoolClient: { ClientId: string } }>(moto.url, 'CreateUserPoolClient', {
        UserPoolId: pool.poolId,
        ClientName: 'another-app',
        ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH'],
      })
    ).UserPoolClient.ClientId;
    await createUser(moto, pool, 'alice', 'st-mary');
    await createUser(moto, pool, 'bob', 'st-mary');
    await createUser(moto, otherPool, 'alice', 'st-mary');
    verifier = createTokenVerifier({ issuer: pool.issuer, audiences: [pool.clientId], jwks: remoteJwks(pool.jwksUrl) });
  }, 60_000);

  afterAll(async () => {
    await moto?.stop();
  });

  it('verifies an id token (aud = the app client) signed RS256 by the pool key', async () => {
    const { IdToken } = await adminLogin(moto, pool, 'alice');
    expect(decodeProtectedHeader(IdToken)).toMatchObject({ alg: 'RS256', kid: expect.any(String) });
    const claims = await verifier.verify(`Bearer ${IdToken}`);
    expect(claims).toMatchObject({ iss: pool.issuer, aud: pool.clientId, token_use: 'id', 'custom:org': 'st-mary' });
    expect(typeof claims.sub).toBe('string');
  });

  it('verifies an access token, which has no aud, by its client_id', async () => {
    const { AccessToken } = await login(moto, pool, 'bob');
    const claims = await verifier.verify(`Bearer ${AccessToken}`);
    expect(claims.aud).toBeUndefined();
    expect(claims).toMatchObject({ iss: pool.issuer, client_id: pool.clientId, token_use: 'access' });
  });

  it('derives the tenant from TENANT_CLAIM: sub per user, custom:org shared by an organisation', async () => {
    const alice = await verifier.verify(`Bearer ${(await adminLogin(moto, pool, 'alice')).IdToken}`);
    const bob = await verifier.verify(`Bearer ${(await login(moto, pool, 'bob')).IdToken}`);
    const byOrg = { issuer: pool.issuer, tenantClaim: 'custom:org' };
    const bySub = { issuer: pool.issuer, tenantClaim: 'sub' };
    expect(tenantOf(alice, byOrg)).toBe(tenantOf(bob, byOrg));
    expect(tenantOf(alice, bySub)).not.toBe(tenantOf(bob, bySub));
    expect(tenantOf(alice, byOrg)).toMatch(/^t[0-9a-f]{32}$/);
    // Access tokens carry no custom attributes: with an organisation claim they get no tenant.
    const access = await verifier.verify(`Bearer ${(await login(moto, pool, 'alice')).AccessToken}`);
    expect(() => tenantOf(access, byOrg)).toThrow(DomainError);
  });

  it('401 for a token of another pool (same moto key, other issuer)', async () => {
    const tokens = await adminLogin(moto, otherPool, 'alice');
    const lenient = createTokenVerifier({ issuer: pool.issuer, audiences: [pool.clientId, otherPool.clientId], jwks: remoteJwks(pool.jwksUrl) });
    for (const token of [tokens.IdToken, tokens.AccessToken]) {
      await expect(lenient.verify(`Bearer ${token}`)).rejects.toMatchObject({ code: 'Unauthorized', status: 401, message: 'The token issuer is not trusted.' });
    }
  });

  it('401 for a token of another app client of the same pool', async () => {
    const tokens = await adminLogin(moto, pool, 'alice', otherClientId);
    for (const token of [tokens.IdToken, tokens.AccessToken]) {
      await expect(verifier.verify(`Bearer ${token}`)).rejects.toMatchObject({ status: 401, message: 'The token audience is not accepted.' });
    }
  });

  it('401 for a Cognito token altered after signing', async () => {
    const [h, p, s] = (await adminLogin(moto, pool, 'alice')).IdToken.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const altered = `${h}.${Buffer.from(JSON.stringify({ ...payload, 'custom:org': 'other-hospital' })).toString('base64url')}.${s}`;
    await expect(verifier.verify(`Bearer ${altered}`)).rejects.toMatchObject({ status: 401, message: 'The token signature does not verify.' });
  });
});
