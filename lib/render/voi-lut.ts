/**
 * VOI LUT stage (PS3.3 C.11.2; PS3.4 N.2.1): modality values to the output range [yMin, yMax]
 * through a window. The three window functions are those of VOI LUT Function (0028,1056).
 */
import { DomainError } from '../errors.js';
import type { ImageInfo, VoiLutFunction, VoiLutTable } from '../pixels/image-info.js';

export type WindowFunction = 'linear' | 'linear-exact' | 'sigmoid';

export interface Window {
  center: number;
  width: number;
  fn: WindowFunction;
}

/** Maps one modality value x to [yMin, yMax] (yMin > yMax is allowed and inverts the ramp). */
export type VoiTransform = (x: number) => number;

export const windowFunctionOf = (fn: VoiLutFunction): WindowFunction =>
  fn === 'LINEAR_EXACT' ? 'linear-exact' : fn === 'SIGMOID' ? 'sigmoid' : 'linear';

/**
 * The function a file's window is applied with: its VOI LUT Function (0028,1056), except that
 * on Float / Double Float Pixel Data (PS3.3 C.7.6.24) LINEAR is evaluated as LINEAR_EXACT
 * (C.11.2.1.3.2). LINEAR's c - 0.5 and w - 1 (C.11.2.1.2.1) place the ramp between integer
 * stored values; on continuous values they shift it by half a unit, and a parametric map in
 * [0, 1] with Window Width 1 (what writers put for unit-less maps) gets an empty ramp: a
 * threshold at c - 0.5, a two-level picture. LINEAR_EXACT maps [c - w/2, c + w/2] onto the
 * whole output, accepts any width > 0, and differs from LINEAR by under one output level for
 * integer-wide windows. A window given in the request keeps the function it names.
 */
export function fileWindowFunction(info: Pick<ImageInfo, 'voiLutFunction' | 'floatBits'>): WindowFunction {
  if (info.floatBits !== undefined && info.voiLutFunction === 'LINEAR') return 'linear-exact';
  return windowFunctionOf(info.voiLutFunction);
}

/** PS3.3 C.11.2.1.2.1: Window Width >= 1 for LINEAR; C.11.2.1.3: > 0 for LINEAR_EXACT and SIGMOID. */
export function isValidWindow(w: Window): boolean {
  if (!Number.isFinite(w.center) || !Number.isFinite(w.width)) return false;
  return w.fn === 'linear' ? w.width >= 1 : w.width > 0;
}

export function assertValidWindow(w: Window): void {
  if (!isValidWindow(w)) {
    throw new DomainError(
      'InvalidParameter',
      `Window width ${w.width} is not valid for the ${w.fn} VOI function: it must be ${w.fn === 'linear' ? '>= 1 (PS3.3 C.11.2.1.2.1)' : '> 0 (PS3.3 C.11.2.1.3)'}.`,
    );
  }
}

/**
 * LINEAR, PS3.3 C.11.2.1.2.1:
 *   x <= c - 0.5 - (w-1)/2            -> yMin
 *   x >  c - 0.5 + (w-1)/2            -> yMax
 *   else y = ((x - (c - 0.5)) / (w-1) + 0.5) * (yMax - yMin) + yMin
 * The in-window branch is evaluated as offset + x * gradient, the same algebra in the same
 * order as dcmtk (DiMonoOutputPixelTemplate::window), so truncation to an integer agrees
 * bit for bit on values that land exactly on a grey level.
 */
export function linearWindow(center: number, width: number, yMin: number, yMax: number): VoiTransform {
  const w1 = width - 1;
  const left = center - 0.5 - w1 / 2;
  const right = center - 0.5 + w1 / 2;
  const range = yMax - yMin;
  // Width 1 is a step at c - 0.5 (the in-window interval is empty).
  const offset = w1 === 0 ? 0 : yMax - ((center - 0.5) / w1 + 0.5) * range;
  const gradient = w1 === 0 ? 0 : range / w1;
  return (x) => (x <= left ? yMin : x > right ? yMax : offset + x * gradient);
}

/**
 * LINEAR_EXACT, PS3.3 C.11.2.1.3.2:
 *   x <= c - w/2 -> yMin;  x > c + w/2 -> yMax;  else y = ((x - c) / w + 0.5) * (yMax - yMin) + yMin
 */
export function linearExactWindow(center: number, width: number, yMin: number, yMax: number): VoiTransform {
  const left = center - width / 2;
  const right = center + width / 2;
  const range = yMax - yMin;
  return (x) => (x <= left ? yMin : x > right ? yMax : ((x - center) / width + 0.5) * range + yMin);
}

/** SIGMOID, PS3.3 C.11.2.1.3.1: y = (yMax - yMin) / (1 + exp(-4 (x - c) / w)) + yMin */
export function sigmoidWindow(center: number, width: number, yMin: number, yMax: number): VoiTransform {
  const range = yMax - yMin;
  return (x) => range / (1 + Math.exp((-4 * (x - center)) / width)) + yMin;
}

export function voiTransform(w: Window, yMin: number, yMax: number): VoiTransform {
  switch (w.fn) {
    case 'linear-exact':
      return linearExactWindow(w.center, w.width, yMin, yMax);
    case 'sigmoid':
      return sigmoidWindow(w.center, w.width, yMin, yMax);
    default:
      return linearWindow(w.center, w.width, yMin, yMax);
  }
}

