/**
 * A catalogue of hostile files, each written by the test: decompression bombs (deflate, RLE,
 * JPEG / JPEG-LS / JPEG 2000 / HTJ2K headers claiming 65535 x 65535), a 65535 x 65535 native
 * header, 100k elements, 3000-deep nested sequences, an 11 MiB header, and uploads one byte over
 * the 10 MiB limit. Each must end in its documented 4xx (or, where the file is merely large but
 * legal, a result) within the case budget and without big memory. The file cases run in the
 * harness worker (hang- and heap-isolated); the upload cases run against the local service.
 */
import { createDeflateRaw, deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS } from '../../lib/errors.js';
import { MAX_UPLOAD_BYTES_DEFAULT } from '../../lib/config.js';
import {
  TS_DEFLATED_LE,
  TS_EXPLICIT_LE,
  TS_HTJ2K,
  TS_IMPLICIT_LE,
  TS_J2K,
  TS_JPEG_BASELINE,
  TS_JPEG_LOSSLESS_SV1,
  TS_JPEG_LS,
  TS_RLE,
  encapsulatedImage,
  j2kClaiming,
  jpegClaiming,
  makeImageDicom,
  imageHead,
  imageWithPixelData,
  nestedSequence,
  rleFrame,
  rleWithSegments,
  splice,
  writeDicom,
  type MakeImageOptions,
  type WriterElement,
} from './fixtures.js';
import { CASE_BUDGET_MS, CaseRunner, MiB, RSS_BUDGET_BYTES, removeWorkerBundle, runIsolated, violations } from './harness.js';
import type { StepName } from './fuzz-worker.js';
import { createUpload, errorOf, startLocalService, storedKeys, type Local } from './local.js';
import { tenantOfSubject } from '../support/local-token.js';
import { join } from 'node:path';

/** What a hostile case must end in, per step: error codes (all 4xx), or 'ok' for a result. */
type Expect = Partial<Record<StepName, Array<keyof typeof ERROR_STATUS | 'ok'>>>;

interface Hostile {
  name: string;
  bytes: () => Uint8Array | Promise<Uint8Array>;
  expect: Expect;
  steps?: StepName[];
  /** CPU budget of the case when it must differ from CASE_BUDGET_MS, with the reason beside it. */
  budgetMs?: number;
}

const mono = (rows: number, columns: number, bitsAllocated: 8 | 16 = 8): MakeImageOptions => ({
  rows,
  columns,
  bitsAllocated,
  pixel: () => 0,
});

/** Deflated Explicit VR LE file whose data set is `dataSetHead` then an OB Pixel Data of `zeros` zero bytes. */
async function deflatedWithZeros(head: WriterElement[], zeros: number, where: 'pixel-data' | 'before-pixel-data' = 'pixel-data'): Promise<Uint8Array> {
  const dataSetHead = writeDicom({ transferSyntaxUid: TS_EXPLICIT_LE, fileMeta: false, elements: head });
  const pixelHeader = Buffer.alloc(12);
  // The zeros are the Pixel Data value, or a private OB (0009,1010) that the header read must cross.
  pixelHeader.writeUInt16LE(where === 'pixel-data' ? 0x7fe0 : 0x0009, 0);
  pixelHeader.writeUInt16LE(where === 'pixel-data' ? 0x0010 : 0x1010, 2);
  pixelHeader.write('OB', 4, 'latin1');
  pixelHeader.writeUInt32LE(zeros, 8);
  const deflate = createDeflateRaw({ level: 9 });
  const chunks: Buffer[] = [];
  deflate.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((ok, fail) => {
    deflate.on('end', ok);
    deflate.on('error', fail);
  });
  deflate.write(dataSetHead);
  deflate.write(pixelHeader);
  const block = Buffer.alloc(MiB);
  let left = zeros;
  while (left > 0) {
    const n = Math.min(left, block.length);
    if (!deflate.write(n === block.length ? block : block.subarray(0, n))) await new Promise((ok) => deflate.once('drain', ok));
    left -= n;
  }
  if (where === 'before-pixel-data') {
    // A small Pixel Data after the bomb.
    const tail = Buffer.alloc(12 + 16);
    tail.writeUInt16LE(0x7fe0, 0);
    tail.writeUInt16LE(0x0010, 2);
    tail.write('OB', 4, 'latin1');
    tail.writeUInt32LE(16, 8);
    deflate.write(tail);
  }
  deflate.end();
  await done;
  // File Meta of a deflated file with an empty data set, minus the empty deflate stream.
  const metaOnly = writeDicom({ transferSyntaxUid: TS_DEFLATED_LE, elements: [] });
  const meta = metaOnly.subarray(0, metaOnly.length - deflateRawSync(new Uint8Array(0)).length);
  const stream = Buffer.concat(chunks);
  const out = new Uint8Array(meta.length + stream.length);
  out.set(meta, 0);
  out.set(stream, meta.length);
  return out;
}


