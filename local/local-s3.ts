import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { config } from '../lib/config.js';
import { log } from '../lib/log.js';
import { BUCKET_CORS_RULE } from '../lib/storage/bucket-cors.js';

/** s3rver's fixed credentials; it verifies SigV4 signatures made with them. */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface LocalS3 {
  endpoint: string;
  port: number;
  /** Emits 'event' with the S3-shaped ObjectCreated records of the server. */
  server: EventEmitter;
  close(): Promise<void>;
}

/**
 * The stack's CORS rule (lib/storage/bucket-cors.ts) for any origin, as S3's XML, which s3rver
 * reads: the embedded bucket lets a browser do exactly what the deployed one lets the configured
 * origins do (LOCAL_PROVISION gives an emulator's bucket the same rule).
 */
export function localBucketCorsXml(): string {
  const rule = BUCKET_CORS_RULE;
  const each = (name: string, values: readonly string[]) => values.map((v) => `<${name}>${v}</${name}>`).join('');
  return (
    '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>' +
    each('AllowedMethod', rule.allowedMethods) +
    each('AllowedHeader', rule.allowedHeaders) +
    each('ExposeHeader', rule.exposedHeaders) +
    `<MaxAgeSeconds>${rule.maxAgeSeconds}</MaxAgeSeconds></CORSRule></CORSConfiguration>`
  );
}

/** The worker's file: beside this module from source, beside server.mjs in the container's bundle. */
export const S3_WORKER_FILE = 's3-worker.mjs';

type WorkerMessage = { type: 'ready'; port: number } | { type: 'event'; event: unknown } | { type: 'error'; message: string } | { type: 'closed' };

/**
 * Starts the embedded S3 API server (@20minutes/s3rver) on loopback with the bucket created, in
 * its own worker thread (local/s3-worker.mjs): as in AWS, S3's work runs beside the handlers',
 * not between their steps.
 */
export async function startLocalS3(opts: { port: number; directory: string; bucket: string }): Promise<LocalS3> {
  const file = fileURLToPath(new URL(`./${S3_WORKER_FILE}`, import.meta.url));
  if (!existsSync(file)) throw new Error(`the embedded S3's worker ${S3_WORKER_FILE} is not beside ${fileURLToPath(import.meta.url)}`);
  const worker = new Worker(file, {
    // The API's HOST too: in a container the presigned URLs are fetched through a published port.
    workerData: { address: config().local.host ?? '127.0.0.1', port: opts.port, directory: opts.directory, bucket: opts.bucket, cors: localBucketCorsXml() },
    // The worker runs plain JavaScript: no TypeScript loader (tsx's --import) is needed there.
    execArgv: [],
  });
  const server = new EventEmitter();
  let closed: (() => void) | undefined;
  worker.on('message', (m: WorkerMessage) => {
    if (m.type === 'event') server.emit('event', m.event);
    else if (m.type === 'closed') closed?.();
  });
  const port = await new Promise<number>((resolve, reject) => {
    const onMessage = (m: WorkerMessage) => {
      if (m.type === 'ready') resolve(m.port);
      else if (m.type === 'error') reject(new Error(`the embedded S3 did not start: ${m.message}`));
    };
    worker.on('message', onMessage);
    worker.once('error', (e) => reject(new Error(`the embedded S3 did not start: ${e.message}`)));
    worker.once('exit', (code) => reject(new Error(`the embedded S3's worker exited (${code})`)));
  });
  // Later failures are logged by name (the API then answers S3's absence as it would any outage).
  worker.on('error', (e) => log.error('the embedded S3 worker failed', { errorName: e.name }));
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    server,
    close: async () => {
      const done = new Promise<void>((resolve) => {
        closed = resolve;
        worker.once('exit', () => resolve());
      });
      worker.postMessage({ type: 'close' });
      await done;
      await worker.terminate();
    },
  };
}
