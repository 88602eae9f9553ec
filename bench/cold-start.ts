/**
 * The cold start we control: each function bundled as CDK bundles it (esbuild, ESM, minified,
 * node22 target), its size, and its module-initialisation time in a fresh Node process,
 * next to `node -e 0`. Also the export's peak RSS rendering the 8 MB DX image.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { ESM_BANNER } from '../infra/bundling.js';
import { FUNCTION_ENTRIES, type FunctionName } from '../lib/http/routes.js';
import { summarize, type Timing } from './measure.js';

export interface ColdStartRow {
  function: string;
  bundleBytes: number;
  /** Time to import the bundle, measured inside the fresh process. */
  importMs: Timing;
  /** Wall time of `node bundle` minus wall time of `node -e 0` (medians). */
  aboveNodeMs: number;
}

const BANNER = ESM_BANNER;

async function bundle(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    banner: { js: BANNER },
    logLevel: 'silent',
  });
}

function wall(args: string[], runs: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    out.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${r.stderr}`);
  }
  return out;
}

export async function benchColdStart(outDir: string, runs: number): Promise<ColdStartRow[]> {
  mkdirSync(outDir, { recursive: true });
  const baseline = summarize(wall(['-e', '0'], runs)).median;
  const rows: ColdStartRow[] = [];
  for (const [name, entry] of Object.entries(FUNCTION_ENTRIES) as [FunctionName, string][]) {
    const outfile = resolve(outDir, `${name}.mjs`);
    await bundle(resolve(entry), outfile);
    const probe = resolve(outDir, `${name}.probe.mjs`);
    writeFileSync(probe, `const t0 = performance.now(); await import(${JSON.stringify(outfile)}); process.stdout.write(String(performance.now() - t0));`);
    const imports: number[] = [];
    const walls: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [probe], { encoding: 'utf8', env: { ...process.env, BUCKET_NAME: 'bench' } });
      walls.push(performance.now() - t0);
      if (r.status !== 0) throw new Error(`${name} bundle failed to load: ${r.stderr}`);
      imports.push(Number(r.stdout));
    }
    rows.push({
      function: name,
      bundleBytes: statSync(outfile).size,
      importMs: summarize(imports),
      aboveNodeMs: summarize(walls).median - baseline,
    });
  }
  return rows;
}

export interface RssResult {
  image: string;
  baselineRssMb: number;
  peakRssMb: number;
}

/** Peak RSS of a fresh process that parses and renders the file at 8 and 16 bits, as the export Lambda does. */
export async function benchExportRss(outDir: string, dicomPath: string, image: string): Promise<RssResult> {
  const script = join(outDir, 'rss-export.mjs');
  await build({
    stdin: {
      contents: `
        import { readFileSync } from 'node:fs';
        import { parseDicom } from './lib/dicom/parse.js';
        import { vrLookup } from './lib/dicom/dictionary.js';
        import { renderPng } from './lib/render/render-frame.js';
        const baseline = process.resourceUsage().maxRSS;
        const bytes = new Uint8Array(readFileSync(process.argv[2]));
        for (const bitDepth of [8, 16]) await renderPng(parseDicom(bytes, { vrLookup }), { frame: 1, bitDepth });
        process.stdout.write(JSON.stringify({ baseline, peak: process.resourceUsage().maxRSS }));
      `,
      resolveDir: resolve('.'),
      sourcefile: 'rss-export.ts',
      loader: 'ts',
    },
    outfile: script,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    banner: { js: BANNER },
    logLevel: 'silent',
  });
  const r = spawnSync(process.execPath, [script, dicomPath], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`rss probe failed: ${r.stderr}`);
  const { baseline, peak } = JSON.parse(r.stdout) as { baseline: number; peak: number };
  return { image, baselineRssMb: baseline / 1024, peakRssMb: peak / 1024 };
}