/** A data set with `n` private LO elements (group 0009) before a small image. */
function manyElements(n: number, valueBytes = 2): Uint8Array {
  const extra: WriterElement[] = [{ tag: '00090010', vr: 'LO', value: 'ROBUSTNESS' }];
  const value = 'x'.repeat(valueBytes);
  for (let i = 0; i < n; i++) {
    const group = 0x0009 + 2 * Math.floor(i / 0xff00);
    const element = 0x1000 + (i % 0xef00);
    extra.push({ tag: `${group.toString(16).padStart(4, '0')}${element.toString(16).padStart(4, '0')}`.toUpperCase(), vr: 'LO', value });
  }
  return makeImageDicom({ ...mono(4, 4), extra });
}

/** A small image with a `depth`-deep nested sequence spliced in just before Pixel Data. */
function deepSequence(depth: number, opts: { explicit: boolean; terminated: boolean; defined?: boolean }): Uint8Array {
  const ts = opts.explicit ? TS_EXPLICIT_LE : TS_IMPLICIT_LE;
  const file = makeImageDicom({ ...mono(4, 4), transferSyntaxUid: ts });
  // Pixel Data is the last element: find its tag (E0 7F 10 00) from the end.
  let at = file.length - 4;
  while (at > 0 && !(file[at] === 0xe0 && file[at + 1] === 0x7f && file[at + 2] === 0x10 && file[at + 3] === 0x00)) at--;
  return splice(file, at, nestedSequence({ depth, explicit: opts.explicit, littleEndian: true, terminated: opts.terminated, defined: opts.defined }));
}

