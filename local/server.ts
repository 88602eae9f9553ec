import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2, Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { type Config, config, initConfig, resetConfig } from '../lib/config.js';
import { createS3Client } from '../lib/storage/s3-storage.js';
import { resetDefaultStorage } from '../lib/storage/default-storage.js';
import type { HttpFunctionName } from '../lib/http/routes.js';
import type { HttpResult } from '../lib/http/response.js';
import { DomainError } from '../lib/errors.js';
import { log } from '../lib/log.js';
import { findRoute, lambdaContext, toApiGatewayEvent } from './api-gateway-event.js';
import { type LocalAuthorizer, authorizerClaims, createLocalAuthorizer } from './local-authorizer.js';
import { LOCAL_S3_CREDENTIALS, type LocalS3, startLocalS3 } from './local-s3.js';
import { LocalQueue, matchesUploadNotification } from './local-queue.js';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type Provisioned, UPLOAD_QUEUE, provisionLocal, queueArn, queueNameOf } from './provision.js';
import { SqsConsumer } from './sqs-consumer.js';

type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult>;

export interface LocalOptions {
  port?: number;
  s3Port?: number;
  dataDir?: string;
  bucket?: string;
  host?: string;
  /**
   * Run the upload processor (default true): on the embedded S3 server's object-created events,
   * or, with an external S3, on the upload queue (UPLOAD_QUEUE_URL, or the one LOCAL_PROVISION made).
   */
  processUploads?: boolean;
  /** The upload queue consumer's long-polling wait (default 20 s; tests shorten it). */
  queueWaitSeconds?: number;
}

export interface LocalService {
  url: string;
  /** How tokens are verified; undefined with AUTH=off. `authorizer.local` issues local tokens. */
  authorizer?: LocalAuthorizer;
  s3?: LocalS3;
  /** The stand-in for the processing queue (embedded S3); undefined otherwise. */
  processing?: LocalQueue;
  /** The consumer of the external upload queue (UPLOAD_QUEUE_URL or LOCAL_PROVISION); undefined otherwise. */
  consumer?: SqsConsumer;
  /** What LOCAL_PROVISION found or made on the external endpoints. */
  provisioned?: Provisioned;
  /** The upload queue consumed, when one is. */
  queueUrl?: string;
  close(): Promise<void>;
}

const MAX_REQUEST_BODY = 1024 * 1024;

function errorBody(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify({ error: { code, message } }));
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * With an external S3 (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL), refuses to start when the bucket
 * does not exist there: otherwise every request would answer 503 and the cause be hard to see.
 * Other failures (the endpoint down for a moment) do not stop the start: requests answer 503.
 */
async function requireBucket(cfg: Config): Promise<void> {
  const client = createS3Client({ bucket: cfg.bucketName, region: cfg.region, endpoint: cfg.s3Endpoint, maxAttempts: 1 });
  try {
    // A GET names the missing bucket (NoSuchBucket) where a HEAD's bare 404 or 403 cannot; the
    // key is never written, so the answer is NoSuchKey when the bucket is there.
    await client.send(new GetObjectCommand({ Bucket: cfg.bucketName, Key: '.bucket-probe' }));
  } catch (e) {
    if ((e as { name?: string })?.name === 'NoSuchBucket') {
      throw new Error(
        `The bucket "${cfg.bucketName}" does not exist at ${cfg.s3Endpoint ?? 'the default S3 endpoint'} ` +
          '(BUCKET_NAME, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL). Create it (LOCAL_PROVISION=1 does, with the upload queue), ' +
          'or unset the endpoint to use the embedded S3 server.',
      );
    }
  } finally {
    client.destroy();
  }
}

const sqsClient = (cfg: Config): SQSClient => new SQSClient({ region: cfg.region, endpoint: cfg.localAws.sqsEndpoint, maxAttempts: 3 });

/** LOCAL_PROVISION=1: the bucket, the queues and the notification, made where missing. */
async function provision(cfg: Config): Promise<Provisioned> {
  const s3Client = createS3Client({ bucket: cfg.bucketName, region: cfg.region, endpoint: cfg.s3Endpoint, maxAttempts: 3 });
  const sqs = sqsClient(cfg);
  try {
    const queueName = cfg.localAws.uploadQueueUrl ? queueNameOf(cfg.localAws.uploadQueueUrl) : undefined;
    const out = await provisionLocal({ s3: s3Client, sqs, bucket: cfg.bucketName, region: cfg.region, queueName });
    log.info('LOCAL_PROVISION', { created: out.created.join(',') || 'nothing (all there)' });
    return out;
  } finally {
    s3Client.destroy();
    sqs.destroy();
  }
}

/**
 * Serves the Lambda handlers on loopback the way API Gateway would: it matches the request
 * against the route table, builds a payload 2.0 event and writes the handler's result.
 * Without an S3 endpoint (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL) it embeds a local S3 API
 * server; with one, it consumes the upload queue when there is one (UPLOAD_QUEUE_URL, or the
 * one LOCAL_PROVISION=1 makes).
 */
