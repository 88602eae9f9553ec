import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

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

/** Starts the embedded S3 API server (@20minutes/s3rver) on loopback with the bucket created. */
export async function startLocalS3(opts: { port: number; directory: string; bucket: string }): Promise<LocalS3> {
  mkdirSync(opts.directory, { recursive: true });
  const S3rver = require('@20minutes/s3rver');
  const server = new S3rver({
    address: '127.0.0.1',
    port: opts.port,
    directory: opts.directory,
    silent: true,
    vhostBuckets: false,
    configureBuckets: [{ name: opts.bucket, configs: [CORS] }],
  });
  const address = (await server.run()) as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    port: address.port,
    server,
    close: () => server.close(),
  };
}
