/**
 * Colour stage (PS3.3 C.7.6.3.1.2): decoded colour samples to RGB output values. No Modality
 * LUT or VOI applies to colour images. YBR conversions follow the equations of PS3.3
 * C.7.6.3.1.2 inverted (the same as dcmtk's DiYBRPixelTemplate), computed on the stored
 * bit depth and clipped; then every sample is scaled to the output depth.
 */
import { DomainError } from '../errors.js';
import type { StoredValues } from '../pixels/native-frame.js';
import type { BitDepth } from './output.js';

/** Colour photometric interpretations this stage takes after decoding (values are 3 samples per pixel). */
export const COLOUR_PHOTOMETRICS = new Set(['RGB', 'YBR_FULL', 'YBR_PARTIAL', 'YBR_ICT', 'YBR_RCT']);

/**
 * YBR_FULL (and YBR_ICT, the same equations, PS3.5 8.2.4 / ISO 15444-1 G.3): full-range
 * Y Cb Cr with Cb, Cr centred at max/2. Computed exactly as dcmtk 3.6.7 (DiYBRPixelTemplate):
 * per-chroma terms truncated to integers first, then added to Y and clipped —
 *   R = Y + [1.402 Cr - 0.701 max], G = Y - [0.3441 Cb] - [0.7141 Cr - 0.5291 max],
 *   B = Y + [1.772 Cb - 0.8859 max]   ([x] = truncation toward zero).
 * Bit-identical with dcm2pnm on the corpus (SC_ybr_full_uncompressed, US-YBR_FULL_422-EVRLE).
 */
function ybrFullToRgb(v: StoredValues, max: number): Float64Array {
  const out = new Float64Array(v.length);
  const t = Math.trunc;
  const clip = (x: number) => (x < 0 ? 0 : x > max ? max : x);
  const rc = 0.701 * max;
  const gc = 0.5291 * max;
  const bc = 0.8859 * max;
  for (let i = 0; i < v.length; i += 3) {
    const y = v[i];
    const cb = v[i + 1];
    const cr = v[i + 2];
    out[i] = clip(y + t(1.402 * cr - rc));
    out[i + 1] = clip(y - t(0.3441 * cb) - t(0.7141 * cr - gc));
    out[i + 2] = clip(y + t(1.772 * cb - bc));
  }
  return out;
}

/**
 * Native YBR_FULL_422 after upsampling: dcmtk 3.6.7 (DiYBR422PixelTemplate) converts these with
 * the floating-point equations, truncated once at the end —
 *   R = Y + 1.402 Cr - 0.701 max, G = Y - 0.3441 Cb - 0.7141 Cr + 0.5291 max, B = Y + 1.772 Cb - 0.8859 max.
 * Bit-identical with dcm2pnm on SC_ybr_full_422_uncompressed and US-YBR_FULL_422-EVRLE.
 */
function ybrFull422ToRgb(v: StoredValues, max: number): Float64Array {
  const out = new Float64Array(v.length);
  const clip = (x: number) => (x < 0 ? 0 : x > max ? max : Math.trunc(x));
  for (let i = 0; i < v.length; i += 3) {
    const y = v[i];
    const cb = v[i + 1];
    const cr = v[i + 2];
    out[i] = clip(y + 1.402 * cr - 0.701 * max);
    out[i + 1] = clip(y - 0.3441 * cb - 0.7141 * cr + 0.5291 * max);
    out[i + 2] = clip(y + 1.772 * cb - 0.8859 * max);
  }
  return out;
}

/**
 * YBR_PARTIAL (Y in 16..235, Cb Cr in 16..240 for 8 bits; PS3.3 C.7.6.3.1.2 / ITU-R BT.601):
 * R = 1.1644 (Y - 16k) + 1.596 (Cr - 128k), G = ... - 0.3918 (Cb - 128k) - 0.813 (Cr - 128k),
 * B = ... + 2.0172 (Cb - 128k), k = max / 255 (as dcmtk's YBR_PARTIAL conversion).
 */
