/**
 * The one HTTP client loop the comparison uses for every server: node:http with a keep-alive
 * agent capped at `connections` sockets per origin, and `connections` workers each sending
 * its next request when the last one's body has been read in full. Redirects (303 from
 * GET /files/{id}/png to the presigned S3 URL) are followed, so a PNG request ends with the
 * PNG bytes in hand, whatever server answered.
 */
import { Agent, request as httpRequest } from 'node:http';
import { type Timing, summarize } from '../measure.js';

export interface Fetched {
  status: number;
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
  /** Requests it took (2 when a redirect was followed). */
  hops: number;
}

export interface Client {
  get(url: string, headers?: Record<string, string>): Promise<Fetched>;
  close(): void;
}

export function makeClient(connections: number): Client {
  const agent = new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const once = (url: string, headers: Record<string, string>) =>
    new Promise<Omit<Fetched, 'hops'>>((ok, fail) => {
      const req = httpRequest(url, { agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => ok({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
        res.on('error', fail);
      });
      req.on('error', fail);
      req.end();
    });
  return {
    async get(url, headers = {}) {
      let res = await once(url, headers);
      let hops = 1;
      while (res.status >= 301 && res.status <= 308 && typeof res.headers.location === 'string' && hops < 5) {
        res = await once(new URL(res.headers.location, url).href, {});
        hops++;
      }
      return { ...res, hops };
    },
    close: () => agent.destroy(),
  };
}

export interface LoadResult {
  requests: number;
  connections: number;
  latency: Timing;
  requestsPerSecond: number;
  non2xx: number;
  /** Median response body size (the PNG, or the JSON). */
  bodyBytes: number;
}

/** `requests` GETs of makeUrl(i) over `connections` sequential workers sharing one keep-alive pool. */
export async function load(
  connections: number,
  requests: number,
  makeUrl: (i: number) => string,
  headers: Record<string, string> = {},
): Promise<LoadResult> {
  const client = makeClient(connections);
  const latencies: number[] = [];
  const sizes: number[] = [];
  let next = 0;
  let non2xx = 0;
  const t0 = performance.now();
  try {
    await Promise.all(
      Array.from({ length: connections }, async () => {
        for (let i = next++; i < requests; i = next++) {
          const s = performance.now();
          const res = await client.get(makeUrl(i), headers);
          latencies.push(performance.now() - s);
          sizes.push(res.body.length);
          if (res.status >= 300) non2xx++;
        }
      }),
    );
  } finally {
    client.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  return { requests, connections, latency: summarize(latencies), requestsPerSecond: requests / seconds, non2xx, bodyBytes: summarize(sizes).median };
}
