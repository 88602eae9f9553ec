/**
 * Bytes read and latency per header request (lib/header/header-service.ts), on in-memory
 * storage that counts every ranged GET. Run: npx tsx bench/header-bytes.ts
 * Prints a table and writes bench/results/header.json.
 *
 * Latency is the service's own time (parse + JSON) with storage answering from memory: add
 * one S3 round trip (~10-30 ms in-region) per GET for a deployed figure.
 */
import './bench-env.js';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HeaderService } from '../lib/header/header-service.js';
import { readHeader } from '../lib/header/ranged-header-read.js';
import type { Storage } from '../lib/storage/storage.js';
import { uploadKey } from '../lib/storage/object-keys.js';
import { ANONYMOUS_TENANT } from '../lib/auth/tenant.js';
import { makeImageDicom } from '../test/support/dicom-writer.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS = process.env.DICOM_CORPUS ?? join(ROOT, '..', 'shared', 'corpus');
const ID = { tenant: ANONYMOUS_TENANT, id: '3f2504e0-4f89-41d3-9a0c-0305e82c3301' };
const RUNS = 20;

class CountingStorage {
  bytes = 0;
  gets = 0;
  constructor(private readonly body: Uint8Array) {}
  async head() {
    return { size: this.body.length };
  }
  /** The first bytes and the size in one GET, as S3Storage.getHead does with Content-Range. */
  async getHead(_key: string, length: number) {
    return { bytes: await this.getRange(_key, 0, length - 1), size: this.body.length };
  }
  async getRange(_key: string, start: number, end: number) {
    this.gets++;
    const slice = this.body.subarray(start, Math.min(end + 1, this.body.length));
    this.bytes += slice.length;
    return slice;
  }
}

interface Case {
  name: string;
  file: Uint8Array;
  request: string;
}

const cases: Case[] = [];
const corpusFile = (p: string) => (existsSync(join(CORPUS, p)) ? new Uint8Array(readFileSync(join(CORPUS, p))) : undefined);
for (const [name, path] of [
  ['CT_small (39 KB, corpus)', 'pydicom/CT_small.dcm'],
  ['MR_small (10 KB, corpus)', 'pydicom/MR_small.dcm'],
  ['CT deflated (251 KB, corpus)', 'external/cornerstone3D/CTImage_deflated.dcm'],
] as const) {
  const file = corpusFile(path);
  if (file) cases.push({ name, file, request: 'whole header' });
}
const tenMiB = makeImageDicom({
  rows: 2560,
  columns: 2048,
  bitsAllocated: 16,
  pixel: () => 1,
  extra: [
    { tag: '00100010', vr: 'PN', value: 'Doe^Jane' },
    { tag: 'FFFAFFFA', vr: 'SQ', value: [[{ tag: '04000005', vr: 'US', value: 2 }]] },
  ],
});
cases.push({ name: '10 MiB image, small header', file: tenMiB, request: 'whole header' });
cases.push({ name: '10 MiB image, small header', file: tenMiB, request: 'PatientName' });
cases.push({ name: '10 MiB image, signature after pixels', file: tenMiB, request: 'FFFAFFFA' });
for (const kib of [100, 600]) {
  const file = makeImageDicom({
    rows: 2048,
    columns: 2048,
    bitsAllocated: 16,
    pixel: () => 1,
    extra: [{ tag: '00660023', vr: 'OW', value: new Uint8Array(kib * 1024) }],
  });
  cases.push({ name: `8 MiB image, ${kib} KiB header`, file, request: 'whole header' });
}

const rows = [];
for (const c of cases) {
  const times: number[] = [];
  let bytes = 0;
  let gets = 0;
  let headerBytes = 0;
  for (let i = 0; i < RUNS; i++) {
    const s = new CountingStorage(c.file);
    const storage = s as unknown as Storage;
    const t0 = process.hrtime.bigint();
    if (c.request === 'whole header') await new HeaderService(storage).headerJson(ID);
    else await new HeaderService(storage).tag(ID, c.request);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    bytes = s.bytes;
    gets = s.gets;
  }
  const { parsed } = await readHeader(new CountingStorage(c.file) as unknown as Storage, uploadKey(ID));
  headerBytes = parsed.pixelElement && !parsed.inflated ? parsed.pixelElement.dataOffset : c.file.length;
  times.sort((a, b) => a - b);
  // The whole header also reads the elements after native pixel data (one ranged GET of the tail).
  const pixel = parsed.pixelElement;
  const tail = c.request === 'whole header' && pixel && !parsed.inflated && pixel.length !== 0xffffffff ? Math.max(0, c.file.length - (pixel.dataOffset + pixel.length)) : 0;
  const bound = Math.max(64 * 1024, 2 * headerBytes) + tail;
  rows.push({
    case: c.name,
    request: c.request,
    fileBytes: c.file.length,
    headerBytes,
    bytesRead: bytes,
    gets,
    boundMax64KiB2xHeader: bound,
    withinBound: c.request === 'FFFAFFFA' ? undefined : bytes <= bound,
    medianMs: Number(times[Math.floor(times.length / 2)].toFixed(2)),
    p95Ms: Number(times[Math.floor(times.length * 0.95)].toFixed(2)),
  });
}

console.table(rows);
const out = join(ROOT, 'bench', 'results', 'header.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ runs: RUNS, storage: 'in-memory (counts ranged GETs)', node: process.version, rows }, null, 2) + '\n');
console.log(`wrote ${out}`);
