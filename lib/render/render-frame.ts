/**
 * Renders one frame to PNG: decode (lib/pixels) -> Modality LUT (PS3.3 C.11.1) -> VOI LUT
 * (C.11.2) -> presentation (C.7.6.3.1.2 / C.11.6 / PS3.4 N.2.1) -> output depth -> PNG.
 * Colour images skip Modality LUT and VOI (PS3.3 C.7.6.3.1.2): YBR is converted to RGB and
 * PALETTE COLOR goes through its lookup tables (C.7.6.3.1.5).
 *
 * For integer Bits Stored <= 16 the whole greyscale chain is folded into one lookup table over
 * the possible stored values (at most 65536 entries), so each pixel costs one table read.
 *
 * Enhanced multi-frame objects take the rescale and VOI of the requested frame from their
 * functional groups (lib/pixels/functional-groups.ts).
 *
 * Overlay planes (PS3.3 C.9.2) are burned in last, on the output values (lib/pixels/overlays.ts);
 * an image without them costs nothing extra.
 *
 * A thumbnail (renderPng with `size`) of a JPEG 2000 / HTJ2K frame is decoded at a reduced
 * resolution (lib/pixels/resolution-level.ts) no smaller than the thumbnail, then shrunk to the
 * exact size a full decode would give (see thumbnailLevel for when it is not).
 */
import { DomainError } from '../errors.js';
import type { ParsedDicom } from '../dicom/parse.js';
import { readImageInfo, type ImageInfo } from '../pixels/image-info.js';
import { decodeFrame, isFrameKept } from '../pixels/decoders.js';
import { frameImageInfo } from '../pixels/functional-groups.js';
import type { StoredValues } from '../pixels/native-frame.js';
import { applyPalette, readPalette } from '../pixels/palette.js';
import { encodePng } from '../png/encode-png.js';
import { recordDecodeTime } from '../observability/metrics.js';
import { traced } from '../observability/tracer.js';
import { sizeAtLevel, reductionLevelFor } from '../pixels/resolution-level.js';
import { applyLut, storedRange } from './apply-lut.js';
import { fitSize, fitWithin, type ReducedFrom } from './fit-within.js';
import { tabulateMonotone } from './monotone-table.js';
import { type NativeCells, cellTable, nativeCells16 } from './native-cells.js';
import { modalityTransform } from './modality-lut.js';
import { chooseVoi, voiChoiceTransform, type VoiChoice, type Window, type WindowFunction } from './voi-lut.js';
import { presentationRange } from './presentation.js';
import { allocateOutput, outputMax, toOutputValue, type BitDepth } from './output.js';
import { colourToRgb } from './colour.js';
import { burnInOverlays, readFrameCells } from '../pixels/overlays.js';

export interface RenderRequest {
  /** 1-based frame number. */
  frame: number;
  /**
   * An explicit window; 'none' = no VOI at all: the Modality LUT output written losslessly
   * into a 16-bit greyscale PNG, with `dicom:scale` / `dicom:offset` tEXt chunks such that
   * modality value = png * scale + offset (bitDepth 16 only).
   */
  window?: { center: number; width: number; fn: WindowFunction } | 'none';
  /** 1-based index into the file's VOI transforms: windows first, then VOI LUTs (see voiCount). */
  voi?: number;
  bitDepth: BitDepth;
  /** Thumbnail: the longer edge at most this many pixels (area averaging); undefined = full size. */
  size?: number;
  /**
   * Burn in the overlay planes (60xx, PS3.3 C.9.2) at the maximum output value, as dcmtk and
   * viewers show them; default true. false = the image alone. Never with window=none (the
   * modality values stay lossless).
   */
  overlays?: boolean;
}

export interface RenderResult {
  png: Uint8Array;
  width: number;
  height: number;
  frame: number;
  bitDepth: BitDepth;
}

