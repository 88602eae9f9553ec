import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { DomainError } from '../../../lib/errors.js';
import { createTokenVerifier } from '../../../lib/auth/token-verifier.js';
import { jwksUrlOf, remoteJwks } from '../../../lib/auth/remote-jwks.js';

let server: Server;
let base: string;
let requests = 0;
let jwk: JWK;
let privateKey: CryptoKey;
let respond: 'jwks' | 'error' | 'hang' = 'jwks';

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' };
  server = createServer((req, res) => {
    requests++;
    if (respond === 'hang') return; // never answers: the fetch must time out
    if (respond === 'error') {
      res.writeHead(500).end('boom');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((ok) => server.close(() => ok()));
});

const token = (kid = 'k1') =>
  new SignJWT({ sub: 'u', aud: 'a' }).setProtectedHeader({ alg: 'RS256', kid }).setIssuer('https://idp.example').setExpirationTime('5m').sign(privateKey);

const verifierFor = (jwksUrl: string, timeoutMs = 2000) =>
  createTokenVerifier({ issuer: 'https://idp.example', audiences: ['a'], jwks: remoteJwks(jwksUrl, { timeoutMs }) });

describe('jwksUrlOf', () => {
  it('is <issuer>/.well-known/jwks.json, as OIDC discovery and Cognito publish it', () => {
    expect(jwksUrlOf('https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X')).toBe('https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X/.well-known/jwks.json');
    expect(jwksUrlOf('https://idp.example/')).toBe('https://idp.example/.well-known/jwks.json');
  });
});

describe('remoteJwks', () => {
  it('takes https anywhere and http only on loopback', () => {
    expect(() => remoteJwks('https://idp.example/.well-known/jwks.json')).not.toThrow();
    expect(() => remoteJwks('http://127.0.0.1:9/jwks.json')).not.toThrow();
    expect(() => remoteJwks('http://localhost:9/jwks.json')).not.toThrow();
    expect(() => remoteJwks('http://idp.example/.well-known/jwks.json')).toThrow(/https/);
    expect(() => remoteJwks('ftp://idp.example/jwks.json')).toThrow(/https/);
    expect(() => remoteJwks('not a url')).toThrow();
  });

  it('fetches the keys once and verifies tokens with them', async () => {
    respond = 'jwks';
    requests = 0;
    const v = verifierFor(`${base}/.well-known/jwks.json`);
    await expect(v.verify(`Bearer ${await token()}`)).resolves.toMatchObject({ sub: 'u' });
    await expect(v.verify(`Bearer ${await token()}`)).resolves.toMatchObject({ sub: 'u' });
    expect(requests).toBe(1);
  });

  it('does not refetch for every unknown kid (cooldown)', async () => {
    respond = 'jwks';
    requests = 0;
    const v = verifierFor(`${base}/.well-known/jwks.json`);
    await v.verify(`Bearer ${await token()}`);
    for (let i = 0; i < 5; i++) await expect(v.verify(`Bearer ${await token(`forged-${i}`)}`)).rejects.toThrow('The token is signed by an unknown key.');
    expect(requests).toBe(1);
  });

  it('answers 401 "The signing keys are unavailable." when the JWKS is down, failing or too slow', async () => {
    const closed = createServer();
    await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', ok));
    const closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/jwks.json`;
    await new Promise<void>((ok) => closed.close(() => ok()));

    respond = 'error';
    const cases = [verifierFor(closedUrl), verifierFor(`${base}/failing`)];
    for (const v of cases) {
      const e = await v.verify(`Bearer ${await token()}`).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(DomainError);
      expect(e).toMatchObject({ code: 'Unauthorized', status: 401, message: 'The signing keys are unavailable.' });
    }
    respond = 'hang';
    const started = Date.now();
    await expect(verifierFor(`${base}/slow`, 200).verify(`Bearer ${await token()}`)).rejects.toMatchObject({ status: 401, message: 'The signing keys are unavailable.' });
    expect(Date.now() - started).toBeLessThan(1500);
    respond = 'jwks';
  });
});
