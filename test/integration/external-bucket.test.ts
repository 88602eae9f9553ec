/**
 * The local server in front of an external S3 endpoint (AWS_ENDPOINT_URL_S3 + BUCKET_NAME):
 * a bucket that does not exist there stops the start with a message naming it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetConfig } from '../../lib/config.js';
import { resetDefaultStorage } from '../../lib/storage/default-storage.js';
import { LOCAL_S3_CREDENTIALS, type LocalS3, startLocalS3 } from '../../local/local-s3.js';
import { startLocal } from '../../local/server.js';

const NAMES = ['AWS_ENDPOINT_URL_S3', 'BUCKET_NAME', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION'] as const;
const saved = Object.fromEntries(NAMES.map((n) => [n, process.env[n]]));
let s3: LocalS3;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'dicom-external-'));
  s3 = await startLocalS3({ port: 0, directory: dataDir, bucket: 'existing-bucket' });
  process.env.AWS_ENDPOINT_URL_S3 = s3.endpoint;
  process.env.AWS_ACCESS_KEY_ID = LOCAL_S3_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = LOCAL_S3_CREDENTIALS.secretAccessKey;
  process.env.AWS_REGION = 'us-east-1';
});

afterAll(async () => {
  await s3?.close();
  for (const n of NAMES) {
    if (saved[n] === undefined) delete process.env[n];
    else process.env[n] = saved[n];
  }
  resetConfig();
  resetDefaultStorage();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('local server with an external S3 endpoint', () => {
  it('refuses to start when BUCKET_NAME names a bucket that does not exist there, naming it', async () => {
    process.env.BUCKET_NAME = 'no-such-bucket-here';
    await expect(startLocal({ port: 0, dataDir: join(dataDir, 'local') })).rejects.toThrow(/bucket "no-such-bucket-here" does not exist/);
  });

  it('starts when the bucket exists', async () => {
    process.env.BUCKET_NAME = 'existing-bucket';
    const svc = await startLocal({ port: 0, dataDir: join(dataDir, 'local') });
    try {
      expect((await fetch(`${svc.url}/openapi`)).status).toBe(200);
    } finally {
      await svc.close();
    }
  });
});
