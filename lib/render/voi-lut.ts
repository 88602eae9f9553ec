/**
 * VOI LUT stage (PS3.3 C.11.2; PS3.4 N.2.1): modality values to the output range [yMin, yMax]
 * through a window. The three window functions are those of VOI LUT Function (0028,1056).
 */
import { DomainError } from '../errors.js';
import type { ImageInfo, VoiLutFunction } from '../pixels/image-info.js';

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
  info: Pick<ImageInfo, 'windows' | 'voiLutFunction'>,
  requested: Window | undefined,
  frameRange: () => { min: number; max: number },
): Window {
  if (requested) {
    assertValidWindow(requested);
    return requested;
  }
  const first = info.windows[0];
  if (first) {
    const w: Window = { center: first.center, width: first.width, fn: windowFunctionOf(info.voiLutFunction) };
    if (isValidWindow(w)) return w;
  }
  const { min, max } = frameRange();
  return minMaxWindow(min, max);
}
