/**
 * Conformance of the pixel pipeline (every transfer syntax, photometric and bit depth in the
 * shared corpus) against the references made with dcmtk 3.6.7 (`dcm2pnm`/`dcmj2pnm`/`dcml2pnm`
 * `+on`, `+Wi 1` / `+Wm` / `+Wl 1`), gdcm and pydicom. See ../shared/corpus/reference/README.md
 * for how every reference was made.
 *
 * - Decode: all frames' stored values vs `pixels.json` sha256 (exact for lossless; for lossy
 *   codecs within the README's tolerance against `pixels.raw.gz`).
 * - Render: frame 1 at 8 bits with our default VOI vs the dcmtk rendering of the same VOI
 *   (file window 1 -> window1, VOI LUT -> voilut1, min-max -> minmax; colour -> default):
 *   >= 99.9% of samples within 1 grey level (lossless), README tolerance for lossy codecs.
 *   When only a hash is stored and ours differs, the recorded dcmtk command is re-run locally
 *   (if dcmtk is installed and reproduces the recorded hash) to compare with the tolerance.
 * - Everything else must be refused with a 4xx DomainError, never rendered wrong.
 *
 * Results per category go to bench/results/conformance-render.json and a table on stdout.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { corpusAvailable, corpusDir, corpusPath, loadManifest, type CorpusEntry } from '../support/corpus.js';
import { parseDicom, type ParsedDicom } from '../../lib/dicom/parse.js';
import { vrLookup } from '../../lib/dicom/dictionary.js';
import { transferSyntaxName } from '../../lib/dicom/transfer-syntax.js';
import { readImageInfo, type ImageInfo } from '../../lib/pixels/image-info.js';
import { decodeFrame } from '../../lib/pixels/decoders.js';
import { renderPixels, type RenderedPixels } from '../../lib/render/render-frame.js';
import { DomainError } from '../../lib/errors.js';
import { frameImageInfo, hasFunctionalGroups } from '../../lib/pixels/functional-groups.js';
import { modalityTransform } from '../../lib/render/modality-lut.js';
import { minMaxWindow } from '../../lib/render/voi-lut.js';
import { colourToRgb } from '../../lib/render/colour.js';

interface Rendering {
  ok?: boolean;
  stored?: boolean;
  same_as?: string;
  pixels_sha256?: string;
  mode?: string;
  command?: string;
}
interface PixelsRef {
  dtype: string;
  sha256: string;
  frames?: number;
  decoders_agree?: boolean;
  raw_file?: string | null;
  same_as?: string;
  decoded_photometric?: string;
  lossy_note?: string;
}
interface IndexEntry {
  pixels?: PixelsRef;
  renderings?: Record<string, Rendering>;
}

const TITLE = corpusAvailable
  ? 'render conformance with dcmtk/gdcm/pydicom references'
  : 'render conformance with dcmtk/gdcm/pydicom references (NOT RUN: ../shared/corpus not found)';
if (!corpusAvailable) console.warn(`render conformance NOT RUN: no corpus at ${corpusDir} (set DICOM_CORPUS)`);

/** Lossy transfer syntaxes (README: compare with a tolerance). */
const LOSSY = new Set(['1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51', '1.2.840.10008.1.2.4.53', '1.2.840.10008.1.2.4.55', '1.2.840.10008.1.2.4.81', '1.2.840.10008.1.2.4.91', '1.2.840.10008.1.2.4.203']);
/** Lossless: >= 99.9% of samples within 1 grey level. Lossy: >= 99.9% within LOSSY_LEVELS (README: "may differ by a few levels"). */
const MIN_PCT = 99.9;
const LOSSY_LEVELS = 3;

/**
 * Files that a reference exists for but that we refuse on purpose, with the reason. Empty
 * means every file dcmtk renders, we render.
 */
const KNOWN_REFUSALS: Record<string, string> = {};

/**
 * Files where the reference itself is known to be wrong (README "Known disagreements") — the
 * rendering comparison is skipped with this reason; the decode is still checked against the
 * trusted decoder.
 */
const REFERENCE_RENDER_WRONG: Record<string, string> = {
  'pydicom/rtdose_expb.dcm': 'dcmtk swaps 32-bit big endian as 16-bit words (README); pydicom decode is the reference',
};

