import { config } from '../config.js';
import { S3Storage, createS3Client } from './s3-storage.js';
import type { Storage } from './storage.js';

let instance: Storage | undefined;

/** One S3 client per Lambda container, created on first use and reused across invocations. */
export function defaultStorage(): Storage {
  if (!instance) {
    const c = config();
    instance = new S3Storage(createS3Client({ bucket: c.bucketName, region: c.region, endpoint: c.s3Endpoint }), c.bucketName);
  }
  return instance;
}

/** For tests and the local server after they change the environment. */
export function resetDefaultStorage(): void {
  instance = undefined;
}
