/**
 * The native decoders the benchmarks time beside this service (issue 15: bench/cold-compressed.ts,
 * bench/inline.ts), in one place: which command-line tools decode a given DICOM file and how each
 * runs as a whole process (start-up, read, decode, write the pixels; spawn to exit).
 *
 *   gdcmconv --raw   the DICOM file to native pixel data (JPEG, JPEG-LS, JPEG 2000, RLE; Debian's
 *                    GDCM 3.0 has no HTJ2K)
 *   dcmdjpeg         the same for JPEG only (DCMTK 3.6.7; no JPEG 2000, no HTJ2K)
 *   opj_decompress   OpenJPEG 2.5: JPEG 2000 and, since 2.5.0, HTJ2K code-blocks
 *   ojph_expand      OpenJPH: HTJ2K only (ISO 15444-15)
 *
 * The last two read a bare codestream, not DICOM: the first frame's bitstream (PS3.5 A.4, its
 * fragment(s) joined as the service joins them) is written to a temporary .j2c once, before any
 * timing, and they decode it to .pgm (greyscale, up to 16 bits) or .ppm (3 components). They skip
 * the DICOM parse the other tools and the service pay: slightly in their favour (BARE_CODESTREAM_NOTE).
 * bench/compare/install.sh installs all four from Debian.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vrLookup } from '../lib/dicom/dictionary.js';
import { parseDicom } from '../lib/dicom/parse.js';
import { type DecoderId, transferSyntax } from '../lib/dicom/transfer-syntax.js';
import { j2kCodestream, readJ2kHeader } from '../lib/pixels/codecs/j2k-codestream.js';
import { encapsulatedFrame } from '../lib/pixels/encapsulated.js';
import { decimal } from '../lib/pixels/image-info.js';
import { summarize, type Timing } from './measure.js';

export type NativeTool = 'gdcmconv' | 'dcmdjpeg' | 'opj_decompress' | 'ojph_expand';

/** Every tool, in the order tables show them. */
export const NATIVE_TOOLS: readonly NativeTool[] = ['gdcmconv', 'dcmdjpeg', 'opj_decompress', 'ojph_expand'];

/** Which tools decode a transfer syntax's codec (lib/dicom/transfer-syntax.ts DecoderId). */
const DECODES: Record<NativeTool, readonly DecoderId[]> = {
  gdcmconv: ['jpeg', 'jpegLs', 'jpeg2000', 'rle'],
  dcmdjpeg: ['jpeg'],
  opj_decompress: ['jpeg2000', 'htj2k'],
  ojph_expand: ['htj2k'],
};

const BARE: ReadonlySet<NativeTool> = new Set(['opj_decompress', 'ojph_expand']);

/** The table label of a tool's column or row; bare-codestream tools are marked. */
export const toolLabel = (tool: NativeTool): string => (tool === 'gdcmconv' ? 'gdcmconv --raw' : BARE.has(tool) ? `${tool} (bare codestream)` : tool);

export const BARE_CODESTREAM_NOTE =
  'opj_decompress and ojph_expand decode a bare codestream (the first frame, extracted from the DICOM file before timing): no DICOM parse, slightly in their favour';

export interface NativeAnchor {
  tool: NativeTool;
  label: string;
  /** One whole process, spawn to exit; true when it exited 0. */
  run(): boolean;
}

export interface NativeAnchorSet {
  /** The tools that apply, are installed, and decoded the file in a trial run. */
  anchors: NativeAnchor[];
  /** Tools that apply but are not installed or refused the file. */
  notes: string[];
  /** Removes the temporary files (the codestream, the outputs). */
  dispose(): void;
}

const installed = new Map<NativeTool, boolean>();
export function toolInstalled(tool: NativeTool): boolean {
  let yes = installed.get(tool);
  if (yes === undefined) {
    // Only "not found" counts: some of these print their usage and exit non-zero on any option.
    yes = !spawnSync(tool, ['--version'], { stdio: 'ignore', timeout: 10_000 }).error;
    installed.set(tool, yes);
  }
  return yes;
}

/**
 * The anchors for one image. `path` is the file on disk when there is one (else `bytes` is
 * written to a temporary file). The codestream is extracted here, untimed.
 */
export function nativeAnchors(image: { name: string; bytes: Uint8Array; path?: string }): NativeAnchorSet {
  const notes: string[] = [];
  const parsed = parseDicom(image.bytes, { vrLookup });
  const codec = transferSyntax(parsed.transferSyntaxUid)?.decoder;
  const tools = NATIVE_TOOLS.filter((t) => codec !== undefined && DECODES[t].includes(codec));
  const dir = mkdtempSync(join(tmpdir(), 'native-anchor-'));
  const anchors: NativeAnchor[] = [];
  try {
    let dicomPath = image.path;
    let codestream: { path: string; components: number } | undefined;
    for (const tool of tools) {
      if (!toolInstalled(tool)) {
        notes.push(`${tool} not installed (bench/compare/install.sh installs it)`);
        continue;
      }
      let args: string[];
      if (BARE.has(tool)) {
        if (!codestream) {
          const frames = decimal(parsed.dataSet, 'x00280008') ?? 1;
          const stream = j2kCodestream(encapsulatedFrame(parsed, 0, frames));
          codestream = { path: join(dir, 'frame.j2c'), components: readJ2kHeader(stream).components };
          writeFileSync(codestream.path, stream);
        }
        // PGM/PPM hold up to 16 bits per sample in both tools; a PGM of a 3-component image would keep one.
        args = ['-i', codestream.path, '-o', join(dir, `${tool}.${codestream.components === 1 ? 'pgm' : 'ppm'}`)];
      } else {
        if (!dicomPath) {
          dicomPath = join(dir, 'in.dcm');
          writeFileSync(dicomPath, image.bytes);
        }
        args = [...(tool === 'gdcmconv' ? ['--raw'] : []), dicomPath, join(dir, `${tool}.dcm`)];
      }
      const run = () => spawnSync(tool, args, { stdio: 'ignore' }).status === 0;
      if (run()) anchors.push({ tool, label: toolLabel(tool), run });
      else notes.push(`${tool} cannot decode ${image.name}`);
    }
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return { anchors, notes, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * `n` whole-process runs, spawn to exit, after one untimed run (it warms the page cache, as a
 * deployed image's files are); undefined when a run fails. `inner` collects what a run reports
 * about itself (e.g. the service's render time inside its process).
 */
export function timeWholeProcess(n: number, run: () => { ok: boolean; inner?: number }): { wall: Timing; inner: number[] } | undefined {
  const walls: number[] = [];
  const inner: number[] = [];
  for (let i = -1; i < n; i++) {
    const t0 = performance.now();
    const r = run();
    const wall = performance.now() - t0;
    if (!r.ok) return undefined;
    if (i < 0) continue;
    walls.push(wall);
    if (r.inner !== undefined) inner.push(r.inner);
  }
  return { wall: summarize(walls), inner };
}

/** Every anchor of the image timed over `n` runs; failures become notes. */
export function timeAnchors(set: NativeAnchorSet, n: number, imageName: string): Array<{ tool: NativeTool; label: string; latency: Timing }> {
  const out: Array<{ tool: NativeTool; label: string; latency: Timing }> = [];
  for (const a of set.anchors) {
    const t = timeWholeProcess(n, () => ({ ok: a.run() }));
    if (t) out.push({ tool: a.tool, label: a.label, latency: t.wall });
    else set.notes.push(`${a.tool} failed on ${imageName} while timed`);
  }
  return out;
}