export interface RenderedPixels {
  /** Greyscale: one value per pixel; RGB: three, interleaved. */
  data: Uint8Array | Uint16Array;
  channels: 1 | 3;
  width: number;
  height: number;
  frame: number;
  bitDepth: BitDepth;
  /** The window applied (greyscale, when the VOI was a window). */
  window?: Window;
  /** The VOI applied (greyscale): a window (request, file or minmax), a VOI LUT item, or none. */
  voi?: { kind: 'window'; source: 'request' | 'file' | 'minmax' } | { kind: 'lut'; index: number } | { kind: 'none' };
  /** PNG tEXt chunks to write (window=none: dicom:scale, dicom:offset). */
  text?: Record<string, string>;
  /**
   * The frame's own size and the reduction level when `data` is a reduced-resolution rendering
   * of it (a thumbnail's JPEG 2000 decode, renderPng only): the thumbnail's size is computed
   * from the full size (lib/render/fit-within.ts).
   */
  reducedFrom?: ReducedFrom;
}

/** The largest Bits Stored for which the chain is tabulated (2^16 entries). */
const MAX_LUT_BITS = 16;

/** Keys of the tEXt chunks written with window=none: modality value = png * scale + offset. */
export const PNG_TEXT_SCALE = 'dicom:scale';
export const PNG_TEXT_OFFSET = 'dicom:offset';

const COLOUR = new Set(['RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_PARTIAL_422', 'YBR_PARTIAL_420', 'YBR_ICT', 'YBR_RCT']);

type Kind = 'grey' | 'colour' | 'palette';

/** What kind of rendering the Photometric Interpretation asks for; 422 for anything else, before decoding. */
function kindOf(info: ImageInfo): Kind {
  const p = info.photometric;
  if ((p === 'MONOCHROME1' || p === 'MONOCHROME2') && info.samplesPerPixel === 1) return 'grey';
  if (p === 'PALETTE COLOR' && info.samplesPerPixel === 1 && !info.floatBits) return 'palette';
  if (COLOUR.has(p) && info.samplesPerPixel === 3 && !info.floatBits) return 'colour';
  throw new DomainError(
    'UnsupportedPhotometricInterpretation',
    `Photometric Interpretation (0028,0004) "${p}" with ${info.samplesPerPixel} sample(s)${info.floatBits ? ' and float pixel data' : ''} cannot be rendered ` +
      '(supported: MONOCHROME1, MONOCHROME2 with 1 sample; RGB, YBR_FULL, YBR_FULL_422, YBR_PARTIAL_422, YBR_PARTIAL_420, YBR_ICT, YBR_RCT with 3; PALETTE COLOR with 1; PS3.3 C.7.6.3.1.2).',
    { photometric: p },
  );
}

function checkFrame(info: ImageInfo, frame: number): void {
  if (!Number.isInteger(frame)) {
    throw new DomainError('InvalidParameter', `Frame number ${frame} is not an integer; frames are numbered from 1 (PS3.3 C.7.6.6).`);
  }
  if (frame < 1 || frame > info.numberOfFrames) {
    throw new DomainError('FrameNotFound', `Frame ${frame} does not exist: the image has ${info.numberOfFrames} frame(s), numbered from 1 (Number of Frames (0028,0008)).`, {
      frame,
      numberOfFrames: info.numberOfFrames,
    });
  }
}

/** Smallest and largest finite value of a frame (one pass, typed-array loop). */
function valueRange(values: StoredValues): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === Infinity) return { min: 0, max: 0 }; // all NaN
  return { min, max };
}

const isFloat = (v: StoredValues): v is Float32Array | Float64Array => v instanceof Float32Array || v instanceof Float64Array;

const voiSummary = (c: VoiChoice): RenderedPixels['voi'] => (c.kind === 'window' ? { kind: 'window', source: c.source } : { kind: 'lut', index: c.index });

/**
 * The frame's smallest and largest modality value, for a min-max window (what dcmtk's +Wm
 * uses). Rescale (C.11.1.1.2) is linear, so that is the stored range rescaled; a Modality LUT
 * Sequence (C.11.1) need not be monotone, so each pixel goes through it.
 */