/**
 * Files whose dcmtk rendering kept the JPEG's YCbCr samples as RGB: the header says RGB but
 * the stream is JFIF (YCbCr), so libjpeg converts and dcmtk does not (its PNG is visibly
 * false-colour). We compare against the reference converted YBR_FULL -> RGB.
 */
const REFERENCE_UNCONVERTED_YBR: Record<string, string> = {
  'external/fo-dicom/GH195.dcm': 'JFIF (YCbCr) stream under Photometric RGB; dcmtk shows the YCbCr samples as RGB (false colour)',
};

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const index = (): Record<string, IndexEntry> =>
  (JSON.parse(readFileSync(join(corpusDir, 'reference', 'index.json'), 'utf8')) as { entries: Record<string, IndexEntry> }).entries;

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function load(path: string): { parsed: ParsedDicom; info: ImageInfo } {
  const parsed = parseDicom(new Uint8Array(readFileSync(corpusPath(path))), { vrLookup });
  return { parsed, info: readImageInfo(parsed) };
}

/** Serialises stored values as the reference dtype (numpy notation, little endian). */
function asDtype(values: ArrayLike<number>, dtype: string): Buffer {
  const size = Number(dtype.slice(2));
  const kind = dtype[1];
  const buf = Buffer.alloc(values.length * size);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (kind === 'f') buf[size === 4 ? 'writeFloatLE' : 'writeDoubleLE'](v, i * size);
    else if (size === 1) buf[kind === 'i' ? 'writeInt8' : 'writeUInt8'](v, i);
    else if (size === 2) buf[kind === 'i' ? 'writeInt16LE' : 'writeUInt16LE'](v, i * 2);
    else buf[kind === 'i' ? 'writeInt32LE' : 'writeUInt32LE'](v, i * 4);
  }
  return buf;
}

function readDtype(cells: Buffer, dtype: string): number[] {
  const size = Number(dtype.slice(2));
  const kind = dtype[1];
  const out: number[] = [];
  for (let i = 0; i < cells.length / size; i++) {
    if (kind === 'f') out.push(size === 4 ? cells.readFloatLE(i * 4) : cells.readDoubleLE(i * 8));
    else if (size === 1) out.push(kind === 'i' ? cells.readInt8(i) : cells.readUInt8(i));
    else if (size === 2) out.push(kind === 'i' ? cells.readInt16LE(i * 2) : cells.readUInt16LE(i * 2));
    else out.push(kind === 'i' ? cells.readInt32LE(i * 4) : cells.readUInt32LE(i * 4));
  }
  return out;
}

/** PS3.5 8.1.1 applied to a reference that kept whole cells (bits above High Bit included). */
function maskLikeStandard(values: number[], info: ImageInfo): number[] {
  const shift = info.highBit - info.bitsStored + 1;
  return values.map((raw) => {
    const unsigned = raw < 0 ? raw + 2 ** 32 : raw;
    const v = Math.floor(unsigned / 2 ** shift) % 2 ** info.bitsStored;
    return info.pixelRepresentation === 1 && v >= 2 ** (info.bitsStored - 1) ? v - 2 ** info.bitsStored : v;
  });
}

/** The raw reference buffer (pixels.raw.gz, directly or via same_as), when stored. */
function rawReference(path: string, px: PixelsRef): Buffer | undefined {
  const file = px.same_as?.endsWith('pixels.raw.gz') ? join(corpusDir, 'reference', px.same_as) : join(corpusDir, 'reference', path, 'pixels.raw.gz');
  return existsSync(file) ? gunzipSync(readFileSync(file)) : undefined;
}

