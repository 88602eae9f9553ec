/**
 * The robustness harness: configuration from the environment, a worker-thread case runner with
 * a time budget (a hung case is terminated, not waited for) and a memory budget, the corpus
 * selection, and structure-aware mutations of DICOM files for fast-check.
 *
 * Environment (all optional):
 *   FUZZ_RUNS              cases per fuzz property (default 40)
 *   FUZZ_SEED              fast-check seed; printed in every test name so a failure replays
 *   FUZZ_CASE_BUDGET_MS    CPU-time budget of one case (default 5000; a case still running after
 *                          WALL_LIMIT_FACTOR times it on the wall clock is a hang and is killed)
 *   FUZZ_RSS_BUDGET_MB     allowed RSS growth of the test process (default 1024)
 *   FUZZ_TIME_LIMIT_MS     stop a fuzz property after this long (default 60000; 0 = no limit)
 *   LOAD_CLIENTS, LOAD_ITERATIONS   the load test's concurrency and iterations per client
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { build } from 'esbuild';
import fc from 'fast-check';
import type { Element } from '../../lib/dicom/data-set.js';
import { vrLookup } from '../../lib/dicom/dictionary.js';
import { parseDicom } from '../../lib/dicom/parse.js';
import { corpusAvailable, corpusPath, loadManifest } from '../support/corpus.js';
import { nestedSequence, splice, writerBases } from './fixtures.js';
import type { CaseRequest, CaseResponse, StepName, StepOutcome } from './fuzz-worker.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number`);
  return Math.trunc(n);
}

export const FUZZ_RUNS = intEnv('FUZZ_RUNS', 100);
export const FUZZ_SEED = intEnv('FUZZ_SEED', (Date.now() ^ (process.pid << 8)) | 0);
export const CASE_BUDGET_MS = intEnv('FUZZ_CASE_BUDGET_MS', 5000);
/**
 * Wall time, in budgets, after which a case is a hang and its worker is killed. Generous because
 * the budget itself is CPU time (see CaseResponse.cpuMs): a busy machine stretches wall time only.
 */
export const WALL_LIMIT_FACTOR = 4;
export const RSS_BUDGET_BYTES = intEnv('FUZZ_RSS_BUDGET_MB', 1024) * 1024 * 1024;
export const FUZZ_TIME_LIMIT_MS = intEnv('FUZZ_TIME_LIMIT_MS', 60_000);
export const MiB = 1024 * 1024;

/** fast-check parameters every fuzz property uses: the printed seed, bounded runs and time. */
export function fcParams(runs = FUZZ_RUNS): fc.Parameters<unknown> {
  return {
    seed: FUZZ_SEED,
    numRuns: runs,
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- still supported by fast-check 4; its plugin form changes how a run ends
    ...(FUZZ_TIME_LIMIT_MS > 0 ? { interruptAfterTimeLimit: FUZZ_TIME_LIMIT_MS } : {}),
    // Shrinking a hang costs a budget per try: keep it short.
    ...(FUZZ_TIME_LIMIT_MS > 0 ? { skipAllAfterTimeLimit: FUZZ_TIME_LIMIT_MS * 2 } : {}),
    endOnFailure: false,
  };
}

export const seedLabel = `seed=${FUZZ_SEED}, runs=${FUZZ_RUNS} (replay: FUZZ_SEED=${FUZZ_SEED})`;

// ---------------------------------------------------------------------------------------------
// Worker-thread case runner

export interface CaseResult {
  results: StepOutcome[];
  elapsedMs: number;
  /** CPU time of the case (the budget's measure); undefined when the worker was killed or died. */
  cpuMs?: number;
  /** Terminated after the budget (a hang), or the worker died (e.g. heap out of memory). */
  failure?: 'timeout' | `crash: ${string}`;
  rssGrowth: number;
}

