/**
 * The local service in its own process for the HTTP benchmark (bench/http.ts), as `npm start`
 * runs it: the load client then does not share this event loop. Prints one JSON line with the
 * URL, then serves until stdin closes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocal } from '../local/server.js';

process.env.LOG_LEVEL = 'silent';
const dataDir = mkdtempSync(join(tmpdir(), 'dicom-bench-'));
const svc = await startLocal({ port: 0, s3Port: 0, dataDir, bucket: 'bench' });
process.stdout.write(`${JSON.stringify({ url: svc.url })}\n`);
process.stdin.resume();
process.stdin.on('end', async () => {
  await svc.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
});
