/**
 * Importing the decoder registry must load no codec package and no WebAssembly (the export
 * Lambda's module init stays small); each codec loads its package and WASM on first use.
 * Checked in a fresh Node process (load-probe.ts), whose module graph holds nothing a previous
 * test imported, with a resolve hook that sees every package import: an eager import of a
 * codec's glue fails here even though the glue compiles no WASM until its factory is called.
 * First-use load times are printed.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { corpusAvailable, corpusDir } from '../../../support/corpus.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..', '..', '..');

interface Snapshot {
  packages: string[];
  wasmCompiles: number;
  codecsLoaded: string[];
}
interface ProbeReport {
  imported: Snapshot;
  withParser: Snapshot;
  decoded?: Snapshot & { values: number };
}

function probe(file?: string): ProbeReport {
  const args = ['--import', 'tsx', join(here, 'load-probe.ts'), ...(file ? [file] : [])];
  return JSON.parse(execFileSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 })) as ProbeReport;
}

/** The packages that hold a decoder (lib/pixels/codecs and package.json). */
const codecPackages = (s: Snapshot) => s.packages.filter((p) => p.startsWith('@cornerstonejs/codec-') || p === 'jpeg-lossless-decoder-js');

let instantiations = 0;
const wasm = WebAssembly as unknown as Record<string, (...a: unknown[]) => unknown>;
for (const name of ['instantiate', 'instantiateStreaming', 'compile', 'compileStreaming']) {
  const original = wasm[name];
  if (typeof original !== 'function') continue;
  wasm[name] = (...args: unknown[]) => {
    instantiations++;
    return original.apply(WebAssembly, args);
  };
}

describe('lazy codec loading', () => {
  it('importing lib/pixels/decoders.js (and the parser) loads no codec package and compiles no WebAssembly', { timeout: 60_000 }, () => {
    const report = probe();
    expect(report.imported).toEqual({ packages: [], wasmCompiles: 0, codecsLoaded: [] });
    // The control: the hook does see package imports (the parser's dicom-parser).
    expect(report.withParser.packages).toContain('dicom-parser');
    expect(codecPackages(report.withParser)).toEqual([]);
    expect(report.withParser.wasmCompiles).toBe(0);
  });

  it.skipIf(!corpusAvailable)(
    `decoding one JPEG-LS frame loads CharLS and no other codec${corpusAvailable ? '' : ' (NOT RUN: ../shared/corpus not found)'}`,
    { timeout: 60_000 },
    () => {
      const { decoded } = probe(join(corpusDir, 'external/cornerstone3D/CTImage_jpegls_lossless_80.dcm'));
      expect(decoded?.values).toBe(512 * 512);
      expect(codecPackages(decoded!)).toEqual(['@cornerstonejs/codec-charls']);
      expect(decoded?.codecsLoaded).toEqual(['CharLS (JPEG-LS)']);
      expect(decoded?.wasmCompiles).toBe(1);
    },
  );

  it.skipIf(!corpusAvailable)(`first use loads each codec once${corpusAvailable ? '' : ' (NOT RUN: ../shared/corpus not found)'}`, async () => {
    const { parseDicom } = await import('../../../../lib/dicom/parse.js');
    const { encapsulatedFrame } = await import('../../../../lib/pixels/encapsulated.js');
    const { CODECS } = await import('../../../../lib/pixels/codecs/index.js');
    const { codecLoadTimes } = await import('../../../../lib/pixels/codecs/common.js');
    const { decodeCorpusFile } = await import('./corpus-helpers.js');
    const files = [
      'external/cornerstone3D/CTImage_jpeg_baseline_50.dcm',
      'external/cornerstone3D/CTImage_jpeg_lossless_57.dcm',
      'external/cornerstone3D/CTImage_jpegls_lossless_80.dcm',
      'external/cornerstone3D/CTImage_j2k_lossless_90.dcm',
      'external/pydicom-data/HTJ2KLossless_08_RGB.dcm',
    ];
    const lines: string[] = [];
    for (const path of files) {
      const { info } = await decodeCorpusFile(path, 0); // header only, no decode
      const stream = encapsulatedFrame(parseDicom(new Uint8Array(readFileSync(join(corpusDir, path)))), 0, 1);
      const before = instantiations;
      let t = performance.now();
      await CODECS[info.transferSyntaxUid](stream, info);
      const first = performance.now() - t;
      t = performance.now();
      await CODECS[info.transferSyntaxUid](stream, info);
      const second = performance.now() - t;
      lines.push(`${info.transferSyntaxUid} ${info.columns}x${info.rows}: first decode ${first.toFixed(1)} ms, second ${second.toFixed(1)} ms, WASM instantiations ${instantiations - before}`);
    }
    console.log(`codec first-use load times (import + instantiate), ms: ${JSON.stringify(codecLoadTimes)}\n${lines.join('\n')}`);
    expect(Object.keys(codecLoadTimes).length).toBeGreaterThanOrEqual(5);
  });
});