let bundlePromise: Promise<string> | undefined;
/** Bundles fuzz-worker.ts (and the lib code it imports) into one ESM file next to node_modules. */
function workerBundle(): Promise<string> {
  bundlePromise ??= (async () => {
    const dir = join(repoRoot, 'node_modules', '.cache', 'dicom-robustness');
    mkdirSync(dir, { recursive: true });
    const outfile = join(dir, `fuzz-worker-${process.pid}-${Date.now()}.mjs`);
    await build({
      entryPoints: [join(here, 'fuzz-worker.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      outfile,
      logLevel: 'error',
      // Some packages are CommonJS: give the bundle a require().
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
    return outfile;
  })();
  return bundlePromise;
}

export class CaseRunner {
  private worker?: Worker;
  private nextId = 0;
  private pending?: { id: number; resolve: (r: CaseResponse | { crash: string }) => void };
  readonly baselineRss: number;
  peakRssGrowth = 0;
  cases = 0;
  slowest = { ms: 0, label: '' };

  private constructor(private readonly file: string) {
    this.baselineRss = process.memoryUsage().rss;
  }

  static async create(): Promise<CaseRunner> {
    const runner = new CaseRunner(await workerBundle());
    runner.spawn();
    return runner;
  }

  private spawn(): void {
    const w = new Worker(this.file, {
      // A heap bomb kills the worker (ERR_WORKER_OUT_OF_MEMORY), not the test process.
      resourceLimits: { maxOldGenerationSizeMb: Math.max(256, Math.round(RSS_BUDGET_BYTES / MiB)) },
      env: { ...process.env, LOG_LEVEL: 'silent' },
    });
    w.on('message', (m: CaseResponse) => {
      if (this.pending?.id === m.id) {
        const p = this.pending;
        this.pending = undefined;
        p.resolve(m);
      }
    });
    w.on('error', (e) => {
      const p = this.pending;
      this.pending = undefined;
      this.worker = undefined;
      p?.resolve({ crash: `${(e).name}: ${(e).message}` });
    });
    w.on('exit', (code) => {
      if (this.worker === w) this.worker = undefined;
      const p = this.pending;
      this.pending = undefined;
      p?.resolve({ crash: `worker exited with code ${code}` });
    });
    w.unref();
    this.worker = w;
  }

  async run(
    bytes: Uint8Array,
    opts: { firstReadBytes?: number; frame?: number; bitDepth?: 8 | 16; steps?: StepName[]; budgetMs?: number; label?: string } = {},
  ): Promise<CaseResult> {
    if (!this.worker) this.spawn();
    const budget = opts.budgetMs ?? CASE_BUDGET_MS;
    const id = ++this.nextId;
    const req: CaseRequest = {
      id,
      bytes: bytes.slice(),
      firstReadBytes: opts.firstReadBytes ?? 64 * 1024,
      frame: opts.frame ?? 1,
      bitDepth: opts.bitDepth ?? 8,
      steps: opts.steps ?? ['parse', 'json', 'header', 'export', 'codec'],
    };
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const reply = await new Promise<CaseResponse | { crash: string } | 'timeout'>((ok) => {
      this.pending = { id, resolve: ok };
      // Slack past the budget so a case that finishes at the limit on a busy machine is measured, not killed.
      timer = setTimeout(() => ok('timeout'), budget * WALL_LIMIT_FACTOR + 1000);
      this.worker!.postMessage(req, [req.bytes.buffer as ArrayBuffer]);
    });
    clearTimeout(timer);
    const elapsedMs = performance.now() - t0;
    this.cases++;
    if (elapsedMs > this.slowest.ms) this.slowest = { ms: elapsedMs, label: opts.label ?? '' };
    const rssGrowth = process.memoryUsage().rss - this.baselineRss;
    this.peakRssGrowth = Math.max(this.peakRssGrowth, rssGrowth);
    if (reply === 'timeout') {
      this.pending = undefined;
      const w = this.worker;
      this.worker = undefined;
      await w?.terminate();
      return { results: [], elapsedMs, failure: 'timeout', rssGrowth };
    }
    if ('crash' in reply) return { results: [], elapsedMs, failure: `crash: ${reply.crash}`, rssGrowth };
    return { results: reply.results, elapsedMs, cpuMs: reply.cpuMs, rssGrowth };
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }
}

/**
 * Runs one case in a fresh Node process (the harness bundle in one-shot mode) and returns the
 * process's peak RSS: what a Lambda of the same memory size would need for that request.
 */
export async function runIsolated(
  bytes: Uint8Array,
  steps: StepName[],
  timeoutMs = 60_000,
): Promise<{ results: StepOutcome[]; maxRssBytes: number; baseRssBytes: number }> {
  const file = await workerBundle();
  const dir = mkdtempSync(join(tmpdir(), 'dicom-robust-once-'));
  const input = join(dir, 'input.dcm');
  writeFileSync(input, bytes);
  try {
    const stdout = await new Promise<string>((ok, fail) =>
      execFile(process.execPath, [file, '--once', input, steps.join(',')], { timeout: timeoutMs, maxBuffer: 16 * MiB, env: { ...process.env, LOG_LEVEL: 'silent' } }, (e, out) =>
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- execFile's error is an Error (its type omits that)
        e ? fail(e) : ok(out),
      ),
    );
    return JSON.parse(stdout) as { results: StepOutcome[]; maxRssBytes: number; baseRssBytes: number };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Removes this process's worker bundle (call in afterAll). */
export async function removeWorkerBundle(): Promise<void> {
  if (!bundlePromise) return;
  const file = await bundlePromise.catch(() => undefined);
  if (file) rmSync(file, { force: true });
}

/** The reasons a case breaks the robustness contract (empty: it kept it). */
export function violations(r: CaseResult, budgetMs = CASE_BUDGET_MS): string[] {
  const out: string[] = [];
  if (r.failure) out.push(`${r.failure} after ${Math.round(r.elapsedMs)} ms`);
  const used = r.cpuMs ?? r.elapsedMs;
  if (used > budgetMs) out.push(`took ${Math.round(used)} ms of CPU (${Math.round(r.elapsedMs)} ms wall), over the ${budgetMs} ms budget`);
  if (r.rssGrowth > RSS_BUDGET_BYTES) out.push(`RSS grew ${Math.round(r.rssGrowth / MiB)} MiB, over ${RSS_BUDGET_BYTES / MiB} MiB`);
  for (const s of r.results) {
    if (s.outcome === 'bad') out.push(`${s.step}: ${s.thrown}`);
  }
  return out;
}

/** Where the full parse and the ranged header read disagree (both must give the same JSON). */
export function headerDivergence(r: CaseResult): string | undefined {
  const json = r.results.find((s) => s.step === 'json');
  const header = r.results.find((s) => s.step === 'header');
  if (!json || !header || json.outcome === 'skipped' || header.outcome === 'skipped') return undefined;
  if (json.outcome === 'ok' && header.outcome === 'ok' && json.digest !== header.digest) return 'header JSON differs from the full-parse JSON';
  if (json.outcome === 'ok' && header.outcome !== 'ok') return `full parse gives JSON but the ranged header read fails with ${header.code}`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Bases: corpus files and writer fixtures

/** ~14 diverse corpus files: every layout, syntax and structure the fuzzer should start from. */
export const CORPUS_PICKS = [
  'pydicom/rtdose.dcm', // implicit VR LE, 15 frames, 32-bit
  'pydicom/CT_small.dcm', // explicit VR LE
  'pydicom/MR_small_bigendian.dcm', // explicit VR BE
  'external/dicomParser/report_dfl.dcm', // deflated SR (sequences inside the deflate stream)
  'external/cornerstone3D/CTImage_deflated.dcm', // deflated image
  'pydicom/SC_rgb_rle_2frame.dcm', // RLE, RGB, 2 frames
  'pydicom/SC_rgb_jpeg_dcmtk.dcm', // JPEG baseline
  'external/fo-dicom/GH184.dcm', // JPEG lossless SV1
  'pydicom/JPEG2000.dcm', // JPEG 2000
  'external/pydicom-data/JLSL_08_07_0_1F.dcm', // JPEG-LS
  'external/pydicom-data/emri_small.dcm', // multi-frame native
  'pydicom/nested_priv_SQ.dcm', // nested private sequences, implicit
  'pydicom/rtplan.dcm', // deep sequences
  'pydicom/no_meta.dcm', // no File Meta
];

export interface Base {
  name: string;
  raw: Uint8Array;
  model?: BaseModel;
}

export function loadBases(): Base[] {
  const bases: Base[] = writerBases().map((b) => ({ name: b.name, raw: b.bytes }));
  if (corpusAvailable) {
    const known = new Set(loadManifest().files.map((f) => f.path));
    for (const p of CORPUS_PICKS) {
      if (!known.has(p) || !existsSync(corpusPath(p))) continue;
      bases.push({ name: `corpus: ${p}`, raw: new Uint8Array(readFileSync(corpusPath(p))) });
    }
  }
  for (const b of bases) b.model = analyse(b.raw);
  return bases;
}

// ---------------------------------------------------------------------------------------------
// Structure-aware mutation

/** A place in the target bytes holding a length (element, item or fragment) or an element start. */
interface Node {
  kind: 'element' | 'item' | 'fragment';
  tag: string;
  lengthPos: number;
  lengthSize: 2 | 4;
  le: boolean;
  vrPos?: number;
  /** Start of the element's header (top-level data set elements only): where to insert. */
  startPos?: number;
}

export interface BaseModel {
  /** The bytes structural mutations apply to (for deflated: meta + the inflated data set). */
  target: Uint8Array;
  /** For Deflated Explicit VR LE: where the deflate stream starts (the target is re-deflated). */
  deflateAt?: number;
  explicit: boolean;
  littleEndian: boolean;
  nodes: Node[];
  /** Transfer Syntax UID element value and the group length value, for transfer-syntax lies. */
  ts?: { valuePos: number; length: number; groupLengthPos?: number };
}

const LONG_VRS = new Set('OB OD OF OL OV OW SQ SV UC UN UR UT UV'.split(' '));
const DEFLATED = '1.2.840.10008.1.2.1.99';

function analyse(raw: Uint8Array): BaseModel | undefined {
  let parsed;
  try {
    parsed = parseDicom(raw, { vrLookup });
  } catch {
    return undefined;
  }
  const shift = parsed.hasFileMeta && !parsed.hasPreamble ? 132 : 0;
  const ts = parsed.transferSyntaxUid;
  const explicit = ts !== '1.2.840.10008.1.2';
  const littleEndian = ts !== '1.2.840.10008.1.2.2';
  let target = raw;
  let deflateAt: number | undefined;
  if (ts === DEFLATED) {
    if (shift) return undefined;
    const metaEnd = Math.max(
      ...Object.values(parsed.dataSet.elements)
        .filter((e) => e.tag.startsWith('x0002'))
        .map((e) => e.dataOffset + e.length),
    );
    deflateAt = metaEnd;
    const inflated = inflateRawSync(raw.subarray(metaEnd));
    target = new Uint8Array(metaEnd + inflated.length);
    target.set(raw.subarray(0, metaEnd), 0);
    target.set(inflated, metaEnd);
  }
  const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
  const nodes: Node[] = [];
  const tagAt = (pos: number, le: boolean) =>
    pos >= 0 && pos + 4 <= target.length
      ? `x${view.getUint16(pos, le).toString(16).padStart(4, '0')}${view.getUint16(pos + 2, le).toString(16).padStart(4, '0')}`
      : '';

  const visit = (elements: Record<string, Element>, topLevel: boolean) => {
    for (const el of Object.values(elements)) {
      const meta = el.tag.startsWith('x0002') && topLevel;
      const le = meta ? true : littleEndian;
      const exp = meta ? true : explicit;
      const at = el.dataOffset - shift;
      if (exp && el.vr) {
        const long = LONG_VRS.has(el.vr);
        const start = at - (long ? 12 : 8);
        if (tagAt(start, le) === el.tag) {
          nodes.push({
            kind: 'element',
            tag: el.tag,
            lengthPos: at - (long ? 4 : 2),
            lengthSize: long ? 4 : 2,
            le,
            vrPos: start + 4,
            startPos: topLevel && !meta ? start : undefined,
          });
        }
      } else if (!exp) {
        const start = at - 8;
        if (tagAt(start, le) === el.tag) {
          nodes.push({ kind: 'element', tag: el.tag, lengthPos: at - 4, lengthSize: 4, le, startPos: topLevel ? start : undefined });
        }
      }
      for (const item of el.items ?? []) {
        const pos = item.dataOffset - shift - 4;
        if (tagAt(pos - 4, le) === 'xfffee000') nodes.push({ kind: 'item', tag: el.tag, lengthPos: pos, lengthSize: 4, le });
        if (item.dataSet) visit(item.dataSet.elements, false);
      }
      for (const f of el.fragments ?? []) {
        const pos = f.position - shift - 4;
        if (tagAt(pos - 4, le) === 'xfffee000') nodes.push({ kind: 'fragment', tag: el.tag, lengthPos: pos, lengthSize: 4, le });
      }
    }
  };
  visit(parsed.dataSet.elements, true);

  let tsModel: BaseModel['ts'];
  const tsEl = parsed.dataSet.elements.x00020010;
  if (tsEl && parsed.hasFileMeta) {
    const gl = parsed.dataSet.elements.x00020000;
    tsModel = { valuePos: tsEl.dataOffset - shift, length: tsEl.length, groupLengthPos: gl ? gl.dataOffset - shift : undefined };
  }
  // Pixel data is not a structural target of interest beyond its length/fragments: keep all.
  return { target, deflateAt, explicit, littleEndian, nodes, ts: tsModel };
}

const TS_LIES = [
  '1.2.840.10008.1.2',
  '1.2.840.10008.1.2.1',
  '1.2.840.10008.1.2.2',
  '1.2.840.10008.1.2.1.99',
  '1.2.840.10008.1.2.5',
  '1.2.840.10008.1.2.4.50',
  '1.2.840.10008.1.2.4.57',
  '1.2.840.10008.1.2.4.70',
  '1.2.840.10008.1.2.4.80',
  '1.2.840.10008.1.2.4.90',
  '1.2.840.10008.1.2.4.201',
  '1.2.3.4.5.6.7.8',
  '',
];
const VRS = 'AE AS AT CS DA DS DT FL FD IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV ZZ'.split(' ');

export type Structural =
  | { k: 'length'; node: number; value: 'zero' | 'odd' | 'huge' | 'undefined' | 'max' | 'past-end' | 'plus2' | 'minus2' }
  | { k: 'vr'; node: number; vr: string }
  | { k: 'nest'; node: number; depth: number; terminated: boolean; defined: boolean }
  | { k: 'ts'; uid: string }
  | { k: 'insert'; pos: number; bytes: Uint8Array };

export type ByteOp =
  | { k: 'flip'; pos: number; bit: number; header: boolean }
  | { k: 'set'; pos: number; value: number; header: boolean }
  | { k: 'truncate'; pos: number; header: boolean };

export interface Mutation {
  structural: Structural | null;
  bytes: ByteOp[];
}

/** A position as a fraction of a span, uniform (fc.double and biased integers crowd at 0). */
const frac = fc.noBias(fc.integer({ min: 0, max: 0xffffff })).map((x) => x / 0x1000000);

export function mutationArb(model: BaseModel | undefined): fc.Arbitrary<Mutation> {
  const n = model?.nodes.length ?? 0;
  const structural: fc.Arbitrary<Structural>[] = [fc.record({ k: fc.constant('insert' as const), pos: frac, bytes: fc.uint8Array({ minLength: 1, maxLength: 48 }) })];
  if (model && n > 0) {
    const node = fc.nat({ max: n - 1 });
    structural.push(
      fc.record({
        k: fc.constant('length' as const),
        node,
        value: fc.constantFrom('zero', 'odd', 'huge', 'undefined', 'max', 'past-end', 'plus2', 'minus2' as const),
      }),
      fc.record({ k: fc.constant('vr' as const), node, vr: fc.constantFrom(...VRS) }),
      fc.record({
        k: fc.constant('nest' as const),
        node,
        depth: fc.integer({ min: 1, max: 48 }),
        terminated: fc.boolean(),
        defined: fc.boolean(),
      }),
    );
    // Length lies are the richest vein: weight them up.
    structural.push(structural[1], structural[1]);
  }
  if (model?.ts) structural.push(fc.record({ k: fc.constant('ts' as const), uid: fc.constantFrom(...TS_LIES) }));
  const byteOp: fc.Arbitrary<ByteOp> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ k: fc.constant('flip' as const), pos: frac, bit: fc.integer({ min: 0, max: 7 }), header: fc.boolean() }) },
    {
      weight: 2,
      arbitrary: fc.record({ k: fc.constant('set' as const), pos: frac, value: fc.constantFrom(0x00, 0xff, 0x7f, 0x80, 0xfe, 0x01), header: fc.boolean() }),
    },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('truncate' as const), pos: frac, header: fc.boolean() }) },
  );
  return fc.record({
    structural: fc.option(fc.oneof(...structural), { nil: null, freq: 4 }),
    bytes: fc.array(byteOp, { maxLength: 3 }),
  });
}

