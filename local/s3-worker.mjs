// The embedded S3 API server (@20minutes/s3rver) in its own worker thread, started by
// local/local-s3.ts. In AWS, S3 is another machine: its work never waits for a render. In one
// thread with the handlers it did, so a render and the HEADs the export sends beside it took
// their sum instead of the longer of the two. Plain JavaScript, because a worker thread loads its
// file with Node's own loader (vitest's and tsx's TypeScript transforms do not reach it).
//
// Protocol: workerData { address, port, directory, bucket, cors (the bucket's CORS XML) }; posts { type: 'ready', port },
// { type: 'event', event } for each S3 event record set (ObjectCreated...), { type: 'error',
// message }; on { type: 'close' } stops the server and posts { type: 'closed' }.
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);

/**
 * S3 conditional writes (If-None-Match: *, PutObject): a PUT that carries it fails with 412
 * PreconditionFailed when the key exists. s3rver 4 ignores the header, so this adds it: upload
 * URLs are write-once here as in AWS (lib/upload), and conditional summary writes race as there.
 * The check runs inside s3rver's store write, after its signature check, so a request that is
 * not allowed to write learns nothing (403 first). Two PUTs racing can both pass; local only.
 */
function enforceIfNoneMatch(server) {
  const S3Error = require('@20minutes/s3rver/lib/models/error');
  const conditional = new AsyncLocalStorage();
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
function signBucketPathAsSent(server) {
  const v4 = require('@20minutes/s3rver/lib/signature/v4');
  const sentPath = new AsyncLocalStorage();
  server.middleware.splice(server.middleware.length - 1, 0, (ctx, next) => sentPath.run(ctx.path, next));
  const original = v4.getStringToSign.bind(v4);
  v4.getStringToSign = (req, sig) => {
    const path = sentPath.getStore();
    // Only `/{bucket}/` exactly (one segment and a trailing slash); object keys are untouched.
    const uri = path && /^\/[^/]+\/$/.test(path) && req.uri === path.slice(0, -1) ? `${req.uri}/` : req.uri;
    return original({ ...req, uri }, sig);
  };
}

const port = parentPort;
if (!port) throw new Error('local/s3-worker.mjs runs as a worker thread (local/local-s3.ts starts it)');
const { address, port: listenPort, directory, bucket, cors } = workerData;
try {
  mkdirSync(directory, { recursive: true });
  const S3rver = require('@20minutes/s3rver');
  const server = new S3rver({
    address,
    port: listenPort,
    directory,
    silent: true,
    vhostBuckets: false,
    configureBuckets: [{ name: bucket, configs: [cors] }],
  });
  enforceIfNoneMatch(server);
  signBucketPathAsSent(server);
  const bound = await server.run();
  server.on('event', (event) => port.postMessage({ type: 'event', event }));
  port.on('message', (message) => {
    if (message?.type !== 'close') return;
    void server.close().then(
      () => port.postMessage({ type: 'closed' }),
      () => port.postMessage({ type: 'closed' }),
    );
  });
  port.postMessage({ type: 'ready', port: bound.port });
} catch (e) {
  // The reason only (e.g. EADDRINUSE): no stack crosses to the caller's logs.
  port.postMessage({ type: 'error', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
}