function modalityRange(info: ImageInfo, stored: StoredValues, modality: (v: number) => number): { min: number; max: number } {
  if (info.modalityLut) {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < stored.length; i++) {
      const m = modality(stored[i]);
      if (m < min) min = m;
      if (m > max) max = m;
    }
    return { min, max };
  }
  const used = isFloat(stored) ? undefined : storedRange(stored);
  const r = used ? { min: used[0], max: used[1] } : valueRange(stored);
  const a = modality(r.min);
  const b = modality(r.max);
  return { min: Math.min(a, b), max: Math.max(a, b) };
}

/**
 * A table over the stored values the frame uses (all possible ones when that is not cheap to
 * know), for chains that need not be monotone (a Modality or VOI LUT Sequence). Small integers
 * (| 0): a double makes each table index a slow lookup. Scanning costs about 1 ns a pixel,
 * tabulating about 10 ns an entry: scan only when the full table costs more.
 */
function tabulateUsed(info: ImageInfo, stored: Exclude<StoredValues, Float32Array | Float64Array>, f: (v: number) => number, out: Uint8Array | Uint16Array): void {
  const used = (1 << info.bitsStored) * 10 > stored.length ? storedRange(stored) : undefined;
  const lowest = used ? used[0] | 0 : info.pixelRepresentation === 1 ? -(1 << (info.bitsStored - 1)) | 0 : 0;
  const size = used ? (used[1] - used[0] + 1) | 0 : (1 << info.bitsStored) | 0;
  const lut = out instanceof Uint16Array ? new Uint16Array(size) : new Uint8Array(size);
  for (let i = 0; i < size; i++) lut[i] = f(i + lowest);
  applyLut(stored, lowest, lut, out);
}

/**
 * `stored` is the frame's decoded values, or the cells of a native frame read in place
 * (lib/render/native-cells.ts): with those, a rescale-then-window chain goes through a table
 * indexed by the whole cell and the frame is decoded only if another chain needs its values.
 */
function renderGrey(
  info: ImageInfo,
  source: { values: StoredValues } | NativeCells,
  req: RenderRequest,
): { data: Uint8Array | Uint16Array; window?: Window; voi: RenderedPixels['voi'] } {
  const max = outputMax(req.bitDepth);
  const { yMin, yMax } = presentationRange(info.photometric, max, info.presentationLutShape);
  const modality = modalityTransform(info);
  let values = 'values' in source ? source.values : undefined;
  const storedValues = (): StoredValues => (values ??= (source as NativeCells).decode());
  const out = allocateOutput(req.bitDepth, values ? values.length : (source as NativeCells).cells.length);
  const request = { window: req.window === 'none' ? undefined : req.window, voi: req.voi };

  const choice = chooseVoi(info, request, () => modalityRange(info, storedValues(), modality));
  const voi = voiChoiceTransform(choice, yMin, yMax);
  const chain = (v: number) => toOutputValue(voi(modality(v)), max);
  const result = { data: out, window: choice.kind === 'window' ? choice.window : undefined, voi: voiSummary(choice) };

  if (!info.modalityLut && choice.kind === 'window' && !values && 'cells' in source) {
    const lowest = info.pixelRepresentation === 1 ? -(1 << (info.bitsStored - 1)) | 0 : 0;
    const table = tabulateMonotone(chain, lowest, allocateOutput(req.bitDepth, 1 << info.bitsStored));
    applyLut(source.cells, 0, cellTable(table, info), out);
    return result;
  }
  const stored = storedValues();
  if (!isFloat(stored) && info.bitsStored <= MAX_LUT_BITS && info.bitsAllocated <= 16) {
    if (!info.modalityLut && choice.kind === 'window') {
      // Rescale then a window is monotone in the stored value: tabulate every possible stored
      // value, evaluating only the window's ramp (lib/render/monotone-table.ts).
      const lowest = info.pixelRepresentation === 1 ? -(1 << (info.bitsStored - 1)) | 0 : 0;
      applyLut(stored, lowest, tabulateMonotone(chain, lowest, allocateOutput(req.bitDepth, 1 << info.bitsStored)), out);
    } else {
      tabulateUsed(info, stored, chain, out);
    }
    return result;
  }

  // 32-bit cells and float pixel data: too many possible values to tabulate; pixel by pixel.
  for (let i = 0; i < stored.length; i++) out[i] = chain(stored[i]);
  return result;
}