const HOSTILE: Hostile[] = [
  // --- deflate -------------------------------------------------------------------------------
  {
    name: 'deflate bomb in the header: a private OB inflating to 300 MiB (> 256 MiB limit) before Pixel Data',
    bytes: () => deflatedWithZeros(imageHead(mono(4, 4)), 300 * MiB, 'before-pixel-data'),
    expect: { parse: ['ImageTooLarge'], json: ['ImageTooLarge'], header: ['ImageTooLarge'], export: ['ImageTooLarge'] },
  },
  {
    // The header route stops at Pixel Data, so it may answer from the first ranged reads.
    name: 'deflate bomb in Pixel Data: a 300 KB data set inflating to 300 MiB (> 256 MiB limit)',
    bytes: () => deflatedWithZeros(imageHead(mono(16384, 19200)), 300 * MiB),
    expect: { parse: ['ImageTooLarge'], json: ['ImageTooLarge'], header: ['ok', 'ImageTooLarge'], export: ['ImageTooLarge'] },
  },
  {
    name: 'deflate near-bomb: inflating to 200 MiB (under the limit) for an image too large to decode',
    bytes: () => deflatedWithZeros(imageHead(mono(10240, 10240, 16)), 200 * MiB),
    expect: { parse: ['ok'], json: ['ok'], header: ['ok'], export: ['ImageTooLarge'] },
    // Legal work, four times: parse, json, header and export each inflate the 200 MiB (about 1.2 s of
    // CPU apiece here; 5.0 s in all measured in a CI run), so one request's share is well in budget.
    budgetMs: 2 * CASE_BUDGET_MS,
  },
  // --- RLE -----------------------------------------------------------------------------------
  {
    name: 'RLE: segment offsets far past the fragment',
    bytes: () => encapsulatedImage(mono(64, 64), TS_RLE, [rleWithSegments([new Uint8Array(16)], [0x7ffffff0])]),
    expect: { codec: ['MalformedDicom'], export: ['MalformedDicom'] },
  },
  {
    name: 'RLE: header declaring 0xFFFFFFFF segments',
    bytes: () => {
      const f = rleWithSegments([new Uint8Array(16)]);
      new DataView(f.buffer).setUint32(0, 0xffffffff, true);
      return encapsulatedImage(mono(64, 64), TS_RLE, [f]);
    },
    expect: { codec: ['MalformedDicom'], export: ['MalformedDicom'] },
  },
  {
    name: 'RLE: replicate runs decoding to 1.25 MiB for a 4 KiB plane (overrun)',
    bytes: () => {
      const runs = new Uint8Array(20_000);
      for (let i = 0; i < runs.length; i += 2) runs[i] = 0x81; // replicate next byte 128 times
      return encapsulatedImage(mono(64, 64), TS_RLE, [rleWithSegments([runs])]);
    },
    expect: { codec: ['ok'], export: ['ok'] },
  },
  {
    name: 'RLE: 65535 x 65535 in the data set',
    bytes: () => encapsulatedImage(mono(65535, 65535), TS_RLE, [rleFrame(mono(2, 2))]),
    expect: { codec: ['ImageTooLarge'], export: ['ImageTooLarge'] },
  },
  {
    name: 'RLE: 8192 x 8192 16-bit in the data set with a 64-byte frame',
    bytes: () => encapsulatedImage(mono(8192, 8192, 16), TS_RLE, [rleWithSegments([new Uint8Array(2), new Uint8Array(2)])]),
    expect: { codec: ['MalformedDicom'], export: ['MalformedDicom'] },
  },
  // --- JPEG family ---------------------------------------------------------------------------
  {
    name: 'JPEG baseline: SOF claims 65535 x 65535, data set says 8 x 8',
    bytes: () => encapsulatedImage(mono(8, 8), TS_JPEG_BASELINE, [jpegClaiming(65535, 65535)]),
    expect: { codec: ['MalformedDicom'], export: ['MalformedDicom'] },
  },
  {
    name: 'JPEG baseline: 65535 x 65535 in both the data set and the SOF',
    bytes: () => encapsulatedImage(mono(65535, 65535), TS_JPEG_BASELINE, [jpegClaiming(65535, 65535)]),
    expect: { codec: ['ImageTooLarge'], export: ['ImageTooLarge'] },
  },
  {
    name: 'JPEG baseline: 8000 x 8000 claimed in both, 64 bytes of entropy-coded data',
    bytes: () => encapsulatedImage(mono(8000, 8000), TS_JPEG_BASELINE, [jpegClaiming(8000, 8000)]),
    expect: { codec: ['ok', 'MalformedDicom'], export: ['ok', 'MalformedDicom'] },
  },
  {
    name: 'JPEG lossless (SOF3): claims 65535 x 65535, data set says 8 x 8',
    bytes: () => encapsulatedImage(mono(8, 8, 16), TS_JPEG_LOSSLESS_SV1, [jpegClaiming(65535, 65535, 1, 16, 0xc3)]),
    expect: { codec: ['MalformedDicom'], export: ['MalformedDicom'] },
  },
  {
    name: 'JPEG-LS (SOF55): claims 65535 x 65535, data set says 8 x 8',
    bytes: () => encapsulatedImage(mono(8, 8), TS_JPEG_LS, [jpegClaiming(65535, 65535, 1, 8, 0xf7)]),
    expect: { codec: ['MalformedDicom'], export: ['MalformedDicom'] },
  },
  {
    name: 'JPEG 2000: SIZ claims 65535 x 65535, data set says 8 x 8',
    bytes: () => encapsulatedImage(mono(8, 8), TS_J2K, [j2kClaiming(65535, 65535)]),
    expect: { codec: ['MalformedDicom'], export: ['MalformedDicom'] },
  },
  {
    name: 'JPEG 2000: 65535 x 65535 in both',
    bytes: () => encapsulatedImage(mono(65535, 65535), TS_J2K, [j2kClaiming(65535, 65535)]),
    expect: { codec: ['ImageTooLarge'], export: ['ImageTooLarge'] },
  },
  {
    name: 'HTJ2K: SIZ claims 65535 x 65535, data set says 8 x 8',
    bytes: () => encapsulatedImage(mono(8, 8), TS_HTJ2K, [j2kClaiming(65535, 65535)]),
    expect: { codec: ['MalformedDicom'], export: ['MalformedDicom'] },
  },
  // --- native --------------------------------------------------------------------------------
  {
    name: 'native: 65535 x 65535 16-bit header with 32 bytes of pixel data',
    bytes: () => imageWithPixelData(mono(65535, 65535, 16), new Uint8Array(32)),
    expect: { parse: ['ok'], json: ['ok'], header: ['ok'], export: ['ImageTooLarge'] },
  },
  {
    name: 'native: Number of Frames 2147483647 with one frame of data',
    bytes: () => makeImageDicom({ ...mono(16, 16), extra: [{ tag: '00280008', vr: 'IS', value: '2147483647' }] }),
    expect: { parse: ['ok'], header: ['ok'], export: ['ok'] },
  },
  // --- structure -----------------------------------------------------------------------------
  {
    name: '100k elements (private LO) before Pixel Data',
    bytes: () => manyElements(100_000),
    expect: { parse: ['ok'], json: ['ok'], header: ['ok'], export: ['ok'] },
  },
  {
    name: 'an 11 MiB header (1100 private elements of 10 KiB) before Pixel Data',
    bytes: () => {
      const extra: WriterElement[] = [{ tag: '00090010', vr: 'LO', value: 'ROBUSTNESS' }];
      for (let i = 0; i < 1100; i++) extra.push({ tag: `0009${(0x1000 + i).toString(16).toUpperCase()}`, vr: 'UT', value: 'y'.repeat(10 * 1024) });
      return makeImageDicom({ ...mono(4, 4), extra });
    },
    steps: ['header'],
    expect: { header: ['HeaderTooLarge'] },
  },
  {
    name: '3000-deep nested undefined-length sequences (explicit VR, delimited)',
    bytes: () => deepSequence(3000, { explicit: true, terminated: true }),
    expect: { parse: ['ok', 'MalformedDicom'], json: ['ok', 'MalformedDicom'], header: ['ok', 'MalformedDicom'], export: ['ok', 'MalformedDicom'] },
  },
  {
    name: '3000-deep nested undefined-length sequences (implicit VR, delimited)',
    bytes: () => deepSequence(3000, { explicit: false, terminated: true }),
    expect: { parse: ['ok', 'MalformedDicom'], json: ['ok', 'MalformedDicom'], header: ['ok', 'MalformedDicom'], export: ['ok', 'MalformedDicom'] },
  },
  {
    name: '3000-deep nested defined-length sequences (explicit VR)',
    bytes: () => deepSequence(3000, { explicit: true, terminated: true, defined: true }),
    expect: { parse: ['ok', 'MalformedDicom'], json: ['ok', 'MalformedDicom'], header: ['ok', 'MalformedDicom'], export: ['ok', 'MalformedDicom'] },
  },
  {
    name: '20000-deep nested undefined-length sequences, never closed',
    bytes: () => deepSequence(20_000, { explicit: true, terminated: false }),
    expect: { parse: ['ok', 'MalformedDicom'], json: ['ok', 'MalformedDicom'], header: ['ok', 'MalformedDicom'], export: ['ok', 'MalformedDicom', 'NoPixelData'] },
  },
];

