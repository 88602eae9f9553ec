/**
 * Issue 15, compressed images in a new container: the first render of a compressed file in a
 * fresh Node process (module load, the codec's WASM compile, decode, window, PNG), bundled as CDK
 * bundles the export (infra/bundling.ts), against the whole process of the native decoders
 * (`gdcmconv --raw`, `dcmdjpeg`: start-up and decode to native pixel data) on the same file.
 * Both timed from spawn to exit; medians. Skipped with a note without the corpus or the tools.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { CODEC_WASM_FILES, esbuildOptions } from '../infra/bundling.js';
import { corpusAvailable, corpusPath } from '../test/support/corpus.js';
import { summarize, type Timing } from './measure.js';

export interface ColdCompressedRow {
  image: string;
  /** Fresh process, spawn to exit, rendering one 8-bit PNG. */
  service: Timing;
  /** Inside that process: from the start of the render (parse, WASM load, decode, PNG). */
  renderInProcess: Timing;
  /** Fresh `node -e 0`, for the share of the process that is Node's own start. */
  anchors: Array<{ tool: string; latency: Timing }>;
}

export const COLD_IMAGES = [
  { name: 'JPEG Lossless .70, CT 512', path: 'external/cornerstone3D/CTImage_jpeg_lossless_sv1_70.dcm' },
  { name: 'JPEG Lossless .70, 2394x3062 (GH133)', path: 'external/fo-dicom/GH133.dcm' },
  { name: 'JPEG 2000 .90, 1760x2140 (RG2_J2KR)', path: 'external/wg04/RG2_J2KR.dcm' },
  { name: 'JPEG 2000 .91, CT 512', path: 'external/cornerstone3D/CTImage_j2k_91.dcm' },
  { name: 'HTJ2K lossless RGB (HTJ2KLossless_08_RGB)', path: 'external/pydicom-data/HTJ2KLossless_08_RGB.dcm' },
];

const SCRIPT = `
  import { readFileSync } from 'node:fs';
  import { parseDicom } from './lib/dicom/parse.js';
  import { vrLookup } from './lib/dicom/dictionary.js';
  import { renderPng } from './lib/render/render-frame.js';
  const bytes = new Uint8Array(readFileSync(process.argv[2]));
  const t0 = performance.now();
  const out = await renderPng(parseDicom(bytes, { vrLookup }), { frame: 1, bitDepth: 8 });
  process.stdout.write(JSON.stringify({ ms: performance.now() - t0, png: out.png.length }));
`;

function runs(n: number, run: () => { ok: boolean; inner?: number }): { wall: Timing; inner: number[] } | undefined {
  const walls: number[] = [];
  const inner: number[] = [];
  for (let i = -1; i < n; i++) {
    const t0 = performance.now();
    const r = run();
    const wall = performance.now() - t0;
    if (!r.ok) return undefined;
    if (i < 0) continue; // the first run warms the page cache, as a deployed image's files are
    walls.push(wall);
    if (r.inner !== undefined) inner.push(r.inner);
  }
  return { wall: summarize(walls), inner };
}

export async function benchColdCompressed(outDir: string, n: number): Promise<{ rows: ColdCompressedRow[]; notes: string[] }> {
  const notes: string[] = [];
  if (!corpusAvailable) return { rows: [], notes: ['cold compressed rows skipped: corpus not found (set DICOM_CORPUS)'] };
  const dir = join(outDir, 'cold-render');
  mkdirSync(dir, { recursive: true });
  const script = join(dir, 'render-once.mjs');
  await build({ ...esbuildOptions('stdin.ts', script), entryPoints: undefined, stdin: { contents: SCRIPT, resolveDir: resolve('.'), sourcefile: 'render-once.ts', loader: 'ts' }, sourcemap: false, logLevel: 'silent' });
  for (const wasm of CODEC_WASM_FILES) copyFileSync(wasm, join(dir, basename(wasm)));
  const tools = [
    ['gdcmconv', ['--raw']],
    ['dcmdjpeg', []],
  ] as const;
  const installed = tools.filter(([t]) => !spawnSync(t, ['--version']).error);
  for (const [t] of tools) if (!installed.some(([i]) => i === t)) notes.push(`${t} not installed (bench/compare/install.sh installs it)`);
  const tmp = mkdtempSync(join(tmpdir(), 'cold-native-'));
  const rows: ColdCompressedRow[] = [];
  try {
    for (const img of COLD_IMAGES) {
      const path = corpusPath(img.path);
      if (!existsSync(path)) {
        notes.push(`${img.name}: not in the corpus`);
        continue;
      }
      const service = runs(n, () => {
        const r = spawnSync(process.execPath, [script, path], { encoding: 'utf8' });
        return r.status === 0 ? { ok: true, inner: (JSON.parse(r.stdout) as { ms: number }).ms } : { ok: false };
      });
      if (!service) {
        notes.push(`${img.name}: the service could not render it`);
        continue;
      }
      const anchors: ColdCompressedRow['anchors'] = [];
      for (const [tool, args] of installed) {
        const out = join(tmp, 'out.dcm');
        const a = runs(n, () => ({ ok: spawnSync(tool, [...args, path, out]).status === 0 }));
        if (a) anchors.push({ tool: `${tool} ${args.join(' ')}`.trim(), latency: a.wall });
        else notes.push(`${tool} cannot decode ${img.name}`);
      }
      rows.push({ image: img.name, service: service.wall, renderInProcess: summarize(service.inner), anchors });
    }
    const node = runs(n, () => ({ ok: spawnSync(process.execPath, ['-e', '0']).status === 0 }));
    if (node) notes.push(`node -e 0 (Node's own start, in every service row): p50 ${node.wall.median.toFixed(0)} ms`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  writeFileSync(join(dir, 'result.json'), JSON.stringify(rows, null, 2));
  return { rows, notes };
}