/**
 * window=none: the Modality LUT output, losslessly, as 16-bit values plus the linear map back
 * (modality value = png * scale + offset). Rescale: png = stored - base with base 0 for
 * unsigned data that fits, else the frame minimum; scale = slope, offset = intercept + slope * base.
 * Modality LUT Sequence: png = the LUT output (16-bit entries), scale 1, offset 0.
 */
function renderModalityValues(info: ImageInfo, stored: StoredValues): { data: Uint16Array; text: Record<string, string> } {
  if (isFloat(stored)) {
    throw new DomainError(
      'UnsupportedPixelFormat',
      'window=none writes modality values losslessly into 16-bit integers; Float / Double Float Pixel Data (PS3.3 C.7.6.24) cannot be, so use a window or the default VOI.',
    );
  }
  const out = new Uint16Array(stored.length);
  const text: Record<string, string> = { 'dicom:photometric': info.photometric };
  if (info.modalityLut) {
    const modality = modalityTransform(info);
    for (let i = 0; i < stored.length; i++) out[i] = modality(stored[i]);
    return { data: out, text: { ...text, [PNG_TEXT_SCALE]: '1', [PNG_TEXT_OFFSET]: '0' } };
  }
  const { min, max } = valueRange(stored);
  const base = min >= 0 && max <= 0xffff ? 0 : min;
  if (max - base > 0xffff) {
    throw new DomainError(
      'UnsupportedPixelFormat',
      `window=none needs the frame's stored values to span at most 65536 levels to fit a 16-bit PNG losslessly; this frame spans ${max - base + 1} (Bits Stored ${info.bitsStored}).`,
    );
  }
  for (let i = 0; i < stored.length; i++) out[i] = stored[i] - base;
  const offset = info.rescaleIntercept + info.rescaleSlope * base;
  return { data: out, text: { ...text, [PNG_TEXT_SCALE]: String(info.rescaleSlope), [PNG_TEXT_OFFSET]: String(offset) } };
}

/**
 * The conversion for decoded colour samples (always full resolution by now). Native 4:2:2
 * (decoded as YBR_FULL from a YBR_FULL_422 file) keeps its name: dcmtk converts it with
 * different rounding (lib/render/colour.ts). Other subsampling names (a codec that leaves
 * YBR_PARTIAL_420 / _422 samples unconverted) map to their full-resolution model.
 */
function colourModel(filePhotometric: string, decoded: string): string {
  if (filePhotometric === 'YBR_FULL_422' && (decoded === 'YBR_FULL' || decoded === 'YBR_FULL_422')) return 'YBR_FULL_422';
  return decoded.replace(/_42[02]$/, '');
}

/**
 * Refuses what a colour image would silently ignore or fake (before decoding, but for the
 * palette depth, read after it as before so error precedence is unchanged). A window or VOI
 * applies to greyscale only (colour has no VOI stage, PS3.3 C.7.6.3.1.2), and bitDepth=16 of
 * samples (or palette entries) of at most 8 bits would only be the 8-bit values times 257.
 * Deeper colour (16-bit palette entries, RGB with Bits Stored above 8) does fill a 16-bit PNG.
 */
function checkColourRequest(info: ImageInfo, req: RenderRequest, depth?: number, of = 'samples'): void {
  const what = `this image is ${info.photometric}`;
  if (req.window !== undefined || req.voi !== undefined) {
    throw new DomainError(
      'InvalidParameter',
      `The ${req.window !== undefined ? 'window' : 'voi'} parameter applies to greyscale images; ${what}, and colour is rendered as RGB without a VOI transform (PS3.3 C.7.6.3.1.2). Leave it out.`,
    );
  }
  if (req.bitDepth === 16 && depth !== undefined && depth <= 8) {
    throw new DomainError(
      'InvalidParameter',
      `A 16-bit PNG (bitDepth=16) is for greyscale images and colour deeper than 8 bits; ${what} with ${depth}-bit ${of}, rendered as 8-bit RGB (16 bits would only be those values times 257). Use bitDepth=8.`,
    );
  }
}

