/**
 * The local service (the Lambda handlers over real HTTP, in front of the embedded S3 API server
 * that verifies SigV4) for the robustness suites, on loopback with ephemeral ports.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type LocalService, startLocal } from '../../local/server.js';
import { tokenFor, withToken } from '../support/local-token.js';
import { LOCAL_S3_CREDENTIALS } from '../../local/local-s3.js';

export interface Local {
  svc: LocalService;
  bucket: string;
  dataDir: string;
  /** An SDK client on the embedded S3 (for reading back what the service stored). */
  s3: S3Client;
  /** The bearer token every `api` call carries (local issuer, subject "robustness"). */
  token: string;
  api: (path: string, init?: RequestInit) => Promise<Response>;
  close: () => Promise<void>;
}

export async function startLocalService(bucket = 'robustness-bucket'): Promise<Local> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dicom-robust-'));
  delete process.env.AWS_ENDPOINT_URL_S3;
  delete process.env.BUCKET_NAME;
  // The local issuer, whatever a handler test of the same file set up (test/support/api-event.ts).
  for (const name of ['AUTH', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_JWKS_URL', 'TENANT_CLAIM']) delete process.env[name];
  const svc = await startLocal({ port: 0, s3Port: 0, dataDir, bucket });
  // Every API call carries a token of the local issuer, as a client of the service does.
  const token = await tokenFor(svc, 'robustness');
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: svc.s3!.endpoint,
    forcePathStyle: true,
    credentials: LOCAL_S3_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    svc,
    bucket,
    dataDir,
    s3,
    token,
    api: (path, init) => fetch(`${svc.url}${path}`, withToken(token, { redirect: 'manual', ...init })),
    close: async () => {
      s3.destroy();
      await svc.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Created {
  id: string;
  uploadUrl: string;
  method: string;
  headers: Record<string, string>;
  expiresAt: string;
}

export async function createUpload(local: Local, size: number, filename = 'robust.dcm'): Promise<{ res: Response; created?: Created }> {
  const res = await local.api('/files', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ size, filename }),
  });
  if (res.status !== 201) return { res };
  return { res, created: (await res.json()) as Created };
}

/** POST /files then PUT to the presigned URL; returns the id (throws on any non-success). */
export async function upload(local: Local, bytes: Uint8Array): Promise<string> {
  const { res, created } = await createUpload(local, bytes.length);
  if (!created) throw new Error(`POST /files answered ${res.status}: ${await res.text()}`);
  const put = await fetch(created.uploadUrl, { method: 'PUT', headers: created.headers, body: Buffer.from(bytes) });
  if (put.status !== 200) throw new Error(`PUT to the presigned URL answered ${put.status}: ${await put.text()}`);
  return created.id;
}

export async function getObject(local: Local, key: string): Promise<Uint8Array | undefined> {
  try {
    const out = await local.s3.send(new GetObjectCommand({ Bucket: local.bucket, Key: key }));
    return out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
  } catch (e) {
    if ((e as { name?: string }).name === 'NoSuchKey' || (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) {
      return undefined;
    }
    throw e;
  }
}

/**
 * Keys stored under a prefix, read from the embedded S3's data directory (s3rver keeps
 * `<dir>/<bucket>/<key>._S3rver_object`): s3rver rejects the SDK's ListObjectsV2 signatures.
 */
/** Keys stored by an S3 server whose root is `s3Root` (the local server's: `<dataDir>/s3`). */
export function storedKeys(s3Root: string, bucket: string, prefix: string): string[] {
  const root = join(s3Root, bucket);
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('._S3rver_object')) continue;
    const dir = (entry as unknown as { parentPath?: string; path?: string }).parentPath ?? (entry as unknown as { path: string }).path;
    const key = join(dir, entry.name.slice(0, -'._S3rver_object'.length)).slice(root.length + 1).split('\\').join('/');
    if (key.startsWith(prefix)) out.push(key);
  }
  return out.sort();
}

export async function listKeys(local: Local, prefix: string): Promise<string[]> {
  return storedKeys(join(local.dataDir, 's3'), local.bucket, prefix);
}

export async function errorOf(res: Response): Promise<{ status: number; code: string; message: string }> {
  const text = await res.text();
  let code = '';
  let message = '';
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    code = body.error?.code ?? '';
    message = body.error?.message ?? '';
  } catch {
    message = text.slice(0, 200);
  }
  return { status: res.status, code, message };
}
