import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { config } from '../lib/config.js';

const require = createRequire(import.meta.url);

/** s3rver's fixed credentials; it verifies SigV4 signatures made with them. */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

const CORS = `<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedHeader>*</AllowedHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>`;

export interface LocalS3 {
  endpoint: string;
  port: number;
  /** The s3rver instance: emits 'event' with S3-shaped ObjectCreated records. */
  server: import('node:events').EventEmitter;
  close(): Promise<void>;
}

/** What this module uses of an s3rver instance (the package has no types). */
type S3rverServer = import('node:events').EventEmitter &
  Parameters<typeof enforceIfNoneMatch>[0] &
  Parameters<typeof signBucketPathAsSent>[0] & { run(): Promise<unknown>; close(): Promise<void> };

/** Starts the embedded S3 API server (@20minutes/s3rver) on loopback with the bucket created. */
export async function startLocalS3(opts: { port: number; directory: string; bucket: string }): Promise<LocalS3> {
  mkdirSync(opts.directory, { recursive: true });
  const S3rver = require('@20minutes/s3rver') as new (options: Record<string, unknown>) => S3rverServer;
  const server = new S3rver({
    // The API's HOST too: in a container the presigned URLs are fetched through a published port.
    address: config().local.host ?? '127.0.0.1',
    port: opts.port,
    directory: opts.directory,
    silent: true,
    vhostBuckets: false,
    configureBuckets: [{ name: opts.bucket, configs: [CORS] }],
  });
  enforceIfNoneMatch(server);
  signBucketPathAsSent(server);
  const address = (await server.run()) as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    port: address.port,
    server,
    close: () => server.close(),
  };
}

/**
 * S3 conditional writes (If-None-Match: *, PutObject): a PUT that carries it fails with 412
 * PreconditionFailed when the key exists. s3rver 4 ignores the header, so this adds it: upload
 * URLs are write-once here as in AWS (lib/upload), and conditional summary writes race as there.
 * The check runs inside s3rver's store write, after its signature check, so a request that is
 * not allowed to write learns nothing (403 first). Two PUTs racing can both pass; local only.
 */
function enforceIfNoneMatch(server: {
  middleware: Array<(ctx: S3rverContext, next: () => Promise<unknown>) => unknown>;
  store: { existsObject(bucket: string, key: string): Promise<boolean>; putObject(object: { bucket: string; key: string }): Promise<unknown> };
}): void {
  const S3Error = require('@20minutes/s3rver/lib/models/error') as new (code: string, message: string, detail: Record<string, string>) => Error;
  const conditional = new AsyncLocalStorage<boolean>();
  // Koa runs middleware in array order; the router (signature check, then the write) is last.
  server.middleware.splice(server.middleware.length - 1, 0, (ctx, next) =>
    conditional.run(ctx.method === 'PUT' && ctx.get('if-none-match').trim() === '*', next),
  );
  const { store } = server;
  const write = store.putObject.bind(store);
  store.putObject = async (object) => {
    if (conditional.getStore() && (await store.existsObject(object.bucket, object.key))) {
      throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-None-Match' });
    }
    return write(object);
  };
}

/**
 * Bucket-level requests (ListObjectsV2: DELETE /files/{id} lists a file's renders): the AWS SDK
 * signs the path-style URI `/{bucket}/` as sent, s3rver 4 canonicalizes it as `/{bucket}` and
 * answers SignatureDoesNotMatch. This signs the URI as it was sent; local only.
 */
function signBucketPathAsSent(server: { middleware: Array<(ctx: S3rverContext, next: () => Promise<unknown>) => unknown> }): void {
  const v4 = require('@20minutes/s3rver/lib/signature/v4') as { getStringToSign: (req: { uri: string }, sig: unknown) => string };
  const sentPath = new AsyncLocalStorage<string>();
  server.middleware.splice(server.middleware.length - 1, 0, (ctx, next) => sentPath.run(ctx.path, next));
  const original = v4.getStringToSign.bind(v4);
  v4.getStringToSign = (req, sig) => {
    const path = sentPath.getStore();
    // Only `/{bucket}/` exactly (one segment and a trailing slash); object keys are untouched.
    const uri = path && /^\/[^/]+\/$/.test(path) && req.uri === path.slice(0, -1) ? `${req.uri}/` : req.uri;
    return original({ ...req, uri }, sig);
  };
}

interface S3rverContext {
  path: string;
  method: string;
  get(header: string): string;
}
