/**
 * Storage faults: S3 throttling (503 SlowDown), timeouts and dropped connections.
 *
 * A. Through the SDK middleware stack of a createS3Client(...) client on the embedded S3: the
 *    fault middleware sits inside the retry middleware, so it sees (and counts) every attempt.
 *    Shows retries with backoff, the 503 StorageUnavailable / 504 StorageTimeout mapping when
 *    attempts run out, and that a PutObject failure during export leaves no cache object (or a
 *    complete, valid PNG when a retry succeeds).
 * B. Through a fault-injecting HTTP proxy on loopback in front of the embedded S3, with the
 *    whole local service: what a client sees is a clean JSON 503/504, in bounded time.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../lib/errors.js';
import { vrLookup } from '../../lib/dicom/dictionary.js';
import { parseDicom } from '../../lib/dicom/parse.js';
import { ExportService } from '../../lib/export/export-service.js';
import { renderPng } from '../../lib/render/render-frame.js';
import { S3Storage, createS3Client } from '../../lib/storage/s3-storage.js';
import { uploadKey } from '../../lib/storage/object-keys.js';
import { LOCAL_S3_CREDENTIALS, type LocalS3, startLocalS3 } from '../../local/local-s3.js';
import { type LocalService, startLocal } from '../../local/server.js';
import { tenantOfSubject, tokenFor, withToken } from '../support/local-token.js';
import { makeImageDicom } from './fixtures.js';
import { storedKeys } from './local.js';
/** A tenant segment (lib/auth/tenant.ts format): every key of a file carries one. */
const T = 't0123456789abcdef0123456789abcdef';

const BUCKET = 'faults-bucket';
const FILE_ID = '0d7f5c1e-2b3a-4c5d-8e9f-a0b1c2d3e4f5';
const fixture = makeImageDicom({
  rows: 24,
  columns: 20,
  bitsAllocated: 16,
  bitsStored: 12,
  window: { center: 1000, width: 2000 },
  pixel: (_f, r, c) => (r * 150 + c * 11) & 0xfff,
});

type Fault = 'slowdown' | 'timeout' | 'reset' | 'socket-hang-up';

interface FaultPlan {
  /** Command name (HeadObjectCommand, GetObjectCommand, PutObjectCommand) -> fault. */
  command: string;
  fault: Fault;
  /** Fail this many attempts, then pass (Infinity: always fail). */
  times: number;
}

/** Per-attempt fault injection inside the SDK's retry loop; records every attempt's time. */
function withFaults(client: S3Client) {
  const state = { plan: undefined as FaultPlan | undefined, attempts: [] as Array<{ command: string; at: number; faulted: boolean }> };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = (context as { commandName?: string }).commandName ?? '?';
      const plan = state.plan;
      const seen = state.attempts.filter((a) => a.command === command).length;
      const faulted = !!plan && plan.command === command && seen < plan.times;
      state.attempts.push({ command, at: performance.now(), faulted });
      if (!faulted) return next(args);
      if (plan.fault === 'slowdown') {
        // A real S3 throttling answer, through the real deserializer (so the SDK classifies it).
        const body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>R</RequestId></Error>';
        return {
          // The shape of @smithy/protocol-http's HttpResponse (not a direct dependency).
          response: {
            statusCode: 503,
            reason: 'Slow Down',
            headers: { 'content-type': 'application/xml', 'x-amz-request-id': 'R' },
            body: Readable.from([Buffer.from(body)]),
          },
          output: undefined as never,
        };
      }
      if (plan.fault === 'timeout') {
        throw Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError', code: 'ETIMEDOUT' });
      }
      if (plan.fault === 'socket-hang-up') {
        // Exactly what @smithy/node-http-handler throws when S3 drops the connection.
        throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' });
      }
      throw Object.assign(new Error('read ECONNRESET'), { name: 'Error', code: 'ECONNRESET' });
    },
    // Inside the retry middleware (finalizeRequest) and the deserializer: once per attempt.
    { step: 'deserialize', priority: 'low', name: 'robustnessFaults' },
  );
  return state;
}