let runner: CaseRunner;
const timings: string[] = [];

beforeAll(async () => {
  runner = await CaseRunner.create();
}, 60_000);

afterAll(async () => {
  await runner?.close();
  await removeWorkerBundle();
  console.log(`[robustness] hostile files: ${timings.length} cases; peak RSS growth ${Math.round(runner.peakRssGrowth / MiB)} MiB\n${timings.join('\n')}`);
});

describe(`hostile files end in their documented 4xx within ${CASE_BUDGET_MS} ms and ${RSS_BUDGET_BYTES / MiB} MiB`, () => {
  it.each(HOSTILE.map((h) => [h.name, h] as const))('%s', async (_name, h) => {
    const bytes = await h.bytes();
    const steps = h.steps ?? (['parse', 'json', 'header', 'export', 'codec'] as StepName[]);
    // Load the codecs outside the measured case (first use instantiates WebAssembly).
    const r = await runner.run(bytes, { steps, label: h.name, budgetMs: h.budgetMs });
    timings.push(
      `  ${Math.round(r.elapsedMs).toString().padStart(5)} ms (CPU ${Math.round(r.cpuMs ?? r.elapsedMs)} ms)  rss+${Math.round(r.rssGrowth / MiB)} MiB  ${h.name}: ` +
        (r.failure ?? r.results.map((s) => `${s.step}=${s.outcome === 'ok' ? 'ok' : s.code ?? s.outcome}`).join(' ')),
    );
    expect(violations(r, h.budgetMs)).toEqual([]);
    for (const [step, allowed] of Object.entries(h.expect)) {
      const s = r.results.find((x) => x.step === step);
      expect(s, `step ${step} ran`).toBeDefined();
      if (s!.outcome === 'skipped') continue;
      const got = s!.outcome === 'ok' ? 'ok' : s!.code;
      expect.soft(allowed, `${step}: got ${got}`).toContain(got);
    }
  }, 120_000);
});

