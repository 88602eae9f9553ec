/**
 * The local stand-in for an identity provider, so `npm start` needs none and still runs with
 * authentication on. On first use it makes an RS256 key pair (RSA: the only family API Gateway's
 * JWT authorizer supports, so local tokens are of a kind AWS would accept) and keeps the private
 * key as PKCS#8 PEM in `<dataDir>/auth/signing-key.pem`, mode 0600 in a 0700 directory — under
 * LOCAL_DATA_DIR, never in the repository. Later uses reuse it. The public JWKS is derived from
 * that one file every time, so key and JWKS can never disagree.
 *
 * Claims of an issued token: iss (`http://127.0.0.1:<port>/auth`), sub (the name), aud
 * (LOCAL_AUDIENCE), iat, exp, jti and, with a tenant, `custom:tenant` — the name Cognito gives a
 * custom attribute, so TENANT_CLAIM=custom:tenant selects it here and on a Cognito pool alike.
 */
import { createPrivateKey, createPublicKey, randomUUID, type JsonWebKey } from 'node:crypto';
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportPKCS8,
  generateKeyPair,
  importPKCS8,
  SignJWT,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';

export const LOCAL_AUDIENCE = 'dicom-service-local';
export const LOCAL_TENANT_CLAIM = 'custom:tenant';
/** Where the local server serves the JWKS: `jwksUrlOf(issuer)` of the local issuer. */
export const LOCAL_JWKS_PATH = '/auth/.well-known/jwks.json';

const ALG = 'RS256';
const MAX_TTL_SECONDS = 30 * 24 * 3600;

export interface IssueTokenOptions {
  /** `sub`: the caller's name. */
  subject: string;
  /** Written to `custom:tenant` when given. */
  tenant?: string;
  /** Default LOCAL_AUDIENCE. */
  audience?: string;
  /** Lifetime, 1 s .. 30 days (default 1 h). */
  ttlSeconds?: number;
}

export interface LocalAuth {
  /** `http://127.0.0.1:<port>/auth` */
  issuer: string;
  /** LOCAL_AUDIENCE */
  audience: string;
  /** LOCAL_JWKS_PATH */
  jwksPath: string;
  /** The public JWKS document (one RSA key, `kid` = its RFC 7638 thumbprint). */
  jwks: JSONWebKeySet;
  /** The same keys as a jose key set, for createTokenVerifier (no HTTP round trip to ourselves). */
  keySet: JWTVerifyGetKey;
  /** Where the private key lives. */
  keyFile: string;
  issueToken(options: IssueTokenOptions): Promise<string>;
}

export interface LocalAuthOptions {
  /** LOCAL_DATA_DIR (resolved by the caller). */
  dataDir: string;
  /** The local server's port (PORT), part of the issuer. */
  port: number;
}

export const localIssuer = (port: number): string => `http://127.0.0.1:${port}/auth`;

/**
 * Creates the key file if absent. Written to a private temporary file and then hard-linked into
 * place, so a concurrent first start (server and `npm run token` at once) never reads a
 * half-written key: `link` fails with EEXIST for the loser, who then reads the winner's key.
 */
async function ensureKeyFile(dir: string, keyFile: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  try {
    await readFile(keyFile);
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const { privateKey } = await generateKeyPair(ALG, { modulusLength: 2048, extractable: true });
  const tmp = join(dir, `.signing-key.${process.pid}.${randomUUID()}.tmp`);
  await writeFile(tmp, await exportPKCS8(privateKey), { mode: 0o600, flag: 'wx' });
  await chmod(tmp, 0o600); // the mode given to writeFile is subject to the umask
  try {
    await link(tmp, keyFile);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    await unlink(tmp);
  }
}

export async function loadLocalAuth({ dataDir, port }: LocalAuthOptions): Promise<LocalAuth> {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new TypeError('loadLocalAuth: port must be 1..65535');
  const dir = join(dataDir, 'auth');
  const keyFile = join(dir, 'signing-key.pem');
  await ensureKeyFile(dir, keyFile);
  const pem = await readFile(keyFile, 'utf8');
  let publicJwk: JsonWebKey;
  try {
    publicJwk = createPublicKey(createPrivateKey(pem)).export({ format: 'jwk' });
  } catch {
    throw new Error(`the local signing key ${keyFile} is unreadable; delete it to make a new one`);
  }
  if (publicJwk.kty !== 'RSA') throw new Error(`the local signing key ${keyFile} is not an RSA key; delete it to make a new one`);
  const signingKey = await importPKCS8(pem, ALG);
  const { kty, n, e } = publicJwk as { kty: string; n: string; e: string };
  const kid = await calculateJwkThumbprint({ kty, n, e });
  const jwks: JSONWebKeySet = { keys: [{ kty, n, e, kid, alg: ALG, use: 'sig' }] };
  const issuer = localIssuer(port);

  return {
    issuer,
    audience: LOCAL_AUDIENCE,
    jwksPath: LOCAL_JWKS_PATH,
    jwks,
    keySet: createLocalJWKSet(jwks),
    keyFile,
    async issueToken({ subject, tenant, audience = LOCAL_AUDIENCE, ttlSeconds = 3600 }) {
      if (typeof subject !== 'string' || subject.trim() === '') throw new TypeError('issueToken: subject must be a non-empty string');
      if (tenant !== undefined && (typeof tenant !== 'string' || tenant.trim() === '')) throw new TypeError('issueToken: tenant must be a non-empty string');
      if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TTL_SECONDS) {
        throw new TypeError(`issueToken: ttlSeconds must be an integer 1..${MAX_TTL_SECONDS}`);
      }
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT(tenant === undefined ? {} : { [LOCAL_TENANT_CLAIM]: tenant })
        .setProtectedHeader({ alg: ALG, kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setSubject(subject)
        .setAudience(audience)
        .setIssuedAt(now)
        .setExpirationTime(now + ttlSeconds)
        .setJti(randomUUID())
        .sign(signingKey);
    },
  };
}