export async function startLocal(opts: LocalOptions = {}): Promise<LocalService> {
  const host = opts.host ?? '127.0.0.1';
  const dataDir = resolve(opts.dataDir ?? (await initConfig()).local.dataDir);
  let s3: LocalS3 | undefined;
  resetConfig();
  // An S3 endpoint named by the environment (AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL: lib/config.ts).
  const external = config().s3Endpoint !== undefined;
  if (!external) {
    const bucket = opts.bucket ?? config().bucketName;
    s3 = await startLocalS3({
      port: opts.s3Port ?? config().local.s3Port,
      // A subdirectory: the S3 server lists every directory of its root as a bucket, and the
      // data directory also holds the local signing key (<dataDir>/auth, local/local-auth.ts).
      directory: s3Directory(dataDir, bucket),
      bucket,
    });
    process.env.AWS_ENDPOINT_URL_S3 = s3.endpoint;
    process.env.BUCKET_NAME = bucket;
    process.env.AWS_ACCESS_KEY_ID = LOCAL_S3_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = LOCAL_S3_CREDENTIALS.secretAccessKey;
    delete process.env.AWS_SESSION_TOKEN;
    process.env.AWS_REGION ??= 'us-east-1';
  }
  resetConfig();
  resetDefaultStorage();
  const started = await initConfig();
  let provisioned: Provisioned | undefined;
  if (!s3 && started.localAws.provision) provisioned = await provision(started);
  else if (!s3) await requireBucket(started);
  const auth = started.auth;
  if (auth.mode === 'off') {
    log.warn('AUTH=off: no token is checked and every file belongs to the one anonymous tenant; for a demo only');
  }

  // The same modules Lambda loads, imported after the environment is set.
  const handlers: Record<HttpFunctionName, LambdaHandler> = {
    upload: (await import('../functions/upload.js')).handler,
    header: (await import('../functions/header.js')).handler,
    export: (await import('../functions/export.js')).handler,
  };

  // The bucket notification -> SQS -> processor path of the stack: the embedded S3 server emits
  // S3-shaped ObjectCreated records; those the stack's notification filter would pass
  // (uploads/*.dcm) go, as the body of an SQS message, to the same processor handler.
  let processing: LocalQueue | undefined;
  let onS3Event: ((event: unknown) => void) | undefined;
  if (s3 && (opts.processUploads ?? true)) {
    const processor = (await import('../functions/processor.js')).handler;
    const queue = new LocalQueue(processor);
    onS3Event = (event) => {
      if (matchesUploadNotification(event)) queue.send(JSON.stringify(event));
    };
    s3.server.on('event', onS3Event);
    processing = queue;
  }
  // With an external S3: its notifications reach the upload queue, consumed here as Lambda's
  // SQS event source would, by the same processor handler.
  let consumer: SqsConsumer | undefined;
  const queueUrl = provisioned?.queueUrl ?? config().localAws.uploadQueueUrl;
  if (!s3 && queueUrl && (opts.processUploads ?? true)) {
    const cfg = config();
    const processor = (await import('../functions/processor.js')).handler as (e: SQSEvent) => Promise<SQSBatchResponse>;
    const client = sqsClient(cfg);
    consumer = new SqsConsumer({
      client,
      queueUrl,
      queueArn: await queueArn(client, queueUrl),
      region: cfg.region,
      handler: processor,
      batchSize: UPLOAD_QUEUE.batchSize,
      waitTimeSeconds: opts.queueWaitSeconds,
    });
    consumer.start();
  }

  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- the handler catches every error itself (below)
  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      // The browser side of the contract: any origin locally (a deployment names its origins,
      // infra/), and the Authorization header allowed, as API Gateway's CORS configuration does.
      res.setHeader('access-control-allow-origin', '*');
      // The handlers answer x-request-id (the caller's, or the request id): a page may read it.
      res.setHeader('access-control-expose-headers', 'x-request-id, location');
      if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
        res.writeHead(204, {
          'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
          'access-control-allow-headers': 'authorization, content-type, accept, range, x-request-id',
          'access-control-max-age': '600',
        });
        return void res.end();
      }
      if (authorizer?.local && req.method === 'GET' && url.pathname === authorizer.local.jwksPath) {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'max-age=300' });
        return void res.end(JSON.stringify(authorizer.local.jwks));
      }
      const matched = findRoute(req.method ?? 'GET', url.pathname);
      if (matched === undefined) return errorBody(res, 404, 'NotFound', `No route for ${req.method} ${url.pathname}.`);
      if (matched === 'method-not-allowed') {
        return errorBody(res, 405, 'MethodNotAllowed', `${req.method} is not allowed on ${url.pathname}.`);
      }
      let claims: Record<string, string> | undefined;
      if (!matched.route.public && authorizer) {
        // As API Gateway's authorizer: refused before the function is invoked, with no access to it.
        try {
          claims = authorizerClaims(await authorizer.verify(req.headers.authorization));
        } catch (e) {
          const message = e instanceof DomainError ? e.message : 'The token could not be verified.';
          return errorBody(res, 401, 'Unauthorized', message, { 'www-authenticate': 'Bearer' });
        }
      }
      const body = await readBody(req);
      if (!body) return errorBody(res, 413, 'PayloadTooLarge', 'Request bodies are limited to 1 MiB; upload files to the presigned URL.');
      const event = toApiGatewayEvent(req, matched, body, claims);
      const fn = matched.route.function;
      const result = await handlers[fn](event, lambdaContext(`dicom-${fn}`));
      const payload = result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
      const headers: Record<string, string | number | boolean> = { ...(result.headers ?? {}), 'content-length': payload.length };
      res.writeHead(result.statusCode, headers as Record<string, string>);
      res.end(payload);
    } catch {
      // The handlers map every error themselves; reaching here is a bug in this adapter.
      if (!res.headersSent) errorBody(res, 500, 'InternalError', 'The local server failed to handle the request.');
      else res.end();
    }
  });
  let authorizer: LocalAuthorizer | undefined;
  await new Promise<void>((ok) => server.listen(opts.port ?? config().local.port, host, ok));
  const { port } = server.address() as AddressInfo;
  // The local issuer's name holds the port, so it is made once the port is known; the handlers
  // learn the trusted issuer from the environment, as the stack tells the functions.
  const savedAuthEnv = { AUTH_ISSUER: process.env.AUTH_ISSUER, AUTH_AUDIENCE: process.env.AUTH_AUDIENCE };
  if (auth.mode === 'jwt') {
    try {
      authorizer = await createLocalAuthorizer(auth, { dataDir, port });
    } catch (e) {
      await new Promise<void>((ok) => server.close(() => ok()));
      if (s3 && onS3Event) s3.server.off('event', onS3Event);
      await processing?.close();
      await consumer?.stop();
      if (s3) await s3.close();
      throw e;
    }
    if (authorizer.local) {
      process.env.AUTH_ISSUER = authorizer.issuer;
      process.env.AUTH_AUDIENCE = authorizer.audiences.join(',');
      resetConfig();
    }
  }
  return {
    url: `http://${host}:${port}`,
    authorizer,
    s3,
    processing,
    consumer,
    provisioned,
    queueUrl: consumer ? queueUrl : undefined,
    close: async () => {
      await new Promise<void>((ok) => server.close(() => ok()));
      server.closeAllConnections?.();
      if (s3 && onS3Event) s3.server.off('event', onS3Event);
      await processing?.close();
      await consumer?.stop();
      if (s3) await s3.close();
      if (authorizer?.local) {
        for (const [k, v] of Object.entries(savedAuthEnv)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
        resetConfig();
      }
    },
  };
}

