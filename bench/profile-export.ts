/**
 * Where an uncached GET /files/{id}/png (a new window on a ready file, warm container) spends
 * its time, step by step, in process: the embedded S3 (s3rver) on loopback, the same S3 client
 * the service uses, and the steps ExportService takes, each timed alone. Median of BENCH_RUNS.
 *   npx tsx bench/profile-export.ts
 */
import './bench-env.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vrLookup } from '../lib/dicom/dictionary.js';
import { parseDicom } from '../lib/dicom/parse.js';
import { readImageInfo } from '../lib/pixels/image-info.js';
import { encodeRendered, renderPixels } from '../lib/render/render-frame.js';
import { S3Storage, createS3Client } from '../lib/storage/s3-storage.js';
import { LOCAL_S3_CREDENTIALS, startLocalS3 } from '../local/local-s3.js';
import { ct512, dx2048 } from './fixtures.js';
import { ms, table, time } from './measure.js';

const runs = Number(process.env.BENCH_RUNS ?? 30);
const dir = mkdtempSync(join(tmpdir(), 'dicom-profile-'));
process.env.AWS_ACCESS_KEY_ID = LOCAL_S3_CREDENTIALS.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = LOCAL_S3_CREDENTIALS.secretAccessKey;
const s3 = await startLocalS3({ port: 0, directory: dir, bucket: 'profile' });
const storage = new S3Storage(createS3Client({ bucket: 'profile', region: 'us-east-1', endpoint: s3.endpoint }), 'profile');
const rows: (string | number)[][] = [];
try {
  for (const img of [ct512(), dx2048()]) {
    let w = 0;
    const parsed = parseDicom(img.bytes, { vrLookup });
    const px = await renderPixels(parsed, { frame: 1, bitDepth: 8, window: { center: 40, width: 400, fn: 'linear' } });
    const png = encodeRendered(px).png;
    const steps: Array<[string, () => unknown]> = [
      ['HEAD render key (miss)', () => storage.head(`renders/none/${w++}.png`)],
      ['parseDicom', () => parseDicom(img.bytes, { vrLookup })],
      ['readImageInfo', () => readImageInfo(parsed)],
      ['renderPixels (info, decode, LUT)', () => renderPixels(parsed, { frame: 1, bitDepth: 8, window: { center: 40 + (w++ % 50), width: 400, fn: 'linear' } })],
      ['encode PNG', () => encodeRendered(px)],
      [`PUT PNG (${png.length} B)`, () => storage.put(`renders/p/${w++}.png`, png, 'image/png', { width: '1', height: '1' })],
      ['presign GET', () => storage.presignGet(`renders/p/${w++}.png`, { expiresIn: 900, contentType: 'image/png' })],
      ['GET PNG (the 303 followed)', () => storage.get('renders/p/0.png')],
      ['base64 of the PNG', () => Buffer.from(png).toString('base64')],
    ];
    for (const [step, fn] of steps) {
      const t = await time(fn, { runs, warmup: 5 });
      rows.push([img.name, step, ms(t.median), ms(t.p95)]);
    }
  }
  process.stdout.write(`${table(['image', 'step', 'median ms', 'p95 ms'], rows)}\n`);
} finally {
  await s3.close();
  rmSync(dir, { recursive: true, force: true });
}
