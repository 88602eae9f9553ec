/**
 * The deployed bundles decode compressed pixels only if each WASM codec finds its binary
 * beside the bundle. This bundles the codec modules exactly as the stack does (ESM, the
 * shared banner, the copied .wasm files) and instantiates every codec in a fresh process.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { CODEC_WASM_FILES, esbuildOptions } from '../../infra/bundling.js';

const work = mkdtempSync(join(tmpdir(), 'dicom-wasm-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function functionSettings(outfile: string) {
  const { entryPoints: _entry, ...settings } = esbuildOptions('functions/export.ts', outfile);
  return settings;
}

async function bundleProbe(copyWasm: boolean): Promise<string> {
  const dir = mkdtempSync(join(work, 'b-'));
  await build({
    stdin: {
      contents: `
        import { libjpegTurbo } from './lib/pixels/codecs/libjpeg-turbo.js';
        import { charls } from './lib/pixels/codecs/jpeg-ls.js';
        import { openjpeg } from './lib/pixels/codecs/jpeg2000.js';
        import { openjph } from './lib/pixels/codecs/htj2k.js';
        const out = {};
        for (const [name, codec] of Object.entries({ libjpegTurbo, charls, openjpeg, openjph })) {
          try { await codec.get(); out[name] = 'loaded'; } catch (e) { out[name] = String(e?.message ?? e); }
        }
        process.stdout.write(JSON.stringify(out));`,
      resolveDir: resolve('.'),
      sourcefile: 'probe.ts',
      loader: 'ts',
    },
    // The functions' settings (infra/bundling.ts) with this probe as the entry.
    ...functionSettings(join(dir, 'index.mjs')),
    logLevel: 'silent',
  });
  if (copyWasm) for (const f of CODEC_WASM_FILES) copyFileSync(resolve(f), join(dir, basename(f)));
  return join(dir, 'index.mjs');
}

const run = (bundle: string) =>
  JSON.parse(execFileSync(process.execPath, [bundle], { cwd: work, encoding: 'utf8', timeout: 60_000 })) as Record<string, string>;

describe('codec WASM in an ESM bundle', () => {
  it('every codec instantiates from the .wasm copied beside the bundle', async () => {
    expect(run(await bundleProbe(true))).toEqual({ libjpegTurbo: 'loaded', charls: 'loaded', openjpeg: 'loaded', openjph: 'loaded' });
  }, 90_000);

  it('without the copies they fail with a clear error, not a crash (so the copy step is what makes them work)', async () => {
    const out = run(await bundleProbe(false));
    for (const v of Object.values(out)) expect(v).toMatch(/could not be loaded/);
  }, 90_000);
});
