/**
 * The local service in its own process for the HTTP benchmarks (so it does not share an event loop
 * with the benchmark's client): `startLocal` on free loopback ports with
 * the embedded S3 in the given directory. Prints {"url": ..., "token": ...} on one line once
 * listening (a 12-hour token of the local issuer; none with AUTH=off);
 * closes on SIGTERM.
 *   node --import tsx bench/serve-local.ts DATA_DIR
 */
import { startLocal } from '../local/server.js';

const dataDir = process.argv[2];
if (!dataDir) {
  process.stderr.write('usage: serve.ts DATA_DIR\n');
  process.exit(2);
}
const svc = await startLocal({ port: 0, s3Port: 0, dataDir, bucket: 'bench' });
const token = await svc.authorizer?.local?.issueToken({ subject: 'bench', ttlSeconds: 12 * 3600 });
process.stdout.write(`${JSON.stringify({ url: svc.url, token })}\n`);
const stop = () => void svc.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