/** ISO 15444-1 A.6.1: at most 32 decomposition levels; the decoder caps it by the codestream's own. */
const MAX_REDUCTION = 32;

/**
 * The reduction level to ask the decoder for when rendering a thumbnail of `size`: the largest at
 * which the frame is still at least the thumbnail's size in both dimensions, so the final
 * area-averaging downscale (fit-within.ts) never upscales. 0 (full resolution) when something
 * needs the full-size frame:
 * - overlays to burn in: the planes are drawn pixel for pixel on the full-size output (withOverlays);
 * - window=none: the modality values are written losslessly;
 * - PALETTE COLOR: the LL band averages stored values, and palette indices cannot be averaged;
 * - a min-max window (greyscale without a requested or file VOI): the LL band's range is not
 *   the frame's (its low-pass filters overshoot at sharp edges, and smooth away isolated
 *   extremes), and a different window changes every pixel of the thumbnail, not just its edges.
 */
function thumbnailLevel(info: ImageInfo, kind: Kind, req: RenderRequest): number {
  if (req.size === undefined || req.window === 'none' || kind === 'palette') return 0;
  if (info.overlays && req.overlays !== false) return 0;
  if (kind === 'grey' && usesMinMax(info, req)) return 0;
  return reductionLevelFor(info.columns, info.rows, fitSize(info.columns, info.rows, req.size), MAX_REDUCTION);
}

/** Whether chooseVoi would fall back to the frame's min-max; a request it refuses renders at full size (and fails as before). */
function usesMinMax(info: ImageInfo, req: RenderRequest): boolean {
  let minMax = false;
  try {
    chooseVoi(info, { window: req.window === 'none' ? undefined : req.window, voi: req.voi }, () => {
      minMax = true;
      return { min: 0, max: 0 };
    });
  } catch {
    return true;
  }
  return minMax;
}

/**
 * Renders one frame to pixel values (no PNG), at full size; the conformance tests compare these.
 * `maxDecodedBytes` bounds one decoded frame (the service's MAX_DECODED_BYTES, lib/config.ts).
 */
export async function renderPixels(parsed: ParsedDicom, req: RenderRequest, maxDecodedBytes?: number): Promise<RenderedPixels> {
  return renderFrame(parsed, req, maxDecodedBytes, false);
}

