/**
 * Renders one frame to PNG: decode (lib/pixels) -> Modality LUT (PS3.3 C.11.1) -> VOI LUT
 * (C.11.2) -> presentation (C.7.6.3.1.2 / PS3.4 N.2.1) -> output depth -> PNG.
 *
 * For Bits Stored <= 16 the whole greyscale chain is folded into one lookup table over the
 * possible stored values (at most 65536 entries), so each pixel costs one table read.
 */
import { DomainError } from '../errors.js';
import type { ParsedDicom } from '../dicom/parse.js';
import { readImageInfo, type ImageInfo } from '../pixels/image-info.js';
import { decodeFrame } from '../pixels/decoders.js';
import type { StoredValues } from '../pixels/native-frame.js';
import { encodePng } from '../png/encode-png.js';
import { modalityTransform } from './modality-lut.js';
import { chooseWindow, voiTransform, type Window, type WindowFunction } from './voi-lut.js';
import { isGreyscale, presentationRange } from './presentation.js';
import { allocateOutput, outputMax, toOutputValue, type BitDepth } from './output.js';

export interface RenderRequest {
  /** 1-based frame number. */
  frame: number;
  window?: { center: number; width: number; fn: WindowFunction };
  bitDepth: BitDepth;
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
  /** The window applied (greyscale only). */
  window?: Window;
}

/** The largest Bits Stored for which the chain is tabulated (2^16 entries). */
const MAX_LUT_BITS = 16;

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

/** Smallest and largest stored value of a frame (one pass, typed-array loop). */
function storedRange(values: StoredValues): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

function renderGrey(info: ImageInfo, stored: StoredValues, req: RenderRequest): { data: Uint8Array | Uint16Array; window: Window } {
  const max = outputMax(req.bitDepth);
  const { yMin, yMax } = presentationRange(info.photometric, max);
  const modality = modalityTransform(info);
  const out = allocateOutput(req.bitDepth, stored.length);

  if (info.bitsStored <= MAX_LUT_BITS && info.bitsAllocated <= 16) {
    const lowest = info.pixelRepresentation === 1 ? -(1 << (info.bitsStored - 1)) : 0;
    const size = 1 << info.bitsStored;
    const modalityLut = new Float64Array(size);
    for (let i = 0; i < size; i++) modalityLut[i] = modality(i + lowest);
    const window = chooseWindow(info, req.window, () => {
      // Min-max over the frame's modality values (what dcmtk's +Wm uses).
      let min = Infinity;
      let max2 = -Infinity;
      for (let i = 0; i < stored.length; i++) {
        const m = modalityLut[stored[i] - lowest];
        if (m < min) min = m;
        if (m > max2) max2 = m;
      }
      return { min, max: max2 };
    });
    const voi = voiTransform(window, yMin, yMax);
    const lut = allocateOutput(req.bitDepth, size);
    for (let i = 0; i < size; i++) lut[i] = toOutputValue(voi(modalityLut[i]), max);
    for (let i = 0; i < stored.length; i++) out[i] = lut[stored[i] - lowest];
    return { data: out, window };
  }

  // 32-bit cells: too many possible values to tabulate; transform pixel by pixel.
  const window = chooseWindow(info, req.window, () => {
    const r = storedRange(stored);
    const a = modality(r.min);
    const b = modality(r.max);
    return { min: Math.min(a, b), max: Math.max(a, b) };
  });
  const voi = voiTransform(window, yMin, yMax);
  for (let i = 0; i < stored.length; i++) out[i] = toOutputValue(voi(modality(stored[i])), max);
  return { data: out, window };
}

/**
 * RGB (PS3.3 C.7.6.3.1.2): no Modality or VOI transform applies to colour; values are written
 * as stored. Only 8-bit samples for now.
 */
function renderRgb(info: ImageInfo, stored: StoredValues, bitDepth: BitDepth): Uint8Array | Uint16Array {
  if (info.bitsAllocated !== 8 || info.bitsStored !== 8) {
    throw new DomainError('UnsupportedPixelFormat', `RGB with ${info.bitsAllocated} bits allocated / ${info.bitsStored} stored is not supported yet (8-bit RGB only).`);
  }
  const out = allocateOutput(bitDepth, stored.length);
  const scale = bitDepth === 16 ? 257 : 1; // 8 -> 16 bits: v * 65535 / 255
  for (let i = 0; i < stored.length; i++) out[i] = stored[i] * scale;
  return out;
}

/** Renders one frame to pixel values (no PNG); the conformance tests compare these. */
export function renderPixels(parsed: ParsedDicom, req: RenderRequest): RenderedPixels {
  if (req.bitDepth !== 8 && req.bitDepth !== 16) {
    throw new DomainError('InvalidParameter', `Bit depth ${String(req.bitDepth)} is not supported; use 8 or 16.`);
  }
  const info = readImageInfo(parsed);
  const colour = info.photometric === 'RGB' && info.samplesPerPixel === 3;
  if (!colour && !(isGreyscale(info.photometric) && info.samplesPerPixel === 1)) {
    throw new DomainError(
      'UnsupportedPhotometricInterpretation',
      `Photometric Interpretation (0028,0004) "${info.photometric}" with ${info.samplesPerPixel} sample(s) cannot be rendered yet (supported: MONOCHROME1, MONOCHROME2, RGB; PS3.3 C.7.6.3.1.2).`,
      { photometric: info.photometric },
    );
  }
  checkFrame(info, req.frame);
  const stored = decodeFrame(parsed, info, req.frame - 1);
  const base = { width: info.columns, height: info.rows, frame: req.frame, bitDepth: req.bitDepth };
  if (colour) return { ...base, data: renderRgb(info, stored, req.bitDepth), channels: 3 };
  const { data, window } = renderGrey(info, stored, req);
  return { ...base, data, channels: 1, window };
}

export function renderPng(parsed: ParsedDicom, req: RenderRequest): RenderResult {
  const r = renderPixels(parsed, req);
  const png = encodePng({ width: r.width, height: r.height, bitDepth: r.bitDepth, channels: r.channels, data: r.data });
  return { png, width: r.width, height: r.height, frame: r.frame, bitDepth: r.bitDepth };
}