describe('A. SDK middleware faults on the embedded S3', () => {
  let s3: LocalS3;
  let dataDir: string;
  let client: S3Client;
  let storage: S3Storage;
  let faults: ReturnType<typeof withFaults>;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dicom-faults-'));
    s3 = await startLocalS3({ port: 0, directory: join(dataDir, 's3'), bucket: BUCKET });
    process.env.AWS_ACCESS_KEY_ID = LOCAL_S3_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = LOCAL_S3_CREDENTIALS.secretAccessKey;
    delete process.env.AWS_SESSION_TOKEN;
    client = createS3Client({ bucket: BUCKET, region: 'us-east-1', endpoint: s3.endpoint, maxAttempts: 4 });
    storage = new S3Storage(client, BUCKET);
    faults = withFaults(client);
    await storage.put(uploadKey({ tenant: T, id: FILE_ID }), fixture, 'application/dicom');
  }, 30_000);

  afterAll(async () => {
    client?.destroy();
    await s3?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const reset = (plan?: FaultPlan) => {
    faults.plan = plan;
    faults.attempts = [];
  };
  const attemptsOf = (command: string) => faults.attempts.filter((a) => a.command === command);
  const gaps = (command: string) => {
    const t = attemptsOf(command).map((a) => a.at);
    return t.slice(1).map((x, i) => Math.round(x - t[i]));
  };

  it('retries SlowDown with backoff and succeeds on the third attempt', async () => {
    reset({ command: 'HeadObjectCommand', fault: 'slowdown', times: 2 });
    const info = await storage.head(uploadKey({ tenant: T, id: FILE_ID }));
    expect(info?.size).toBe(fixture.length);
    expect(attemptsOf('HeadObjectCommand')).toHaveLength(3);
    const g = gaps('HeadObjectCommand');
    console.log(`[robustness] SlowDown x2 then success: attempt gaps ${g.join(', ')} ms`);
    // Throttling backoff (SDK standard retry: random jitter over an exponential base).
    expect(g.reduce((a, b) => a + b, 0)).toBeGreaterThan(5);
  });

  it.each([
    ['slowdown', 'StorageUnavailable', 503],
    ['timeout', 'StorageTimeout', 504],
    ['reset', 'StorageUnavailable', 503],
    // A dropped connection is not a timeout: the SDK names it TimeoutError but its code is ECONNRESET.
    ['socket-hang-up', 'StorageUnavailable', 503],
  ] as const)('%s on every attempt: 4 attempts, then DomainError %s (%d)', async (fault, code, status) => {
    reset({ command: 'GetObjectCommand', fault, times: Infinity });
    const e = await storage.getRange(uploadKey({ tenant: T, id: FILE_ID }), 0, 1023).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).code).toBe(code);
    expect((e as DomainError).status).toBe(status);
    expect(attemptsOf('GetObjectCommand')).toHaveLength(4);
    console.log(`[robustness] ${fault} always: 4 attempts, gaps ${gaps('GetObjectCommand').join(', ')} ms -> ${code}`);
  });

  it('PutObject of the render failing on every attempt: 503, and no cache object is left', async () => {
    const id = '1d7f5c1e-2b3a-4c5d-8e9f-a0b1c2d3e4f5';
    reset();
    await storage.put(uploadKey({ tenant: T, id: id }), fixture, 'application/dicom');
    reset({ command: 'PutObjectCommand', fault: 'reset', times: Infinity });
    const e = await new ExportService(storage, { renderUrlTtlSeconds: 60, maxUploadBytes: 10 * 1024 * 1024 }).exportPng({ tenant: T, id }, { frame: 1, bitDepth: 8 }).catch((x: unknown) => x);
    expect((e as DomainError).status).toBe(503);
    expect(attemptsOf('PutObjectCommand')).toHaveLength(4);
    reset();
    expect(storedKeys(join(dataDir, 's3'), BUCKET, `renders/${T}/${id}/`)).toEqual([]);
  });

  it('PutObject of the render failing twice then succeeding: one complete PNG equal to a fresh render', async () => {
    const id = '2d7f5c1e-2b3a-4c5d-8e9f-a0b1c2d3e4f5';
    reset();
    await storage.put(uploadKey({ tenant: T, id: id }), fixture, 'application/dicom');
    reset({ command: 'PutObjectCommand', fault: 'slowdown', times: 2 });
    const out = await new ExportService(storage, { renderUrlTtlSeconds: 60, maxUploadBytes: 10 * 1024 * 1024 }).exportPng({ tenant: T, id }, { frame: 1, bitDepth: 16 });
    expect(out.cached).toBe(false);
    expect(attemptsOf('PutObjectCommand')).toHaveLength(3);
    reset();
    const listed = storedKeys(join(dataDir, 's3'), BUCKET, `renders/${T}/${id}/`);
    expect(listed).toHaveLength(1);
    const key = listed[0];
    const cached = await storage.get(key);
    const fresh = await renderPng(parseDicom(fixture, { vrLookup }), { frame: 1, bitDepth: 16 });
    expect(Buffer.from(cached!).equals(Buffer.from(fresh.png))).toBe(true);
    const png = PNG.sync.read(Buffer.from(cached!));
    expect([png.width, png.height]).toEqual([20, 24]);
  });
});

