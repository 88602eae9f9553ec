/**
 * End-to-end benchmark over HTTP against the local server (loopback only): header requests,
 * cached renders and uncached renders (a new window each request), at 1 and 4 connections.
 * Requests are bounded in count; each client sends its next request when the last answered.
 *
 * The service runs in its own process (bench/service-process.ts), the load client here, so the
 * client's work is not queued behind the server's on one event loop. It runs twice: as
 * deployed (a warm container keeps what it read of ready files, MEMO_TTL_SECONDS=60) and with
 * that memo off (MEMO_TTL_SECONDS=0: every request goes to S3, as on a cold container).
 */
import type { BenchImage } from './fixtures.js';
import { startServiceProcess } from './service-process.js';
import { type Timing, summarize } from './measure.js';

export interface HttpRow {
  /** 'warm memo' or 'memo off' (see the module comment). */
  memo: string;
  scenario: string;
  image: string;
  connections: number;
  requests: number;
  latency: Timing;
  requestsPerSecond: number;
  non2xx: number;
}

/** The running service's bearer token header: requests are measured as deployed, token verification included. */
let auth: Record<string, string> = {};

async function upload(base: string, bytes: Uint8Array): Promise<string> {
  const res = await fetch(`${base}/files`, { method: 'POST', body: JSON.stringify({ size: bytes.length }), headers: { ...auth, 'content-type': 'application/json' } });
  const created = (await res.json()) as { id: string; uploadUrl: string; headers: Record<string, string> };
  const put = await fetch(created.uploadUrl, { method: 'PUT', headers: created.headers, body: Buffer.from(bytes) });
  if (put.status !== 200) throw new Error(`upload failed: ${put.status}`);
  return created.id;
}

async function load(connections: number, requests: number, makePath: (i: number) => string, base: string) {
  const latencies: number[] = [];
  let next = 0;
  let non2xx = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (let i = next++; i < requests; i = next++) {
        const s = performance.now();
        const res = await fetch(`${base}${makePath(i)}`, { headers: { ...auth, accept: 'application/json' } });
        await res.arrayBuffer();
        latencies.push(performance.now() - s);
        if (res.status >= 300) non2xx++;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { latency: summarize(latencies), requestsPerSecond: requests / seconds, non2xx };
}

/** Waits until the upload processor has made the file ready (its pre-renders exist then). */
async function ready(base: string, id: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const info = (await (await fetch(`${base}/files/${id}`, { headers: auth })).json()) as { status: string };
    if (info.status === 'ready') return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('upload not processed within 5 s');
}

export async function benchHttp(images: BenchImage[], requests: number): Promise<HttpRow[]> {
  const rows: HttpRow[] = [];
  for (const [memo, ttl] of [['warm memo', 60], ['memo off', 0]] as const) {
    const service = await startServiceProcess({ MEMO_TTL_SECONDS: String(ttl) });
    const { url } = service;
    auth = service.headers;
    try {
      for (const img of images) {
        const id = await upload(url, img.bytes);
        await ready(url, id);
        // Warm the cached variant once, and the process (JIT, dictionary, S3 connections).
        await fetch(`${url}/files/${id}/png?window=40,400`, { headers: { ...auth, accept: 'application/json' } });
        await fetch(`${url}/files/${id}/tags`, { headers: auth });
        let windowSeed = 0;
        const scenarios: Array<[string, (i: number) => string, number]> = [
          ['header: one tag', () => `/files/${id}/tags/00100010`, requests],
          ['header: whole', () => `/files/${id}/tags`, requests],
          ['png cached', () => `/files/${id}/png?window=40,400`, requests],
          // A window never asked before: a full download, decode, render, encode and store.
          ['png uncached', () => `/files/${id}/png?window=${100 + windowSeed++},${1000 + (windowSeed % 7)}`, Math.max(8, Math.floor(requests / 5))],
        ];
        for (const [scenario, path, n] of scenarios) {
          for (const connections of [1, 4]) {
            const r = await load(connections, n, path, url);
            rows.push({ memo, scenario, image: img.name, connections, requests: n, ...r });
          }
        }
      }
    } finally {
      await service.close();
    }
  }
  return rows;
}