/** Reference rendering samples: L -> 1 per pixel, RGB -> 3. From the stored PNG, or by re-running the recorded dcmtk command. */
function referenceSamples(path: string, variant: string, r: Rendering): { samples: Uint8Array; how: string } | undefined {
  const stored = r.stored ? join(corpusDir, 'reference', path, `${variant}.png`) : r.same_as ? join(corpusDir, 'reference', r.same_as) : undefined;
  let file = stored && existsSync(stored) ? stored : undefined;
  let how = 'stored PNG';
  let tmp: string | undefined;
  if (!file && r.command && /^dcm[jl2]*2pnm /.test(r.command)) {
    // Only a hash is stored: re-run the recorded dcmtk command (same dcmtk 3.6.7 here).
    const [tool, ...args] = r.command.split(' ');
    tmp = mkdtempSync(join(tmpdir(), 'dcmref-'));
    const out = join(tmp, 'out.png');
    try {
      execFileSync(tool, args.map((a) => (a === 'IN' ? corpusPath(path) : a === 'OUT.png' ? out : a)), { stdio: 'ignore', timeout: 60_000 });
      file = out;
      how = 'local dcmtk re-run';
    } catch {
      file = undefined;
    }
  }
  if (!file) return undefined;
  const png = PNG.sync.read(readFileSync(file));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  const channels = r.mode === 'RGB' ? 3 : 1;
  const samples = new Uint8Array(png.width * png.height * channels);
  for (let i = 0; i < png.width * png.height; i++) for (let s = 0; s < channels; s++) samples[i * channels + s] = png.data[i * 4 + s];
  if (how !== 'stored PNG' && sha256(samples) !== r.pixels_sha256) return undefined; // local dcmtk differs from the recorded one
  return { samples, how };
}

interface Row {
  path: string;
  category: string;
  decode: string;
  render: string;
  ok: boolean;
}
const rows: Row[] = [];

function categoryOf(e: CorpusEntry, info?: ImageInfo): string {
  const ts = e.transfer_syntax_uid ?? '1.2.840.10008.1.2';
  const bits = info ? (info.floatBits ? `float${info.floatBits}` : `${info.bitsAllocated}/${info.bitsStored}`) : String((e.bits_allocated as number | undefined) ?? '?');
  return `${transferSyntaxName(ts)} | ${info?.photometric ?? (e.photometric_interpretation as string | undefined) ?? '-'} | ${bits}`;
}

interface Comparison {
  pct: number;
  identical: boolean;
  worst: number;
  how: string;
}

function compare(
  ours: RenderedPixels,
  path: string,
  variant: string,
  r: Rendering,
  levels: number,
  opts: { transformReference?: (samples: Uint8Array) => Uint8Array } = {},
): Comparison | undefined {
  const data = ours.data as Uint8Array;
  if (sha256(data) === r.pixels_sha256) return { pct: 100, identical: true, worst: 0, how: 'sha256' };
  const ref = referenceSamples(path, variant, r);
  if (!ref || ref.samples.length !== data.length) return undefined;
  const samples = opts.transformReference ? opts.transformReference(ref.samples) : ref.samples;
  let within = 0;
  let counted = 0;
  let worst = 0;
  for (let i = 0; i < data.length; i++) {
    counted++;
    const d = Math.abs(samples[i] - data[i]);
    if (d <= levels) within++;
    if (d > worst) worst = d;
  }
  return { pct: (100 * within) / counted, identical: false, worst, how: ref.how };
}

type Json = Record<string, { vr?: string; Value?: unknown[] }>;

/** The first item of a sequence in pydicom's JSON header reference. */
const firstItem = (ds: Json | undefined, tag: string): Json | undefined => (ds?.[tag]?.Value?.[0] as Json | undefined) ?? undefined;
const firstNumber = (ds: Json | undefined, tag: string): number | undefined => {
  const v = ds?.[tag]?.Value?.[0];
  return v === undefined || v === null ? undefined : Number(v);
};

/**
 * An independent PS3.3 rendering of Float / Double Float Pixel Data, for files dcmtk cannot
 * render: pydicom's decode (pixels.raw.gz) through the rescale and window read from pydicom's
 * JSON header (top level, else the shared then per-frame functional groups, PS3.3 C.7.6.16),
 * with the window applied as LINEAR_EXACT (C.11.2.1.3.2, the README's rule for float data),
 * or min-max when there is none; truncated to 8 bits like the LINEAR output of dcmtk.
 */
