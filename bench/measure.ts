/** Small timing helpers for the benchmarks: medians over repeated runs, never single shots. */
export interface Timing {
  median: number;
  p95: number;
  min: number;
  runs: number;
}

export function summarize(samples: number[]): Timing {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { median: at(0.5), p95: at(0.95), min: s[0], runs: s.length };
}

export async function time(fn: () => unknown, opts: { runs?: number; warmup?: number } = {}): Promise<Timing> {
  // Enough warm-up for the JIT to settle: a Lambda container serves many requests.
  const { runs = 15, warmup = 10 } = opts;
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return summarize(samples);
}

/**
 * The same, but each sample is the process's CPU time (user + system) of one call rather than the
 * wall clock: on a loaded machine a run waiting for a core counts no time, so a stage's own cost
 * shows through the load (single-threaded work only; zlib's sync calls run on this thread).
 */
export async function timeCpu(fn: () => unknown, opts: { runs?: number; warmup?: number } = {}): Promise<Timing> {
  const { runs = 15, warmup = 10 } = opts;
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    await fn();
    const c = process.cpuUsage(c0);
    samples.push((c.user + c.system) / 1000);
  }
  return summarize(samples);
}

export const ms = (n: number | undefined): string => (n === undefined ? '-' : n < 10 ? n.toFixed(2) : n.toFixed(1));

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}