/**
 * The LINEAR window whose borders are exactly min and max of the modality values:
 * c - 0.5 - (w-1)/2 = min and c - 0.5 + (w-1)/2 = max give c = (min + max + 1) / 2 and
 * w = max - min + 1 (PS3.3 C.11.2.1.2.1; dcmtk's "+Wm" uses the same pair).
 */
export function minMaxWindow(min: number, max: number): Window {
  return { center: (min + max + 1) / 2, width: max - min + 1, fn: 'linear' };
}

/**
 * The window to render with: the request's, else the file's first valid Window Center/Width
 * with its VOI LUT Function, else min-max of the frame's modality values. A file window with
 * an invalid width (< 1 for LINEAR) is ignored, as in dcmtk ("no valid window").
 */
export function chooseWindow(
  info: Pick<ImageInfo, 'windows' | 'voiLutFunction' | 'floatBits'>,
  requested: Window | undefined,
  frameRange: () => { min: number; max: number },
): Window {
  if (requested) {
    assertValidWindow(requested);
    return requested;
  }
  const first = info.windows[0];
  if (first) {
    const w: Window = { center: first.center, width: first.width, fn: fileWindowFunction(info) };
    if (isValidWindow(w)) return w;
  }
  const { min, max } = frameRange();
  return minMaxWindow(min, max);
}

/**
 * VOI LUT Sequence item as a transform, PS3.3 C.11.2.1.1: input below the first mapped value
 * takes the first entry, above the last takes the last; an entry e of `bits` bits maps to
 * yMin + (yMax - yMin) * e / 2^bits, truncated later like every other output (this is dcmtk's
 * scaling: 256 / 2^bits per step for 8-bit output, so 16-bit entries 257 k give grey k).
 * Entries above 2^bits - 1 (a descriptor that under-states the depth) are clamped to yMax.
 */
export function voiLutTransform(lut: VoiLutTable, yMin: number, yMax: number): VoiTransform {
  const last = lut.data.length - 1;
  const steps = 2 ** lut.bits;
  const top = steps - 1;
  const range = yMax - yMin;
  const gradient = (range + Math.sign(range)) / steps;
  const data = lut.data;
  return (x) => {
    const i = Math.floor(x) - lut.firstMapped;
    const e = data[i <= 0 ? 0 : i >= last ? last : i];
    return e >= top ? yMax : yMin + e * gradient;
  };
}

/** The VOI stage chosen for a frame: a window (with its function) or a VOI LUT Sequence item. */
export type VoiChoice = { kind: 'window'; window: Window; source: 'request' | 'file' | 'minmax' } | { kind: 'lut'; lut: VoiLutTable; index: number };

/**
 * How `?voi=<n>` numbers a file's VOI transforms (1-based): first every Window Center/Width
 * pair in file order, then every VOI LUT Sequence (0028,3010) item in file order. With two
 * windows and one LUT, voi=1 and voi=2 are the windows, voi=3 the LUT.
 */
export function voiCount(info: Pick<ImageInfo, 'windows' | 'voiLuts'>): number {
  return info.windows.length + info.voiLuts.length;
}

/**
 * The VOI to render with (PS3.3 C.11.2, PS3.4 N.2.1.1): the request's window; else the
 * request's `voi` (see voiCount); else the file's first valid window with its VOI LUT
 * Function (0028,1056) (see fileWindowFunction for float data); else its first VOI LUT Sequence item; else min-max of the frame.
 */
export function chooseVoi(
  info: Pick<ImageInfo, 'windows' | 'voiLutFunction' | 'voiLuts' | 'floatBits'>,
  request: { window?: Window; voi?: number },
  frameRange: () => { min: number; max: number },
): VoiChoice {
  if (request.window) {
    assertValidWindow(request.window);
    return { kind: 'window', window: request.window, source: 'request' };
  }
  if (request.voi !== undefined) {
    const n = request.voi;
    const total = voiCount(info);
    if (!Number.isInteger(n) || n < 1 || n > total) {
      throw new DomainError(
        'VoiNotFound',
        `VOI ${n} does not exist: the image has ${info.windows.length} window(s) (0028,1050/1051) and ${info.voiLuts.length} VOI LUT(s) (0028,3010), numbered 1 to ${total}, windows first (PS3.3 C.11.2).`,
        { voi: n, windows: info.windows.length, voiLuts: info.voiLuts.length },
      );
    }
    if (n <= info.windows.length) {
      const w = info.windows[n - 1];
      const window: Window = { center: w.center, width: w.width, fn: fileWindowFunction(info) };
      if (!isValidWindow(window)) {
        throw new DomainError('UnsupportedPixelFormat', `The image's window ${n} has width ${w.width}, which is not valid for ${window.fn} (PS3.3 C.11.2.1.2).`, {
          voi: n,
        });
      }
      return { kind: 'window', window, source: 'file' };
    }
    const index = n - info.windows.length - 1;
    return { kind: 'lut', lut: info.voiLuts[index], index };
  }
  const first = info.windows[0];
  if (first) {
    const w: Window = { center: first.center, width: first.width, fn: fileWindowFunction(info) };
    if (isValidWindow(w)) return { kind: 'window', window: w, source: 'file' };
  }
  if (info.voiLuts.length > 0) return { kind: 'lut', lut: info.voiLuts[0], index: 0 };
  const { min, max } = frameRange();
  return { kind: 'window', window: minMaxWindow(min, max), source: 'minmax' };
}

export function voiChoiceTransform(choice: VoiChoice, yMin: number, yMax: number): VoiTransform {
  return choice.kind === 'window' ? voiTransform(choice.window, yMin, yMax) : voiLutTransform(choice.lut, yMin, yMax);
}
