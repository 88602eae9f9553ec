/**
 * End-to-end benchmark over HTTP against the local server (loopback only): header requests,
 * cached renders and uncached renders (a new window each request), at 1 and 4 connections.
 * Requests are bounded in count; each client sends its next request when the last answered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocal } from '../local/server.js';
import type { BenchImage } from './fixtures.js';
import { type Timing, summarize } from './measure.js';

export interface HttpRow {
  scenario: string;
  image: string;
  connections: number;
  requests: number;
  latency: Timing;
  requestsPerSecond: number;
  non2xx: number;
}

async function upload(base: string, bytes: Uint8Array): Promise<string> {
  const res = await fetch(`${base}/files`, { method: 'POST', body: JSON.stringify({ size: bytes.length }), headers: { 'content-type': 'application/json' } });
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
        const res = await fetch(`${base}${makePath(i)}`, { headers: { accept: 'application/json' } });
        await res.arrayBuffer();
        latencies.push(performance.now() - s);
        if (res.status >= 300) non2xx++;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { latency: summarize(latencies), requestsPerSecond: requests / seconds, non2xx };
}

export async function benchHttp(images: BenchImage[], requests: number): Promise<HttpRow[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dicom-bench-'));
  const prevLevel = process.env.LOG_LEVEL;
  process.env.LOG_LEVEL = 'silent';
  const svc = await startLocal({ port: 0, s3Port: 0, dataDir, bucket: 'bench' });
  const rows: HttpRow[] = [];
  try {
    for (const img of images) {
      const id = await upload(svc.url, img.bytes);
      // Warm the cached variant once, and the process (JIT, dictionary, S3 connections).
      await fetch(`${svc.url}/files/${id}/png?window=40,400`, { headers: { accept: 'application/json' } });
      await fetch(`${svc.url}/files/${id}/tags`);
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
          const r = await load(connections, n, path, svc.url);
          rows.push({ scenario, image: img.name, connections, requests: n, ...r });
        }
      }
    }
  } finally {
    await svc.close();
    rmSync(dataDir, { recursive: true, force: true });
    process.env.LOG_LEVEL = prevLevel;
  }
  return rows;
}