// ---------------------------------------------------------------------------------------------

type ProxyFault = 'pass' | 'slowdown' | 'stall' | 'drop' | 'truncate-body';

/** A loopback HTTP proxy in front of the embedded S3 that can throttle, stall or drop requests. */
async function startFaultProxy(upstream: string) {
  const target = new URL(upstream);
  const state = {
    decide: (_req: IncomingMessage): ProxyFault => 'pass',
    seen: [] as Array<{ method: string; path: string; fault: ProxyFault }>,
  };
  const stalled = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    const fault = state.decide(req);
    state.seen.push({ method: req.method ?? '', path: (req.url ?? '').split('?')[0], fault });
    if (fault === 'slowdown') {
      req.resume();
      res.writeHead(503, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
      return;
    }
    if (fault === 'stall') {
      req.resume();
      stalled.add(res);
      return;
    }
    if (fault === 'drop') {
      req.resume();
      req.socket.destroy();
      return;
    }
    const up = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => req.socket.destroy());
    if (fault === 'truncate-body') {
      // Forward half the body with the full Content-Length, then cut both connections.
      const length = Number(req.headers['content-length'] ?? 0);
      let sent = 0;
      req.on('data', (chunk: Buffer) => {
        const room = Math.max(0, Math.floor(length / 2) - sent);
        if (room > 0) up.write(chunk.subarray(0, room));
        sent += chunk.length;
        if (sent >= length / 2) {
          up.destroy();
          req.socket.destroy();
        }
      });
      return;
    }
    req.pipe(up);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    state,
    close: async () => {
      for (const r of stalled) r.socket?.destroy();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

describe('B. a fault-injecting proxy in front of S3, through the local service', () => {
  let s3: LocalS3;
  let dataDir: string;
  let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
  let svc: LocalService;
  let id: string;
  let token: string;

  const api = (path: string, init?: RequestInit) =>
    fetch(`${svc.url}${path}`, withToken(token, { redirect: 'manual', signal: AbortSignal.timeout(40_000), ...init }));
  const isGet = (req: IncomingMessage) => req.method === 'GET' && /\/uploads\/.+\.dcm/.test(req.url ?? '');
  const isRenderPut = (req: IncomingMessage) => req.method === 'PUT' && /\/renders\//.test(req.url ?? '');

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dicom-faults-proxy-'));
    s3 = await startLocalS3({ port: 0, directory: join(dataDir, 's3'), bucket: BUCKET });
    proxy = await startFaultProxy(s3.endpoint);
    process.env.AWS_ENDPOINT_URL_S3 = proxy.endpoint;
    process.env.BUCKET_NAME = BUCKET;
    process.env.AWS_ACCESS_KEY_ID = LOCAL_S3_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = LOCAL_S3_CREDENTIALS.secretAccessKey;
    process.env.AWS_REGION = 'us-east-1';
    // dataDir: where the local issuer keeps its signing key (the S3 data is behind the proxy).
    svc = await startLocal({ port: 0, dataDir: join(dataDir, 'local') });
    token = await tokenFor(svc, 'faults');
    const created = (await (await api('/files', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ size: fixture.length }) })).json()) as {
      id: string;
      uploadUrl: string;
      headers: Record<string, string>;
    };
    const put = await fetch(created.uploadUrl, { method: 'PUT', headers: created.headers, body: Buffer.from(fixture) });
    expect(put.status).toBe(200);
    id = created.id;
  }, 60_000);

  afterAll(async () => {
    await svc?.close();
    await proxy?.close();
    await s3?.close();
    delete process.env.AWS_ENDPOINT_URL_S3;
    delete process.env.BUCKET_NAME;
    rmSync(dataDir, { recursive: true, force: true });
  });

  const expectJsonError = async (res: Response, status: number, code: string) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
  };

  it('S3 throttling every GET: the header route answers 503 StorageUnavailable JSON after 4 attempts', async () => {
    proxy.state.seen = [];
    proxy.state.decide = (req) => (isGet(req) ? 'slowdown' : 'pass');
    const t0 = performance.now();
    const res = await api(`/files/${id}/tags`);
    const ms = Math.round(performance.now() - t0);
    await expectJsonError(res, 503, 'StorageUnavailable');
    const gets = proxy.state.seen.filter((s) => s.method === 'GET');
    console.log(`[robustness] proxy SlowDown on GET: ${gets.length} attempts, 503 after ${ms} ms`);
    expect(gets).toHaveLength(4);
  }, 60_000);

  it('S3 dropping every GET connection: 503 StorageUnavailable JSON', async () => {
    proxy.state.seen = [];
    proxy.state.decide = (req) => (isGet(req) ? 'drop' : 'pass');
    const res = await api(`/files/${id}/tags`);
    // 503 StorageUnavailable is right; 504 is what the misclassification in part A gives today.
    expect([503, 504]).toContain(res.status);
    await expectJsonError(res, res.status, res.status === 503 ? 'StorageUnavailable' : 'StorageTimeout');
    expect(proxy.state.seen.filter((s) => s.method === 'GET').length).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('S3 never answering a GET: 504 StorageTimeout JSON within the header function timeout (15 s)', async () => {
    proxy.state.seen = [];
    proxy.state.decide = (req) => (isGet(req) ? 'stall' : 'pass');
    const t0 = performance.now();
    const res = await api(`/files/${id}/tags`, { signal: AbortSignal.timeout(16_000) }).catch((e: unknown) => e as Error);
    const ms = Math.round(performance.now() - t0);
    console.log(`[robustness] proxy stall on GET: answered after ${ms} ms (${res instanceof Response ? res.status : (res).name})`);
    expect(res, 'the request must end before the client gives up at 16 s').toBeInstanceOf(Response);
    await expectJsonError(res as Response, 504, 'StorageTimeout');
    expect(ms).toBeLessThan(15_000);
  }, 60_000);

  it('render PUT cut mid-body on every attempt: 503 JSON and no partial PNG in the cache; then a clean export caches a valid PNG', async () => {
    proxy.state.seen = [];
    proxy.state.decide = (req) => (isRenderPut(req) ? 'truncate-body' : 'pass');
    const res = await api(`/files/${id}/png?bitDepth=8`, { headers: { accept: 'application/json' } });
    expect([503, 504]).toContain(res.status);
    await expectJsonError(res, res.status, res.status === 503 ? 'StorageUnavailable' : 'StorageTimeout');
    proxy.state.decide = () => 'pass';
    const keys = storedKeys(join(dataDir, 's3'), BUCKET, `renders/${tenantOfSubject(svc, 'faults')}/${id}/`);
    for (const key of keys) {
      const bytes = await getDirect(s3.endpoint, key);
      expect(() => PNG.sync.read(Buffer.from(bytes)), `${key} is a complete PNG`).not.toThrow();
    }
    const ok = await api(`/files/${id}/png?bitDepth=8`, { headers: { accept: 'application/json' } });
    expect(ok.status).toBe(200);
    const [key] = storedKeys(join(dataDir, 's3'), BUCKET, `renders/${tenantOfSubject(svc, 'faults')}/${id}/`);
    const cached = await getDirect(s3.endpoint, key);
    const fresh = await renderPng(parseDicom(fixture, { vrLookup }), { frame: 1, bitDepth: 8 });
    expect(Buffer.from(cached).equals(Buffer.from(fresh.png))).toBe(true);
  }, 60_000);
});

async function directClient(endpoint: string) {
  const { S3Client: Client } = await import('@aws-sdk/client-s3');
  return new Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: LOCAL_S3_CREDENTIALS });
}
async function getDirect(endpoint: string, key: string): Promise<Uint8Array> {
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  const c = await directClient(endpoint);
  try {
    const out = await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return await out.Body!.transformToByteArray();
  } finally {
    c.destroy();
  }
}