/**
 * Memory of each function (infra/dicom-service-stack.ts FUNCTION_SIZING; not imported here to
 * keep aws-cdk-lib out of the suite): a request must fit in its Lambda, or it is an OOM crash
 * (a 502 from API Gateway), not the documented 4xx.
 */
const LAMBDA_MEMORY_MB = { header: 512, export: 2048 } as const;

describe('peak memory of one request, in a fresh process, fits its Lambda', () => {
  const cases: Array<[string, () => Promise<Uint8Array>, 'header' | 'export']> = [
    ['deflated header element inflating to 250 MiB (just under the 256 MiB limit), header route', () => deflatedWithZeros(imageHead(mono(4, 4)), 250 * MiB, 'before-pixel-data'), 'header'],
    ['deflated header element inflating to 250 MiB (just under the 256 MiB limit), export route', () => deflatedWithZeros(imageHead(mono(4, 4)), 250 * MiB, 'before-pixel-data'), 'export'],
    ['deflated header element inflating to 300 MiB (over the limit), header route', () => deflatedWithZeros(imageHead(mono(4, 4)), 300 * MiB, 'before-pixel-data'), 'header'],
  ];
  it.each(cases)('%s', async (name, make, route) => {
    const bytes = await make();
    const r = await runIsolated(bytes, [route]);
    const peakMb = Math.round(r.maxRssBytes / MiB);
    timings.push(`  peak RSS ${peakMb} MB (limit ${LAMBDA_MEMORY_MB[route]} MB)  ${name}: ${r.results.map((s) => `${s.step}=${s.outcome === 'ok' ? 'ok' : s.code ?? s.outcome}`).join(' ')}`);
    expect(r.results.every((s) => s.outcome !== 'bad')).toBe(true);
    expect(peakMb, `peak RSS of the ${route} request`).toBeLessThan(LAMBDA_MEMORY_MB[route]);
  }, 120_000);
});

describe('uploads one byte over the 10 MiB limit', () => {
  let local: Local;
  beforeAll(async () => {
    local = await startLocalService();
  }, 60_000);
  afterAll(async () => {
    await local?.close();
  });

  it(`POST /files {size: ${MAX_UPLOAD_BYTES_DEFAULT + 1}} -> 413 PayloadTooLarge, and exactly the limit -> 201`, async () => {
    const over = await createUpload(local, MAX_UPLOAD_BYTES_DEFAULT + 1);
    expect(over.res.status).toBe(413);
    expect((await errorOf(over.res)).code).toBe('PayloadTooLarge');
    const at = await createUpload(local, MAX_UPLOAD_BYTES_DEFAULT);
    expect(at.res.status).toBe(201);
  });

  it('a PUT of 10 MiB + 1 to a URL signed for 10 MiB is refused by S3, and nothing is stored', async () => {
    const { created } = await createUpload(local, MAX_UPLOAD_BYTES_DEFAULT);
    const body = Buffer.alloc(MAX_UPLOAD_BYTES_DEFAULT + 1);
    const put = await fetch(created!.uploadUrl, {
      method: 'PUT',
      headers: { ...created!.headers, 'content-length': String(body.length) },
      body,
    });
    expect(put.status).toBe(403);
    expect(storedKeys(join(local.dataDir, 's3'), local.bucket, `uploads/${tenantOfSubject(local.svc, 'robustness')}/${created!.id}.dcm`)).toEqual([]);
  });
});
