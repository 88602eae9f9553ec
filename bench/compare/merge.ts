/**
 * Medians over several runs of the comparison (the machine is noisy; one run is not enough):
 *   cp bench/results/compare.json /tmp/compare-1.json   # after each BENCH_ONLY=compare run
 *   npx tsx bench/compare/merge.ts /tmp/compare-1.json /tmp/compare-2.json /tmp/compare-3.json
 * Prints the same tables as the run, each time the median of the runs' values; the in-process
 * "low-high" columns become the lowest and highest run median. Pixel comparisons are
 * deterministic and taken from the first run (the runs are checked to agree). The load-average
 * line at the end is the first run's; each run's is printed above the tables.
 */
import { readFileSync } from 'node:fs';
import { summarize } from '../measure.js';
import { type CompareResult, type TimingSpread, compareTables } from './compare.js';

const median = (xs: number[]) => summarize(xs).median;

function mergeSpread(spreads: TimingSpread[]): TimingSpread {
  const medians = spreads.map((s) => s.median);
  return { median: median(medians), low: Math.min(...medians), high: Math.max(...medians), p95: median(spreads.map((s) => s.p95)), perRound: medians };
}

export function mergeRuns(runs: CompareResult[]): CompareResult {
  const [first] = runs;
  const inProcess = first.inProcess.map((row, i) => {
    const same = runs.map((r) => r.inProcess[i]);
    const pydicom = row.pydicom
      ? Object.fromEntries(Object.keys(row.pydicom).map((level) => [level, { ...mergeSpread(same.map((s) => s.pydicom![level])), pngBytes: row.pydicom![level].pngBytes }]))
      : undefined;
    return { ...row, ours: row.ours && mergeSpread(same.map((s) => s.ours!)), ...(pydicom ? { pydicom } : {}) };
  });
  const http = first.http.map((h, i) => {
    const same = runs.map((r) => r.http[i]);
    if (same.some((s) => s.path !== h.path || s.key !== h.key || s.server !== h.server)) throw new Error('the runs measured different scenarios');
    return {
      ...h,
      firstMs: median(same.map((s) => s.firstMs)),
      byConnections: h.byConnections.map((c, j) => ({
        ...c,
        latency: { ...c.latency, median: median(same.map((s) => s.byConnections[j].latency.median)), p95: median(same.map((s) => s.byConnections[j].latency.p95)) },
        requestsPerSecond: median(same.map((s) => s.byConnections[j].requestsPerSecond)),
        non2xx: Math.max(...same.map((s) => s.byConnections[j].non2xx)),
      })),
    };
  });
  for (const r of runs) {
    r.pixels.forEach((p, i) => {
      if (JSON.stringify(p.diff) !== JSON.stringify(first.pixels[i].diff)) throw new Error(`pixel comparison differs between runs: ${p.key} ${p.variant} ${p.against}`);
    });
  }
  return {
    ...first,
    inProcess,
    http,
    httpMatchesInProcess: first.httpMatchesInProcess.map((m, i) => ({ ...m, identical: runs.every((r) => r.httpMatchesInProcess[i].identical) })),
  };
}

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('usage: npx tsx bench/compare/merge.ts compare-1.json [compare-2.json ...]\n');
  process.exit(2);
}
const runs = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as CompareResult);
const loads = runs.map((r, i) => `run ${i + 1}: ${r.loadAverage.start.toFixed(2)} -> ${r.loadAverage.end?.toFixed(2) ?? '-'}`).join('; ');
process.stdout.write(`Medians over ${runs.length} run(s): ${files.join(', ')}\n1-minute load average at start -> end, ${loads}\n\n${compareTables(mergeRuns(runs))}\n`);