function ybrPartialToRgb(v: StoredValues, max: number): Float64Array {
  const out = new Float64Array(v.length);
  const k = max / 255;
  const clip = (x: number) => (x < 0 ? 0 : x > max ? max : Math.trunc(x));
  for (let i = 0; i < v.length; i += 3) {
    const y = 1.1644 * (v[i] - 16 * k);
    const cb = v[i + 1] - 128 * k;
    const cr = v[i + 2] - 128 * k;
    out[i] = clip(y + 1.596 * cr);
    out[i + 1] = clip(y - 0.3918 * cb - 0.813 * cr);
    out[i + 2] = clip(y + 2.0172 * cb);
  }
  return out;
}

/** YBR_RCT (ISO 15444-1 G.2, reversible): G = Y - floor((Cb + Cr) / 4), R = Cr + G, B = Cb + G, Cb Cr centred. */
function ybrRctToRgb(v: StoredValues, max: number): Float64Array {
  const out = new Float64Array(v.length);
  const mid = (max + 1) / 2;
  const clip = (x: number) => (x < 0 ? 0 : x > max ? max : x);
  for (let i = 0; i < v.length; i += 3) {
    const cb = v[i + 1] - mid;
    const cr = v[i + 2] - mid;
    const g = v[i] - Math.floor((cb + cr) / 4);
    out[i] = clip(cr + g);
    out[i + 1] = clip(g);
    out[i + 2] = clip(cb + g);
  }
  return out;
}

/**
 * Decoded colour samples (3 per pixel, interleaved) to RGB at the output depth. `bitsStored`
 * is the sample depth; for 8-bit output deeper samples keep their top 8 bits (v >> (bits - 8),
 * as dcmtk), for 16-bit output samples are scaled to 0..65535 (8-bit: v * 257).
 */
export function colourToRgb(values: StoredValues, photometric: string, bitsStored: number, bitDepth: BitDepth): Uint8Array | Uint16Array {
  if (bitsStored > 32 || values instanceof Float32Array || values instanceof Float64Array) {
    throw new DomainError('UnsupportedPixelFormat', `Colour samples of ${bitsStored} bits are not supported (PS3.3 C.7.6.3.1).`);
  }
  const max = 2 ** bitsStored - 1;
  let rgb: StoredValues | Float64Array = values;
  switch (photometric) {
    case 'RGB':
      break;
    case 'YBR_FULL':
    case 'YBR_ICT':
      rgb = ybrFullToRgb(values, max);
      break;
    case 'YBR_FULL_422':
      // Full-resolution samples from native 4:2:2 (upsampled by lib/pixels/native-frame.ts).
      rgb = ybrFull422ToRgb(values, max);
      break;
    case 'YBR_PARTIAL':
      rgb = ybrPartialToRgb(values, max);
      break;
    case 'YBR_RCT':
      rgb = ybrRctToRgb(values, max);
      break;
    default:
      throw new DomainError(
        'UnsupportedPhotometricInterpretation',
        `Photometric Interpretation (0028,0004) "${photometric}" cannot be converted to RGB (supported: RGB, YBR_FULL, YBR_FULL_422, YBR_PARTIAL_422, YBR_PARTIAL_420, YBR_ICT, YBR_RCT, PALETTE COLOR; PS3.3 C.7.6.3.1.2).`,
        { photometric },
      );
  }
  const n = rgb.length;
  if (bitDepth === 8) {
    const out = new Uint8Array(n);
    if (bitsStored === 8) {
      out.set(rgb);
    } else if (bitsStored > 8) {
      const div = 2 ** (bitsStored - 8);
      for (let i = 0; i < n; i++) out[i] = Math.floor(rgb[i] / div);
    } else {
      // Shallower samples stretch to the full range (dcmtk's gradient for bits < 8).
      for (let i = 0; i < n; i++) out[i] = Math.trunc((rgb[i] * 255) / max);
    }
    return out;
  }
  const out = new Uint16Array(n);
  if (bitsStored === 16) out.set(rgb);
  else if (bitsStored > 16) {
    const div = 2 ** (bitsStored - 16);
    for (let i = 0; i < n; i++) out[i] = Math.floor(rgb[i] / div);
  } else {
    const scale = 65535 / max; // 8 bits: exactly 257
    for (let i = 0; i < n; i++) out[i] = Math.round(rgb[i] * scale);
  }
  return out;
}
