/**
 * Issue 15: a JPEG 2000 thumbnail decoded at a reduced resolution against today's full decode +
 * downscale, on RG2_J2KR (1760 x 2140, .90) at size=128 and 256. "Full" is renderPixels +
 * encodeRendered (the pre-render's path: one full decode, then the downscale); "reduced" is
 * renderPng with `size` (the GET's path). Both in process, 8-bit PNG, from the parsed file.
 *
 * - first: the first render in a fresh Node process (tsx, unbundled): the OpenJPEG module is
 *   instantiated inside it; median over fresh processes, full and reduced alternating.
 * - warm: the same process rendering again (a new parse each time, no frame memo); full and
 *   reduced interleaved so the shared machine's load falls on both alike.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { corpusAvailable, corpusPath } from '../test/support/corpus.js';
import { vrLookup } from '../lib/dicom/dictionary.js';
import { parseDicom } from '../lib/dicom/parse.js';
import { encodeRendered, renderPixels, renderPng } from '../lib/render/render-frame.js';
import { ms, summarize, table, type Timing } from './measure.js';

export const J2K_REDUCED_FILE = 'external/wg04/RG2_J2KR.dcm';

export interface J2kReducedRow {
  size: number;
  /** Output width x height (the same for both paths). */
  output: string;
  firstFull: Timing;
  firstReduced: Timing;
  warmFull: Timing;
  warmReduced: Timing;
}

type Mode = 'full' | 'reduced';

/** One render of `bytes` as a `size` thumbnail; returns [ms, width, height]. */
async function renderOnce(bytes: Uint8Array, size: number, mode: Mode): Promise<[number, number, number]> {
  const t0 = performance.now();
  const parsed = parseDicom(bytes, { vrLookup });
  const req = { frame: 1, bitDepth: 8 as const, size };
  const out = mode === 'full' ? encodeRendered(await renderPixels(parsed, { ...req, size: undefined }), size) : await renderPng(parsed, req);
  return [performance.now() - t0, out.width, out.height];
}

/** The child: `node --import tsx bench/j2k-reduced.ts <file> <size> <mode>` prints one first render's ms. */
async function child(): Promise<void> {
  const [, , file, size, mode] = process.argv;
  const [ms] = await renderOnce(new Uint8Array(readFileSync(file)), Number(size), mode as Mode);
  process.stdout.write(JSON.stringify({ ms }));
}

function firstInFreshProcess(file: string, size: number, mode: Mode): number {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/j2k-reduced.ts', file, String(size), mode], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent' } });
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr.slice(-500)}`);
  return (JSON.parse(r.stdout) as { ms: number }).ms;
}

/** Undefined without the corpus. `runs` per cell (median), default 5. */
export async function benchJ2kReduced(runs = 5, sizes = [128, 256]): Promise<J2kReducedRow[] | undefined> {
  if (!corpusAvailable) return undefined;
  const file = corpusPath(J2K_REDUCED_FILE);
  const bytes = new Uint8Array(readFileSync(file));
  const rows: J2kReducedRow[] = [];
  for (const size of sizes) {
    const first: Record<Mode, number[]> = { full: [], reduced: [] };
    const warm: Record<Mode, number[]> = { full: [], reduced: [] };
    for (let i = 0; i < runs; i++) {
      for (const mode of (i % 2 ? ['reduced', 'full'] : ['full', 'reduced']) as Mode[]) first[mode].push(firstInFreshProcess(file, size, mode));
    }
    await renderOnce(bytes, size, 'full'); // load the module, warm the JIT
    await renderOnce(bytes, size, 'reduced');
    let output = '';
    for (let i = 0; i < runs; i++) {
      for (const mode of (i % 2 ? ['reduced', 'full'] : ['full', 'reduced']) as Mode[]) {
        const [ms, w, h] = await renderOnce(bytes, size, mode);
        warm[mode].push(ms);
        output = `${w}x${h}`;
      }
    }
    rows.push({ size, output, firstFull: summarize(first.full), firstReduced: summarize(first.reduced), warmFull: summarize(warm.full), warmReduced: summarize(warm.reduced) });
  }
  return rows;
}

if (process.argv[1]?.endsWith('j2k-reduced.ts') && process.argv.length >= 5) {
  child().catch((e: unknown) => {
    process.stderr.write(`${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = 1;
  });
}

/** bench/run.ts's BENCH_ONLY=j2kres section: prints the table, returns the rows for bench.json. */
export async function runJ2kReducedSection(say: (s: string) => void): Promise<J2kReducedRow[] | string> {
  say('\n## JPEG 2000 thumbnail: full decode + downscale vs reduced-resolution decode (bench/j2k-reduced.ts), RG2_J2KR, median ms\n');
  const rows = await benchJ2kReduced(Number(process.env.BENCH_J2KRES_RUNS ?? 5));
  if (!rows) {
    say('NOT RUN: ../shared/corpus not found (set DICOM_CORPUS).');
    return 'not run: ../shared/corpus not found';
  }
  say(
    table(
      ['size', 'output', 'first (fresh process): full', 'reduced', 'warm: full', 'reduced', 'warm speed-up'],
      rows.map((r) => [r.size, r.output, ms(r.firstFull.median), ms(r.firstReduced.median), ms(r.warmFull.median), ms(r.warmReduced.median), `${(r.warmFull.median / r.warmReduced.median).toFixed(1)}x`]),
    ),
  );
  return rows;
}