/**
 * The embedded S3 server's root, `<dataDir>/s3`. A bucket left directly under the data directory
 * by an earlier version is moved there once, so `npm start` keeps its files.
 */
function s3Directory(dataDir: string, bucket: string): string {
  const dir = join(dataDir, 's3');
  const legacy = join(dataDir, bucket);
  if (!existsSync(dir) && existsSync(legacy)) {
    mkdirSync(dir, { recursive: true });
    renameSync(legacy, join(dir, bucket));
  }
  return dir;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // HOST=0.0.0.0 in a container, whose published ports reach it from outside (Dockerfile).
  startLocal({ host: config().local.host })
    .then((svc) => {
      process.stdout.write(
        `DICOM service on ${svc.url} (S3: ${svc.s3 ? `embedded at ${svc.s3.endpoint}, data in ${resolve(config().local.dataDir)}` : config().s3Endpoint}; bucket ${config().bucketName})\n` +
          `Contract: ${svc.url}/openapi  Docs: ${svc.url}/docs\n` +
          (svc.authorizer?.local
            ? `Auth: tokens of the local issuer ${svc.authorizer.issuer}: TOKEN=$(npm run --silent token -- <name>), then -H "authorization: Bearer $TOKEN"\n`
            : svc.authorizer
              ? `Auth: tokens of ${svc.authorizer.issuer} (audience ${svc.authorizer.audiences.join(', ')})\n`
              : 'Auth: OFF (AUTH=off): no token is checked and every file belongs to one anonymous tenant. For a demo only.\n') +
          (svc.provisioned ? `LOCAL_PROVISION: ${svc.provisioned.created.length ? `created ${svc.provisioned.created.join(', ')}` : 'all there, nothing created'}\n` : '') +
          (svc.processing
            ? 'Uploads are processed on arrival (status pending -> ready | rejected), as the SQS-driven processor does in AWS.\n'
            : svc.consumer
              ? `Uploads are processed from the queue ${svc.queueUrl} (status pending -> ready | rejected), by the processor Lambda's handler.\n`
              : 'Uploads are NOT processed: no upload queue is named (UPLOAD_QUEUE_URL, or LOCAL_PROVISION=1), so GET /files/{id} stays "pending" (header and PNG export still work).\n'),
      );
      const stop = () => void svc.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    })
    .catch((e: unknown) => {
      process.stderr.write(`Could not start: ${(e as Error)?.message ?? String(e)}\n`);
      process.exit(1);
    });
}
