/**
 * Issue 15, compressed images in a new container: the first render of a compressed file in a
 * fresh Node process (module load, the codec's WASM compile, decode, window, PNG), bundled as CDK
 * bundles the export (infra/bundling.ts), against the whole process of the native decoders
 * (bench/native-anchors.ts: gdcmconv --raw, dcmdjpeg, opj_decompress, ojph_expand: start-up and
 * decode) on the same file. Both timed from spawn to exit; medians. Corpus images are skipped
 * with a note without the corpus; the generated greyscale HTJ2K images (bench/htj2k-fixture.ts)
 * always run. A tool that is not installed is a note.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { CODEC_WASM_FILES, esbuildOptions } from '../infra/bundling.js';
import { corpusAvailable, corpusPath } from '../test/support/corpus.js';
import { htj2kBenchImages } from './htj2k-fixture.js';
import { summarize, type Timing } from './measure.js';
import { vrLookup } from '../lib/dicom/dictionary.js';
import { parseDicom } from '../lib/dicom/parse.js';
import { decodeFrame } from '../lib/pixels/decoders.js';
import { DECODED_FRAME_SYNTAXES, encodeDecodedFrame } from '../lib/pixels/decoded-frame-file.js';
import { readImageInfo } from '../lib/pixels/image-info.js';
import { BARE_CODESTREAM_NOTE, nativeAnchors, type NativeTool, timeAnchors, timeWholeProcess } from './native-anchors.js';

export interface ColdCompressedRow {
  image: string;
  /** Fresh process, spawn to exit, rendering one 8-bit PNG. */
  service: Timing;
  /** Inside that process: from the start of the render (parse, WASM load, decode, PNG). */
  renderInProcess: Timing;
  /**
   * The same first render in a fresh process when the processor has written the frame decoded
   * (lib/pixels/decoded-frame-file.ts): the export's ReadySources.load with the upload and the
   * decoded frame answered from memory (the two GETs a new container makes in parallel).
   */
  fromDecodedFrame?: { service: Timing; renderInProcess: Timing };
  /** The native tools' whole process on the same image (bench/native-anchors.ts). */
  anchors: Array<{ tool: NativeTool; label: string; latency: Timing }>;
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

const FROM_DECODED_SCRIPT = `
  import { readFileSync } from 'node:fs';
  import { ReadySources } from './lib/export/ready-sources.js';
  import { renderPng } from './lib/render/render-frame.js';
  const dicom = new Uint8Array(readFileSync(process.argv[2]));
  const decoded = new Uint8Array(readFileSync(process.argv[3]));
  const storage = { get: async (key) => (key.endsWith('.dcm') ? dicom : key.includes('/decoded/') ? decoded : undefined) };
  const ref = { tenant: 't' + '0'.repeat(32), id: '00000000-0000-4000-8000-000000000000' };
  const t0 = performance.now();
  const sources = new ReadySources(storage, { maxUploadBytes: 1e9 }, 60000);
  const parsed = await sources.load(ref, { size: dicom.length }, 0, '0'.repeat(64));
  const out = await renderPng(parsed, { frame: 1, bitDepth: 8 });
  process.stdout.write(JSON.stringify({ ms: performance.now() - t0, png: out.png.length }));
`;

/** The file the processor would write for frame 1 of `path`, or undefined when it writes none. */
async function decodedFrameFileOf(path: string): Promise<Uint8Array | undefined> {
  const parsed = parseDicom(new Uint8Array(readFileSync(path)), { vrLookup });
  if (!DECODED_FRAME_SYNTAXES.has(parsed.transferSyntaxUid)) return undefined;
  return encodeDecodedFrame(await decodeFrame(parsed, readImageInfo(parsed), 0));
}

export async function benchColdCompressed(outDir: string, n: number): Promise<{ rows: ColdCompressedRow[]; notes: string[] }> {
  const notes: string[] = [];
  const dir = join(outDir, 'cold-render');
  mkdirSync(dir, { recursive: true });
  const script = join(dir, 'render-once.mjs');
  await build({ ...esbuildOptions('stdin.ts', script), entryPoints: undefined, stdin: { contents: SCRIPT, resolveDir: resolve('.'), sourcefile: 'render-once.ts', loader: 'ts' }, sourcemap: false, logLevel: 'silent' });
  const fromDecodedScript = join(dir, 'render-from-decoded.mjs');
  await build({
    ...esbuildOptions('stdin.ts', fromDecodedScript),
    entryPoints: undefined,
    stdin: { contents: FROM_DECODED_SCRIPT, resolveDir: resolve('.'), sourcefile: 'render-from-decoded.ts', loader: 'ts' },
    sourcemap: false,
    logLevel: 'silent',
  });
  for (const wasm of CODEC_WASM_FILES) copyFileSync(wasm, join(dir, basename(wasm)));
  const images: Array<{ name: string; path: string }> = [];
  if (!corpusAvailable) notes.push('corpus rows skipped: corpus not found (set DICOM_CORPUS)');
  else {
    for (const img of COLD_IMAGES) {
      const path = corpusPath(img.path);
      if (existsSync(path)) images.push({ name: img.name, path });
      else notes.push(`${img.name}: not in the corpus`);
    }
  }
  for (const [i, img] of (await htj2kBenchImages()).entries()) {
    const path = join(dir, `htj2k-${i}.dcm`);
    writeFileSync(path, img.bytes);
    images.push({ name: img.name, path });
  }
  const rows: ColdCompressedRow[] = [];
  for (const img of images) {
    const service = timeWholeProcess(n, () => {
      const r = spawnSync(process.execPath, [script, img.path], { encoding: 'utf8' });
      return r.status === 0 ? { ok: true, inner: (JSON.parse(r.stdout) as { ms: number }).ms } : { ok: false };
    });
    if (!service) {
      notes.push(`${img.name}: the service could not render it`);
      continue;
    }
    const decodedFile = await decodedFrameFileOf(img.path);
    let fromDecodedFrame: ColdCompressedRow['fromDecodedFrame'];
    if (decodedFile) {
      const decodedPath = join(dir, `${basename(img.path)}.decoded-f1.bin`);
      writeFileSync(decodedPath, decodedFile);
      const r = timeWholeProcess(n, () => {
        const out = spawnSync(process.execPath, [fromDecodedScript, img.path, decodedPath], { encoding: 'utf8' });
        return out.status === 0 ? { ok: true, inner: (JSON.parse(out.stdout) as { ms: number }).ms } : { ok: false };
      });
      if (r) fromDecodedFrame = { service: r.wall, renderInProcess: summarize(r.inner) };
      else notes.push(`${img.name}: could not render from the decoded frame`);
    }
    const set = nativeAnchors({ name: img.name, bytes: new Uint8Array(readFileSync(img.path)), path: img.path });
    try {
      const anchors = timeAnchors(set, n, img.name);
      rows.push({ image: img.name, service: service.wall, renderInProcess: summarize(service.inner), ...(fromDecodedFrame ? { fromDecodedFrame } : {}), anchors });
    } finally {
      set.dispose();
      for (const note of set.notes) if (!notes.includes(note)) notes.push(note);
    }
  }
  const node = timeWholeProcess(n, () => ({ ok: spawnSync(process.execPath, ['-e', '0']).status === 0 }));
  if (node) notes.push(`node -e 0 (Node's own start, in every service row): p50 ${node.wall.median.toFixed(0)} ms`);
  notes.push(BARE_CODESTREAM_NOTE);
  writeFileSync(join(dir, 'result.json'), JSON.stringify(rows, null, 2));
  return { rows, notes };
}
