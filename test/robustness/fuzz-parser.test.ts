/**
 * Property-based fuzzing of every path that reads untrusted DICOM bytes: the parser, the
 * header JSON model (full parse and the ranged, incremental read of GET /files/{id}/tags),
 * the export path (parse, render, cache write) and the compressed-pixel codecs.
 *
 * Inputs: writer fixtures (always) and ~14 corpus files (when /work/shared/corpus is there),
 * mutated by bit flips, byte sets, truncations, inserted bytes, length fields set to
 * 0 / odd / huge / 0xFFFFFFFF / past the end, wrong VRs, nested (un)defined-length
 * sequences and transfer-syntax lies (see harness.ts).
 *
 * Property: every step ends in a result or a DomainError with a 4xx status; never another
 * exception, never longer than FUZZ_CASE_BUDGET_MS (a hung case is terminated), never more
 * than FUZZ_RSS_BUDGET_MB of RSS growth; and the ranged header read agrees with a full parse.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusAvailable } from '../support/corpus.js';
import {
  type Base,
  CaseRunner,
  FUZZ_RUNS,
  MiB,
  applyMutation,
  fcParams,
  headerDivergence,
  loadBases,
  mutationArb,
  removeWorkerBundle,
  seedLabel,
  violations,
} from './harness.js';

const bases: Base[] = loadBases();
let runner: CaseRunner;
const tally = new Map<string, number>();
const count = (key: string) => tally.set(key, (tally.get(key) ?? 0) + 1);

beforeAll(async () => {
  runner = await CaseRunner.create();
}, 60_000);

afterAll(async () => {
  await runner?.close();
  await removeWorkerBundle();
  const lines = [...tally.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `  ${k}: ${v}`);
  console.log(
    `[robustness] fuzz: ${runner?.cases ?? 0} cases over ${bases.length} bases (${seedLabel}); ` +
      `slowest ${Math.round(runner?.slowest.ms ?? 0)} ms (${runner?.slowest.label}); peak RSS growth ${Math.round((runner?.peakRssGrowth ?? 0) / MiB)} MiB\n` +
      `outcomes per step:\n${lines.join('\n')}`,
  );
});

describe(`fuzzing the parser, header JSON, render and codecs (${seedLabel})`, () => {
  it(`has bases to mutate: ${bases.length} (${corpusAvailable ? 'writer fixtures + corpus' : 'writer fixtures only: corpus NOT available'})`, () => {
    expect(bases.length).toBeGreaterThanOrEqual(10);
    // Structure-aware mutations need a model of the base (from a successful parse); a base the
    // parser refuses still gets the byte-level mutations. Conformance suites own why it is refused.
    const unmodelled = bases.filter((b) => !b.model).map((b) => b.name);
    if (unmodelled.length) console.log(`[robustness] bases the parser refuses (byte-level mutations only): ${unmodelled.join(', ')}`);
    expect(bases.length - unmodelled.length).toBeGreaterThanOrEqual(10);
  });

  it('unmutated bases keep the contract (and warm up the codecs)', async () => {
    for (const base of bases) {
      const r = await runner.run(base.raw, { label: base.name, budgetMs: 15_000 });
      for (const s of r.results) count(`${s.step} ${s.outcome}${s.code ? ' ' + s.code : ''}`);
      expect.soft(violations(r, 15_000), base.name).toEqual([]);
      expect.soft(headerDivergence(r), base.name).toBeUndefined();
    }
  }, 120_000);

  for (const base of bases) {
    it(`mutated ${base.name} x${FUZZ_RUNS}`, async () => {
      await fc.assert(
        fc.asyncProperty(
          mutationArb(base.model),
          fc.constantFrom(64 * 1024, 4096, 512),
          fc.constantFrom(1, 1, 2),
          fc.constantFrom(8 as const, 16 as const),
          async (m, firstReadBytes, frame, bitDepth) => {
            const { bytes, what } = applyMutation(base, m);
            const r = await runner.run(bytes, { firstReadBytes, frame, bitDepth, label: `${base.name}: ${what}` });
            for (const s of r.results) count(`${s.step} ${s.outcome}${s.code ? ' ' + s.code : ''}`);
            const v = violations(r);
            const d = headerDivergence(r);
            if (d) v.push(d);
            if (v.length) {
              throw new Error(`${base.name} [${what}] (firstRead ${firstReadBytes}, frame ${frame}, bitDepth ${bitDepth}):\n  ${v.join('\n  ')}`);
            }
          },
        ),
        fcParams(),
      );
    }, 300_000);
  }
});
