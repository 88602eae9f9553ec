/**
 * Output stage: presentation values to integer P-Values of the requested depth (PS3.4 N.2.1.1:
 * the Presentation LUT output is P-Values in 0 .. 2^n - 1).
 */
export type BitDepth = 8 | 16;

export const outputMax = (bitDepth: BitDepth): number => (bitDepth === 16 ? 0xffff : 0xff);

/**
 * One value to an integer in [0, max]. Truncation rather than rounding: dcmtk converts the
 * windowed double with a C cast, and matching it keeps renderings identical to dcm2pnm.
 */
export function toOutputValue(y: number, max: number): number {
  if (!(y > 0)) return 0; // also NaN
  return y >= max ? max : Math.trunc(y);
}

export function allocateOutput(bitDepth: BitDepth, length: number): Uint8Array | Uint16Array {
  return bitDepth === 16 ? new Uint16Array(length) : new Uint8Array(length);
}
