/**
 * Importing the codec table must not load any WebAssembly (the export Lambda's module init
 * stays small); each codec loads its WASM on first use. First-use load times are printed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusAvailable, corpusDir } from '../../../support/corpus.js';

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

describe('lazy WASM loading', () => {
  it('importing lib/pixels/codecs/index.js instantiates no WebAssembly', async () => {
    const before = instantiations;
    const started = performance.now();
    const { CODECS } = await import('../../../../lib/pixels/codecs/index.js');
    const { codecLoadTimes } = await import('../../../../lib/pixels/codecs/common.js');
    const ms = performance.now() - started;
    expect(Object.keys(CODECS)).toHaveLength(14);
    expect(instantiations - before).toBe(0);
    expect(codecLoadTimes).toEqual({});
    console.log(`import of the codec table (vitest, incl. TS transform): ${ms.toFixed(1)} ms, 0 WASM instantiations`);
  });

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
