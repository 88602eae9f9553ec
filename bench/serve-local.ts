/**
 * The local service in its own process for the HTTP benchmarks (so it does not share an event loop
 * with the benchmark's client): `startLocal` on free loopback ports with
 * the embedded S3 in the given directory. Prints {"url": ...} on one line once listening;
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
process.stdout.write(`${JSON.stringify({ url: svc.url })}\n`);
const stop = () => void svc.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
