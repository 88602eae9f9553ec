/**
 * Presentation stage (PS3.4 N.2.1; PS3.3 C.7.6.3.1.2): MONOCHROME1 means the minimum value is
 * displayed white, so its VOI output is inverted (Presentation LUT Shape INVERSE,
 * PS3.3 C.11.6.1.2); MONOCHROME2 is shown as is (IDENTITY).
 */
import { DomainError } from '../errors.js';

export interface OutputRange {
  /** Output value for the bottom of the VOI ramp. */
  yMin: number;
  /** Output value for the top of the VOI ramp. */
  yMax: number;
}

export const isGreyscale = (photometric: string): boolean => photometric === 'MONOCHROME1' || photometric === 'MONOCHROME2';

/**
 * Whether the VOI output is shown inverted: MONOCHROME1, or a Presentation LUT Shape
 * (2050,0020) of INVERSE (PS3.3 C.11.6.1.2). The two name the same single inversion: the DX,
 * MG and IO IODs require INVERSE exactly when the image is MONOCHROME1 (PS3.3 C.8.11.7), so
 * MONOCHROME1 with INVERSE is inverted once, not twice; INVERSE on MONOCHROME2 inverts it.
 * Both are pixel-identical to dcm2pnm 3.6.7 (test/lib/render/render-frame.test.ts). dcm2pnm
 * lets IDENTITY on MONOCHROME1 cancel the inversion; that pairing contradicts those IODs,
 * and the photometric interpretation wins here.
 */
export const isInverted = (photometric: string, shape?: 'IDENTITY' | 'INVERSE'): boolean => photometric === 'MONOCHROME1' || shape === 'INVERSE';

/** y' = max - y: the INVERSE presentation of one VOI output value in [0, max]. */
export const invert = (y: number, max: number): number => max - y;

/**
 * The [yMin, yMax] the VOI stage should target so that its output is already presented.
 * All VOI functions are of the form y = yMin + (yMax - yMin) * f(x), so feeding them
 * (max, 0) for MONOCHROME1 equals inverting after VOI — and it is how dcmtk inverts, which
 * keeps the truncation of each value identical to dcmtk's.
 */
export function presentationRange(photometric: string, max: number, shape?: 'IDENTITY' | 'INVERSE'): OutputRange {
  if (photometric === 'MONOCHROME1' || photometric === 'MONOCHROME2') {
    return isInverted(photometric, shape) ? { yMin: max, yMax: 0 } : { yMin: 0, yMax: max };
  }
  throw new DomainError(
    'UnsupportedPhotometricInterpretation',
    `Photometric Interpretation (0028,0004) "${photometric}" is not greyscale; the VOI/presentation pipeline applies to MONOCHROME1 and MONOCHROME2 (PS3.3 C.7.6.3.1.2).`,
  );
}
