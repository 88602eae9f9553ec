import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocalS3 } from '../../local/local-s3.js';

const dir = mkdtempSync(join(tmpdir(), 'local-s3-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the embedded S3 in its worker thread', () => {
  it('serves S3 on loopback and stops when closed', async () => {
    const s3 = await startLocalS3({ port: 0, directory: join(dir, 'a'), bucket: 'b' });
    const res = await fetch(`${s3.endpoint}/`);
    expect(res.status).toBeLessThan(500); // s3rver answers (403 without a signature), from the worker
    await s3.close();
    await expect(fetch(`${s3.endpoint}/`)).rejects.toThrow();
  });

  it('answers a browser as the deployed bucket would (the stack\'s CORS rule, any origin)', async () => {
    const s3 = await startLocalS3({ port: 0, directory: join(dir, 'c'), bucket: 'b' });
    try {
      const preflight = (headers: string) =>
        fetch(`${s3.endpoint}/b/uploads/x.dcm`, {
          method: 'OPTIONS',
          headers: { origin: 'http://viewer.test', 'access-control-request-method': 'PUT', 'access-control-request-headers': headers },
        });
      const allowed = await preflight('content-type,if-none-match');
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get('access-control-allow-headers')).toMatch(/if-none-match/);
      // A header the rule does not list is refused, as S3 refuses it (the embedded bucket's own rule allowed any).
      expect((await preflight('x-not-allowed')).status).toBe(403);
    } finally {
      await s3.close();
    }
  });

  it('fails to start with the reason (a port in use), not a hang', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((ok) => blocker.listen(0, '127.0.0.1', () => ok((blocker.address() as { port: number }).port)));
    try {
      await expect(startLocalS3({ port, directory: join(dir, 'b'), bucket: 'b' })).rejects.toThrow(/did not start: .*EADDRINUSE/);
    } finally {
      blocker.close();
    }
  });
});
