import { type Config, config } from '../config.js';
import { traceClient } from '../observability/tracer.js';
import { S3Storage, createS3Client } from './s3-storage.js';
import type { Storage } from './storage.js';

let instance: Storage | undefined;

/** One S3 client per Lambda container, created on first use and reused across invocations; its calls are traced in Lambda. */
export function defaultStorage(): Storage {
  if (!instance) {
    const c = config();
    instance = new S3Storage(traceClient(createS3Client({ bucket: c.bucketName, region: c.region, endpoint: c.s3Endpoint })), c.bucketName);
  }
  return instance;
}

/** For tests and the local server after they change the environment. */
export function resetDefaultStorage(): void {
  instance = undefined;
}

/**
 * A service built once per container from the container's storage and configuration, with
 * whatever it keeps in memory (its memos). Built again only when either was reset (tests and
 * the local server change the environment, then call resetConfig / resetDefaultStorage).
 */
export function perContainer<T>(build: (storage: Storage, cfg: Config) => T): () => T {
  let made: { storage: Storage; cfg: Config; value: T } | undefined;
  return () => {
    const storage = defaultStorage();
    const cfg = config();
    if (made?.storage !== storage || made.cfg !== cfg) made = { storage, cfg, value: build(storage, cfg) };
    return made.value;
  };
}
