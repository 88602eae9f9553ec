/**
 * Drives a running service through the API over real HTTP, as a client would: upload (POST
 * /files, then the PUT to the presigned URL with the headers it names) -> ready (polling GET
 * /files/{id}) -> tags (GET /files/{id}/tags) -> png (GET /files/{id}/png, following the 303).
 * Used by tools/container/test.sh against the container image; any base URL works.
 *
 * Usage: [TOKEN=<bearer token>] tsx tools/container/drive.ts http://127.0.0.1:3000
 * (without TOKEN the service must run with AUTH=off, as tools/container/test.sh starts its second server).
 * Prints one line per check and, last, "N passed, N failed"; exits 1 when a check failed.
 */
import { makeImageDicom } from '../../test/support/dicom-writer.js';

const base = (process.argv[2] ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
const READY_TIMEOUT_MS = Number(process.env.READY_TIMEOUT_MS ?? 30_000);
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** A small CT image (PS3.3 A.3: CT Image IOD), 16-bit with 12 stored, a soft-tissue window. */
const ROWS = 16;
const COLUMNS = 12;
const ct = makeImageDicom({
  rows: ROWS,
  columns: COLUMNS,
  bitsAllocated: 16,
  bitsStored: 12,
  pixelRepresentation: 0,
  window: { center: 40, width: 400 },
  rescale: { slope: 1, intercept: -1024 },
  pixel: (_f, r, c) => (r * 97 + c * 211) % 4096,
  extra: [
    { tag: '00080008', vr: 'CS', value: ['ORIGINAL', 'PRIMARY', 'AXIAL'] },
    { tag: '00080016', vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.2' },
    { tag: '00080060', vr: 'CS', value: 'CT' },
  ],
});

let passed = 0;
let failed = 0;
function check(name: string, ok: boolean, detail = ''): boolean {
  if (ok) passed++;
  else failed++;
  process.stdout.write(`  ${ok ? 'ok  ' : 'FAIL'} ${name}${!ok && detail ? ` (${detail})` : ''}\n`);
  return ok;
}

/** Every API call carries TOKEN when given (never printed: only check names and statuses are). */
const TOKEN = process.env.TOKEN ?? '';
const api = (path: string, init?: RequestInit) => {
  const headers = new Headers(init?.headers);
  if (TOKEN) headers.set('authorization', `Bearer ${TOKEN}`);
  return fetch(`${base}${path}`, { redirect: 'manual', ...init, headers });
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(): Promise<void> {
  // upload
  const created = await api('/files', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ size: ct.length, filename: 'ct.dcm' }),
  });
  const c = (await created.json()) as { id?: string; uploadUrl?: string; headers?: Record<string, string> };
  if (!check('POST /files -> 201 with an id and a presigned URL', created.status === 201 && !!c.id && !!c.uploadUrl, `status ${created.status}`) || !c.id || !c.uploadUrl) return;
  const put = await fetch(c.uploadUrl, { method: 'PUT', headers: c.headers ?? {}, body: Buffer.from(ct) });
  if (!check('PUT to the presigned URL with its headers -> 200', put.status === 200, `status ${put.status}`)) return;

  // ready
  const id = c.id;
  const until = Date.now() + READY_TIMEOUT_MS;
  let info: Record<string, unknown> = {};
  for (;;) {
    const res = await api(`/files/${id}`);
    info = (await res.json()) as Record<string, unknown>;
    if ((info.status !== 'pending' && info.status !== 'awaiting-upload') || Date.now() > until) break;
    await sleep(100);
  }
  const ready = info.status === 'ready' && info.rows === ROWS && info.columns === COLUMNS && info.sopClassUid === '1.2.840.10008.5.1.4.1.1.2';
  if (!check('GET /files/{id} -> ready, with the CT\'s rows, columns and SOP class', ready, `status ${String(info.status)}`)) return;

  // tags
  const tags = await api(`/files/${id}/tags`);
  const header = tags.status === 200 ? ((await tags.json()) as Record<string, { vr?: string; Value?: unknown[] }>) : {};
  check(
    'GET /files/{id}/tags -> the header as DICOM JSON (Modality CT, Rows), no pixel data value',
    header['00080060']?.Value?.[0] === 'CT' && header['00280010']?.Value?.[0] === ROWS && header['7FE00010']?.Value === undefined,
    `status ${tags.status}`,
  );

  // png
  const png = await api(`/files/${id}/png`);
  const location = png.headers.get('location');
  if (!check('GET /files/{id}/png -> 303 to the rendered PNG', png.status === 303 && !!location, `status ${png.status}`) || !location) return;
  const img = await fetch(new URL(location, base));
  const bytes = new Uint8Array(await img.arrayBuffer());
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // IHDR is the first chunk: width and height at bytes 16 and 20 (PNG specification 11.2.2).
  const isPng = PNG_SIGNATURE.every((b, i) => bytes[i] === b) && bytes.length > 24;
  check(
    'following the 303 -> image/png with the PNG signature and the image\'s size',
    img.status === 200 && isPng && dv.getUint32(16) === COLUMNS && dv.getUint32(20) === ROWS,
    `status ${img.status}, ${bytes.length} bytes`,
  );
}

try {
  await run();
} catch (e) {
  // A refused connection or a body that is not JSON: one failure, named, without a stack.
  check('the API answered', false, (e as Error)?.name ?? 'error');
}
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
