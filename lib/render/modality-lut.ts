/**
 * Modality LUT stage (PS3.3 C.11.1; PS3.4 N.2.1 Grayscale Transformation pipeline): stored
 * values to modality-independent values (e.g. Hounsfield units).
 */
import type { ImageInfo } from '../pixels/image-info.js';

/** The Modality LUT as a function of one stored value. */
export type ModalityTransform = (stored: number) => number;

/**
 * Rescale Slope (0028,1053) and Intercept (0028,1052): output = slope * stored + intercept
 * (PS3.3 C.11.1.1.2). A Modality LUT Sequence (0028,3000) takes its place when present
 * (PS3.3 C.11.1: they shall not both be present; the LUT wins here, as in dcmtk): stored
 * values below the first mapped value take the first entry, above the last take the last
 * (PS3.3 C.11.1.1.1).
 */
export function modalityTransform(info: Pick<ImageInfo, 'rescaleSlope' | 'rescaleIntercept' | 'modalityLut'>): ModalityTransform {
  const lut = info.modalityLut;
  if (lut) {
    const last = lut.data.length - 1;
    return (stored) => {
      const i = stored - lut.firstMapped;
      return lut.data[i <= 0 ? 0 : i >= last ? last : i];
    };
  }
  const { rescaleSlope: slope, rescaleIntercept: intercept } = info;
  if (slope === 1 && intercept === 0) return (stored) => stored;
  return (stored) => stored * slope + intercept;
}

/** Whether the transform is the identity (lets callers skip a pass). */
export const isIdentityModality = (info: Pick<ImageInfo, 'rescaleSlope' | 'rescaleIntercept' | 'modalityLut'>): boolean =>
  !info.modalityLut && info.rescaleSlope === 1 && info.rescaleIntercept === 0;