function independentFloatRendering(path: string, values: number[]): Uint8Array | undefined {
  const file = join(corpusDir, 'reference', 'headers', `${path}.json`);
  if (!existsSync(file)) return undefined;
  const top = JSON.parse(readFileSync(file, 'utf8')) as Json;
  const groups = [top, firstItem(top, '52009229'), firstItem(top, '52009230')];
  const find = (seq: string | undefined, tag: string) => {
    for (const g of groups) {
      const v = firstNumber(seq ? firstItem(g, seq) : g, tag);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const slope = find(undefined, '00281053') ?? find('00289145', '00281053') ?? 1;
  const intercept = find(undefined, '00281052') ?? find('00289145', '00281052') ?? 0;
  const center = find(undefined, '00281050') ?? find('00289132', '00281050');
  const width = find(undefined, '00281051') ?? find('00289132', '00281051');
  const m = values.map((v) => v * slope + intercept);
  const lo = center !== undefined && width !== undefined && width > 0 ? center - width / 2 : Math.min(...m);
  let hi = center !== undefined && width !== undefined && width > 0 ? center + width / 2 : Math.max(...m);
  if (hi === lo) hi = lo + 1;
  const out = new Uint8Array(m.length);
  m.forEach((x, i) => (out[i] = x <= lo ? 0 : x > hi ? 255 : Math.trunc(((x - lo) / (hi - lo)) * 255)));
  return out;
}

describe.skipIf(!corpusAvailable)(TITLE, () => {
  const manifest = corpusAvailable ? loadManifest().files : [];
  const refs = corpusAvailable ? index() : {};
  const images = manifest.filter((e) => e.bits_allocated != null || e.photometric_interpretation != null || refs[e.path]?.pixels);

  afterAll(() => {
    if (rows.length === 0) return;
    const byCategory = new Map<string, { files: number; matched: number; refused: string[]; unverified: string[]; failed: string[] }>();
    for (const r of rows) {
      const c = byCategory.get(r.category) ?? { files: 0, matched: 0, refused: [], unverified: [], failed: [] };
      c.files++;
      if (!r.ok) c.failed.push(`${r.path}: ${r.render}; ${r.decode}`);
      else if (r.render.startsWith('refused')) c.refused.push(`${r.path}: ${r.render}`);
      else if (r.render.startsWith('rendered, no reference')) c.unverified.push(`${r.path}: ${r.decode}`);
      else c.matched++;
      byCategory.set(r.category, c);
    }
    const categories = [...byCategory.entries()].sort(([a], [b]) => a.localeCompare(b));
    const out = join(repoRoot, 'bench', 'results', 'conformance-render.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
      out,
      JSON.stringify(
        {
          generated: new Date().toISOString(),
          tolerance: { lossless: `>= ${MIN_PCT}% of samples within 1 level`, lossy: `>= ${MIN_PCT}% within ${LOSSY_LEVELS} levels` },
          categories: Object.fromEntries(categories),
          files: rows,
        },
        null,
        1,
      ),
    );
    const lines = ['| transfer syntax | photometric | bits alloc/stored | files | matched | refused (reason) | rendered, no reference | failed |', '|---|---|---|---|---|---|---|---|'];
    for (const [cat, c] of categories) {
      const [ts, pi, bits] = cat.split(' | ');
      const reasons = c.refused.map((s) => s.replace(/^.*refused: /, '')).join('; ');
      lines.push(`| ${ts} | ${pi} | ${bits} | ${c.files} | ${c.matched} | ${c.refused.length}${reasons ? ` (${reasons})` : ''} | ${c.unverified.length} | ${c.failed.length} |`);
    }
    const total = rows.length;
    const matched = rows.filter((r) => r.ok && !r.render.startsWith('refused') && !r.render.startsWith('rendered, no reference')).length;
    lines.push(`\n${total} files: ${matched} matched, ${rows.filter((r) => r.render.startsWith('refused')).length} refused, ${rows.filter((r) => r.render.startsWith('rendered, no reference')).length} rendered without reference, ${rows.filter((r) => !r.ok).length} failed`);
    console.info(`render conformance (${out}):\n${lines.join('\n')}`);
  });

  it('the corpus has images of every kind', () => {
    expect(images.length).toBeGreaterThan(100);
  });

  for (const entry of images) {
    it(entry.path, async () => {
      const ref = refs[entry.path] ?? {};
      const ts = entry.transfer_syntax_uid ?? '1.2.840.10008.1.2';
      const lossy = LOSSY.has(ts) || !!ref.pixels?.lossy_note;
      const row: Row = { path: entry.path, category: categoryOf(entry), decode: '', render: '', ok: true };
      rows.push(row);
      const hasRendering = Object.values(ref.renderings ?? {}).some((r) => r.ok);

      const refuse = (e: unknown, stage: string) => {
        expect(e, `${entry.path}: ${stage} must fail with a DomainError, not ${String(e)}`).toBeInstanceOf(DomainError);
        const d = e as DomainError;
        expect(d.status, `${entry.path}: ${d.code}`).toBeGreaterThanOrEqual(400);
        expect(d.status).toBeLessThan(500);
        row.render = `refused: ${d.code}`;
        if (hasRendering && !KNOWN_REFUSALS[entry.path]) {
          row.ok = false;
          expect.fail(`${entry.path}: dcmtk renders it but we refuse (${d.code}: ${d.message})`);
        }
      };

      let loaded: { parsed: ParsedDicom; info: ImageInfo };
      try {
        loaded = load(entry.path);
      } catch (e) {
        refuse(e, 'reading the header');
        return;
      }
      const { parsed, info } = loaded;
      row.category = categoryOf(entry, info);

      // 1. Decode: every frame vs the trusted decoder.
      const px = ref.pixels;
      if (px?.sha256) {
        try {
          const chunks: Buffer[] = [];
          let first: ArrayLike<number> = [];
          const refusedFrames: string[] = [];
          for (let f = 0; f < info.numberOfFrames; f++) {
            try {
              const d = await decodeFrame(parsed, info, f);
              chunks.push(asDtype(d.values, px.dtype));
              if (f === 0) first = d.values;
            } catch (e) {
              // A later frame the header misdescribes (e.g. smaller edge tiles) is refused, not misread.
              if (f === 0 || !(e instanceof DomainError)) throw e;
              refusedFrames.push(`${f + 1}`);
            }
          }
          const ours = Buffer.concat(chunks);
          if (refusedFrames.length > 0) {
            row.decode = `frames ${refusedFrames.join(',')} of ${info.numberOfFrames} refused (the stream's size contradicts Rows/Columns), other frames decoded`;
          } else if (sha256(ours) === px.sha256) {
            row.decode = 'decode identical (sha256)';
          } else {
            const raw = rawReference(entry.path, px);
            if (!raw) {
              row.decode = `decode differs from sha256, no raw reference stored${lossy ? ' (lossy)' : ''}`;
              if (!lossy) row.ok = false;
            } else {
              const refValues = readDtype(raw, px.dtype);
              const standard = lossy || px.dtype[1] === 'f' ? refValues : maskLikeStandard(refValues, info);
              let worst = 0;
              let differing = 0;
              for (let i = 0; i < standard.length; i++) {
                const d = Math.abs(standard[i] - first[i]);
                if (d > 0) differing++;
                if (d > worst) worst = d;
              }
              expect(first.length, `${entry.path}: decoded length`).toBe(standard.length);
              if (lossy) {
                row.decode = `lossy decode: ${((100 * differing) / standard.length).toFixed(3)}% of values differ, max ${worst}`;
                const pctWithin = 100 - (100 * standard.filter((v, i) => Math.abs(v - first[i]) > LOSSY_LEVELS).length) / standard.length;
                if (pctWithin < MIN_PCT) row.ok = false;
              } else {
                row.decode = differing === 0 ? 'decode identical after PS3.5 8.1.1 masking (reference kept whole cells)' : `decode DIFFERS in ${differing} values (max ${worst})`;
                if (differing > 0) row.ok = false;
              }
            }
          }
        } catch (e) {
          refuse(e, 'decoding');
          return;
        }
      } else {
        row.decode = 'no decode reference';
      }

      // 2. Render frame 1, 8-bit, default VOI.
      let ours: RenderedPixels;
      try {
        ours = await renderPixels(parsed, { frame: 1, bitDepth: 8 });
      } catch (e) {
        refuse(e, 'rendering');
        return;
      }
      expect([ours.width, ours.height]).toEqual([info.columns, info.rows]);
      if (REFERENCE_RENDER_WRONG[entry.path]) {
        row.render = `rendered; reference rendering not used: ${REFERENCE_RENDER_WRONG[entry.path]}`;
      } else if (!hasRendering && px?.dtype[1] === 'f' && rawReference(entry.path, px)) {
        // dcmtk 3.6.7 cannot render Float Pixel Data: compare with an independent PS3.3 pipeline.
        const reference = independentFloatRendering(entry.path, readDtype(rawReference(entry.path, px)!, px.dtype).slice(0, info.rows * info.columns));
        expect(reference, `${entry.path}: header reference`).toBeDefined();
        const data = ours.data as Uint8Array;
        let within = 0;
        let worst = 0;
        for (let i = 0; i < data.length; i++) {
          const d = Math.abs(reference![i] - data[i]);
          if (d <= 1) within++;
          if (d > worst) worst = d;
        }
        const pct = (100 * within) / data.length;
        row.render = `independent PS3.3 float pipeline (pydicom decode, LINEAR_EXACT window from the header): ${pct.toFixed(3)}% within 1, max diff ${worst}`;
        if (pct < MIN_PCT) row.ok = false;
      } else if (!hasRendering) {
        row.render = 'rendered, no reference (dcmtk cannot render it; README)';
      } else {
        let variant =
          ours.channels === 3 ? 'default' : ours.voi?.kind === 'lut' ? 'voilut1' : ours.voi?.kind === 'window' && ours.voi.source === 'file' ? 'window1' : 'minmax';
        let note = '';
        if (!ref.renderings?.[variant]?.ok && ours.channels === 1 && hasFunctionalGroups(parsed)) {
          // Our VOI came from the frame's functional groups (Frame VOI LUT, PS3.3 C.7.6.16.2.10),
          // which dcmtk 3.6.7's dcm2pnm ignores: compare the same frame at min-max instead.
          const frameInfo = frameImageInfo(parsed, info, 0);
          const values = (await decodeFrame(parsed, frameInfo, 0)).values;
          const m = modalityTransform(frameInfo);
          let min = Infinity;
          let max = -Infinity;
          for (let i = 0; i < values.length; i++) {
            const v = m(values[i]);
            if (v < min) min = v;
            if (v > max) max = v;
          }
          ours = await renderPixels(parsed, { frame: 1, bitDepth: 8, window: minMaxWindow(min, max) });
          variant = 'minmax';
          note = ' (functional-group window applied by default; dcmtk ignores functional groups, so compared at min-max)';
        }
        const r = ref.renderings?.[variant];
        expect(r?.ok, `${entry.path}: dcmtk reference "${variant}" exists`).toBe(true);
        const levels = lossy ? LOSSY_LEVELS : 1;
        const transformReference = REFERENCE_UNCONVERTED_YBR[entry.path]
          ? (samples: Uint8Array) => colourToRgb(samples, 'YBR_FULL', 8, 8) as Uint8Array
          : undefined;
        // Overlay planes (60xx) are burned in by both (dcm2pnm's default), so no pixel is excluded.
        const c = compare(ours, entry.path, variant, r!, levels, { transformReference });
        if (info.overlays) note += ` (${info.overlays.length} overlay plane(s) burned in, as dcm2pnm does)`;
        if (transformReference) note += ` (${REFERENCE_UNCONVERTED_YBR[entry.path]}: reference converted YBR_FULL -> RGB before comparing)`;
        if (!c) {
          row.render = `${variant}: differs from the recorded hash and no PNG to compare (only the hash is stored)`;
          row.ok = false;
        } else {
          row.render = `${variant}: ${c.identical ? 'identical' : `${c.pct.toFixed(3)}% within ${levels}, max diff ${c.worst} (${c.how})`}${note}`;
          if (c.pct < MIN_PCT) row.ok = false;
        }
        // The other VOI of the file, through ?voi=: every window 1 and VOI LUT 1 reference.
        if (ours.channels === 1 && info.voiLuts.length > 0 && ref.renderings?.voilut1?.ok && variant !== 'voilut1') {
          const lut = await renderPixels(parsed, { frame: 1, bitDepth: 8, voi: info.windows.length + 1 });
          const c2 = compare(lut, entry.path, 'voilut1', ref.renderings.voilut1, levels);
          row.render += `; voilut1 via voi=${info.windows.length + 1}: ${c2 ? (c2.identical ? 'identical' : `${c2.pct.toFixed(3)}% within ${levels}, max ${c2.worst}`) : 'no comparison possible'}`;
          if (!c2 || c2.pct < MIN_PCT) row.ok = false;
        }
      }
      console.info(`${entry.path}: ${row.decode}; ${row.render}`);
      expect(row.ok, `${entry.path}: ${row.decode}; ${row.render}`).toBe(true);
    });
  }
});