function writeLength(t: Uint8Array, node: Node, value: number): void {
  const dv = new DataView(t.buffer, t.byteOffset, t.byteLength);
  if (node.lengthPos < 0 || node.lengthPos + node.lengthSize > t.length) return;
  if (node.lengthSize === 2) dv.setUint16(node.lengthPos, value & 0xffff, node.le);
  else dv.setUint32(node.lengthPos, value >>> 0, node.le);
}

function readLength(t: Uint8Array, node: Node): number {
  const dv = new DataView(t.buffer, t.byteOffset, t.byteLength);
  if (node.lengthPos < 0 || node.lengthPos + node.lengthSize > t.length) return 0;
  return node.lengthSize === 2 ? dv.getUint16(node.lengthPos, node.le) : dv.getUint32(node.lengthPos, node.le);
}

/** Applies a mutation to a base; returns the bytes to feed the service and a short description. */
export function applyMutation(base: Base, m: Mutation): { bytes: Uint8Array; what: string } {
  const model = base.model;
  const what: string[] = [];
  let out: Uint8Array;
  const s = m.structural;
  if (model && s && s.k !== 'ts' && s.k !== 'insert') {
    let t: Uint8Array = model.target.slice();
    const node = model.nodes[s.node % model.nodes.length];
    if (s.k === 'length') {
      const orig = readLength(t, node);
      const max = node.lengthSize === 2 ? 0xffff : 0xffffffff;
      const v = {
        zero: 0,
        odd: orig % 2 ? orig + 2 : orig + 1,
        huge: node.lengthSize === 2 ? 0xfffe : 0x7ffffff0,
        undefined: max,
        max: max - 1,
        'past-end': t.length - node.lengthPos,
        plus2: orig + 2,
        minus2: Math.max(0, orig - 2),
      }[s.value];
      writeLength(t, node, v);
      what.push(`${node.kind} ${node.tag} length ${orig} -> ${v >>> 0} (${s.value})`);
    } else if (s.k === 'vr') {
      if (node.vrPos !== undefined) {
        t[node.vrPos] = s.vr.charCodeAt(0);
        t[node.vrPos + 1] = s.vr.charCodeAt(1);
        what.push(`${node.tag} VR -> ${s.vr}`);
      }
    } else if (s.k === 'nest') {
      const starts = model.nodes.filter((x) => x.startPos !== undefined);
      if (starts.length) {
        const at = starts[s.node % starts.length].startPos!;
        const blob = nestedSequence({
          depth: s.depth,
          explicit: model.explicit,
          littleEndian: model.littleEndian,
          terminated: s.terminated || s.defined,
          defined: s.defined,
        });
        t = splice(t, at, blob);
        what.push(`nested SQ depth ${s.depth} ${s.defined ? 'defined' : s.terminated ? 'undefined+delimited' : 'undefined, unterminated'} at ${at}`);
      }
    }
    out = t;
    if (model.deflateAt !== undefined) {
      const d = deflateRawSync(t.subarray(model.deflateAt));
      out = new Uint8Array(model.deflateAt + d.length);
      out.set(t.subarray(0, model.deflateAt), 0);
      out.set(d, model.deflateAt);
      what.push('(re-deflated)');
    }
  } else {
    out = base.raw.slice();
  }
  if (s?.k === 'ts' && model?.ts) {
    const { valuePos, length, groupLengthPos } = model.ts;
    const value = Buffer.from(s.uid.length % 2 ? s.uid + '\0' : s.uid, 'latin1');
    const next = splice(out, valuePos, new Uint8Array(value), length);
    const dv = new DataView(next.buffer);
    dv.setUint16(valuePos - 2, value.length, true);
    if (groupLengthPos !== undefined && groupLengthPos < valuePos) {
      dv.setUint32(groupLengthPos, dv.getUint32(groupLengthPos, true) + value.length - length, true);
    }
    out = next;
    what.push(`transfer syntax -> "${s.uid}"`);
  }
  if (s?.k === 'insert') {
    const at = Math.floor(s.pos * Math.min(out.length, 4096));
    out = splice(out, at, s.bytes);
    what.push(`insert ${s.bytes.length} bytes at ${at}`);
  }
  for (const op of m.bytes) {
    if (out.length === 0) break;
    // The header region skips the preamble (its bytes are ignored by design) when there is one.
    const lo = op.header && out.length > 512 ? 128 : 0;
    const hi = op.header ? Math.min(out.length, 4096) : out.length;
    const pos = lo + Math.floor(op.pos * (hi - lo));
    if (op.k === 'flip') {
      out[pos] ^= 1 << op.bit;
      what.push(`flip bit ${op.bit} at ${pos}`);
    } else if (op.k === 'set') {
      out[pos] = op.value;
      what.push(`byte ${pos} = 0x${op.value.toString(16)}`);
    } else {
      out = out.slice(0, pos);
      what.push(`truncate at ${pos}`);
    }
  }
  return { bytes: out, what: what.join('; ') || 'unmutated' };
}