/** renderPixels; with `reduce`, a thumbnail request (req.size) may come back reduced (RenderedPixels.reducedFrom). */
async function renderFrame(parsed: ParsedDicom, req: RenderRequest, maxDecodedBytes: number | undefined, reduce: boolean): Promise<RenderedPixels> {
  if (req.bitDepth !== 8 && req.bitDepth !== 16) {
    throw new DomainError('InvalidParameter', `Bit depth ${String(req.bitDepth)} is not supported; use 8 or 16.`);
  }
  const info = readImageInfo(parsed, maxDecodedBytes);
  const kind = kindOf(info);
  checkFrame(info, req.frame);
  if (req.window === 'none' && (req.bitDepth !== 16 || kind !== 'grey')) {
    throw new DomainError(
      'InvalidParameter',
      kind !== 'grey'
        ? 'window=none applies to greyscale images: colour images have no Modality LUT or VOI to skip (PS3.3 C.7.6.3.1.2).'
        : 'window=none needs bitDepth=16: modality values are written losslessly only into a 16-bit PNG.',
    );
  }
  if (kind === 'colour') checkColourRequest(info, req, info.bitsStored);
  if (kind === 'palette') checkColourRequest(info, req);
  const frameInfo = frameImageInfo(parsed, info, req.frame - 1);
  let base: Pick<RenderedPixels, 'width' | 'height' | 'frame' | 'bitDepth' | 'reducedFrom'> = { width: info.columns, height: info.rows, frame: req.frame, bitDepth: req.bitDepth };
  // A windowed greyscale frame of native 16-bit cells is rendered from the file's bytes as they
  // are (lib/render/native-cells.ts); everything else is decoded first.
  const viewStarted = performance.now();
  const cells = kind === 'grey' && req.window !== 'none' ? nativeCells16(parsed, frameInfo, req.frame - 1) : undefined;
  if (cells) {
    // Its DecodeTime is that of reading the cells in place (a view): what a native decode now costs.
    recordDecodeTime(performance.now() - viewStarted);
    const { data, window, voi } = renderGrey(frameInfo, cells, req);
    return withOverlays(parsed, info, req, { ...base, data, channels: 1, ...(window ? { window } : {}), voi });
  }
  const level = reduce ? thumbnailLevel(frameInfo, kind, req) : 0;
  const options = level > 0 ? { resolutionLevel: level } : undefined;
  // DecodeTime counts real decodes, not frames the export kept decoded (lib/export/frame-memo.ts).
  const fresh = !isFrameKept(parsed, req.frame - 1, options);
  const started = performance.now();
  const decoded = await traced('decode', () => decodeFrame(parsed, frameInfo, req.frame - 1, options));
  if (fresh) recordDecodeTime(performance.now() - started);
  if (req.window === 'none') {
    const { data, text } = renderModalityValues(frameInfo, decoded.values);
    return { ...base, data, channels: 1, voi: { kind: 'none' }, text };
  }
  if (decoded.resolutionLevel) {
    // Only a thumbnail without overlays gets here (thumbnailLevel); the decoder chose the level.
    const reducedFrom = { width: info.columns, height: info.rows, level: decoded.resolutionLevel };
    base = { ...base, ...sizeAtLevel(info.columns, info.rows, decoded.resolutionLevel), reducedFrom };
  }
  let rendered: RenderedPixels;
  if (kind === 'palette') {
    const palette = readPalette(parsed, info.pixelRepresentation);
    checkColourRequest(info, req, Math.max(palette.red.bits, palette.green.bits, palette.blue.bits), 'palette entries');
    rendered = { ...base, data: applyPalette(decoded.values, palette, req.bitDepth), channels: 3 };
  } else if (kind === 'colour') {
    rendered = { ...base, data: colourToRgb(decoded.values, colourModel(info.photometric, decoded.photometric), info.bitsStored, req.bitDepth), channels: 3 };
  } else {
    const { data, window, voi } = renderGrey(frameInfo, decoded, req);
    rendered = { ...base, data, channels: 1, ...(window ? { window } : {}), voi };
  }
  return withOverlays(parsed, info, req, rendered);
}

function withOverlays(parsed: ParsedDicom, info: ImageInfo, req: RenderRequest, rendered: RenderedPixels): RenderedPixels {
  if (info.overlays && req.overlays !== false) {
    // Drawn on the presented output at the maximum P-value (white), whatever the photometric
    // interpretation: dcmtk's default for greyscale; colour images get white in every channel.
    const pixels = info.rows * info.columns;
    burnInOverlays(rendered.data, rendered.channels, info, info.overlays, req.frame - 1, outputMax(req.bitDepth), () =>
      readFrameCells(parsed, pixels, info.bitsAllocated, req.frame - 1),
    );
  }
  return rendered;
}

export async function renderPng(parsed: ParsedDicom, req: RenderRequest, maxDecodedBytes?: number): Promise<RenderResult> {
  return encodeRendered(await renderFrame(parsed, req, maxDecodedBytes, true), req.size);
}

/**
 * The PNG of rendered pixels, shrunk first when `size` (a thumbnail's longer edge) asks for it.
 * Separate from renderPng so one decode can serve several sizes of the same rendering.
 */
export function encodeRendered(full: RenderedPixels, size?: number): RenderResult {
  const r = size ? { ...full, ...fitWithin(full, size, full.reducedFrom) } : full;
  const png = traced('encode-png', () => encodePng({ width: r.width, height: r.height, bitDepth: r.bitDepth, channels: r.channels, data: r.data, text: r.text }));
  return { png, width: r.width, height: r.height, frame: r.frame, bitDepth: r.bitDepth };
}
