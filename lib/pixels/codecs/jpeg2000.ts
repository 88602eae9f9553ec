/**
 * JPEG 2000 Lossless .90 and JPEG 2000 .91 (PS3.5 A.4.4, ISO 15444-1) with OpenJPEG, loaded
 * lazily from @cornerstonejs/codec-openjpeg (which also decodes HTJ2K, more slowly than
 * OpenJPH). OpenJPEG undoes the codestream's multiple component transform (RCT/ICT), so
 * YBR_RCT / YBR_ICT come out as RGB.
 *
 * Both decoders can stop r wavelet levels short of full resolution (DecodeOptions.resolutionLevel,
 * lib/pixels/resolution-level.ts): the image is then the LL band, ceil(W/2^r) x ceil(H/2^r),
 * for a thumbnail at a fraction of the work.
 */
import { DomainError } from '../../errors.js';
import type { DecodedFrame, DecodeOptions, FrameInfo } from './frame-types.js';
import { sizeAtLevel } from '../resolution-level.js';
import { checkGeometry, checkLayout, corruptStream, describeCodecThrow, fromCodecBytes, type Lazy } from './common.js';
import { j2kCodestream, readJ2kHeader, type J2kHeader } from './j2k-codestream.js';
import { decodeWithWasm, wasmModule, type WasmDecoder, type WasmFrameInfo } from './wasm-codec.js';

/** The Cornerstone J2KDecoder (OpenJPEG) and HTJ2KDecoder (OpenJPH): the same embind API. */
export interface J2kDecoderInstance extends WasmDecoder<WasmFrameInfo> {
  /**
   * Decodes leaving out the `level` finest decomposition levels; `layers` 0 = every quality
   * layer, as decode() does. getFrameInfo() still reports the full size; the decoded buffer
   * holds ceil(W/2^level) x ceil(H/2^level) samples. A level past the codestream's gives an
   * empty or meaningless buffer, so callers cap it (j2kReductionLevel).
   */
  decodeSubResolution(level: number, layers: number): void;
}
interface OpenJpegModule {
  J2KDecoder: new () => J2kDecoderInstance;
}

export const openjpeg = wasmModule<OpenJpegModule>('OpenJPEG (JPEG 2000)', () => import('@cornerstonejs/codec-openjpeg/decodewasmjs'));

/** Checks the header before any WASM runs: size, components and precision that fit. */
export function checkJ2kHeader(codec: string, info: FrameInfo, header: J2kHeader): void {
  checkGeometry(codec, info, { width: header.width, height: header.height, components: header.components, bitsPerSample: header.precision });
  if (header.precision > 16) {
    throw new DomainError('UnsupportedPixelFormat', `${codec} samples of ${header.precision} bits are not supported (up to 16).`);
  }
}

/**
 * The reduction level a decode of this codestream can use for `requested`: capped by its
 * decomposition levels (COD/COC, ISO 15444-1 A.6.1-A.6.2), and 0 when the image origin is not 0
 * or a component is sub-sampled: the Cornerstone wrappers size and read the reduced image as if
 * neither happened, so only the plain case gives ceil(W/2^r) x ceil(H/2^r) samples.
 */
export function j2kReductionLevel(header: J2kHeader, requested = 0): number {
  if (!(requested > 0) || header.originX !== 0 || header.originY !== 0 || header.subsampled) return 0;
  return Math.min(Math.floor(requested), header.decompositionLevels);
}

/**
 * Runs a Cornerstone J2K/HTJ2K decoder from `wasm` and shapes its output, at reduction `level`
 * when above 0. A reduced decode the decoder refuses (e.g. a tile-part header with fewer levels
 * than the main header's) is done again at full size, so the answer or the error is the one a
 * full decode gives.
 */
export async function runJ2kDecoder<M>(
  codec: string,
  wasm: Lazy<M>,
  create: (module: M) => J2kDecoderInstance,
  codestream: Uint8Array,
  info: FrameInfo,
  header: J2kHeader,
  level = 0,
): Promise<DecodedFrame> {
  if (level > 0) {
    try {
      return await decodeAtLevel(codec, wasm, create, codestream, info, header, level);
    } catch (thrown) {
      if (!(thrown instanceof DomainError) || thrown.code !== 'MalformedDicom') throw thrown;
    }
  }
  return decodeAtLevel(codec, wasm, create, codestream, info, header, 0);
}

async function decodeAtLevel<M>(
  codec: string,
  wasm: Lazy<M>,
  create: (module: M) => J2kDecoderInstance,
  codestream: Uint8Array,
  info: FrameInfo,
  header: J2kHeader,
  level: number,
): Promise<DecodedFrame> {
  const run = level > 0 ? (d: J2kDecoderInstance) => d.decodeSubResolution(level, 0) : undefined;
  const failure = (thrown: unknown) => corruptStream(codec, info, describeCodecThrow(thrown));
  const { bytes, frameInfo: fi } = await decodeWithWasm(wasm, create, codestream, failure, undefined, run);
  // The frame info is the full image's at any level.
  checkGeometry(codec, info, { width: fi.width, height: fi.height, components: fi.componentCount, bitsPerSample: fi.bitsPerSample });
  const bytesPerSample = fi.bitsPerSample > 8 ? 2 : 1;
  const size = sizeAtLevel(info.columns, info.rows, level);
  const pixels = fromCodecBytes(codec, level > 0 ? { ...info, rows: size.height, columns: size.width } : info, bytes, bytesPerSample);
  if (level > 0) clampToBitsStored(pixels, info);
  // YBR_RCT / YBR_ICT mean the codestream's component transform was used (PS3.5 8.2.4); the
  // decoder has undone it. Without it the components were never transformed: they are RGB.
  const photometric = info.samplesPerPixel === 3 && (header.mct || info.photometric === 'YBR_RCT' || info.photometric === 'YBR_ICT') ? 'RGB' : info.photometric;
  return { pixels, samplesPerPixel: info.samplesPerPixel, photometric, planar: false, ...(level > 0 ? { resolutionLevel: level } : {}) };
}

/**
 * The LL band is a low-pass image whose filter taps are not all positive (the 5/3 and 9/7
 * wavelets, ISO 15444-1 F.3.8), so next to a sharp edge a value may overshoot the stored range
 * by a little. Clamped, not wrapped as an out-of-range stored value would be (withinBitsStored,
 * lib/pixels/decoders.ts): a bright edge must stay bright.
 */
function clampToBitsStored(pixels: DecodedFrame['pixels'], info: FrameInfo): void {
  const signed = info.pixelRepresentation === 1;
  const lo = signed ? -(2 ** (info.bitsStored - 1)) : 0;
  const hi = signed ? 2 ** (info.bitsStored - 1) - 1 : 2 ** info.bitsStored - 1;
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i];
    if (v < lo) pixels[i] = lo;
    else if (v > hi) pixels[i] = hi;
  }
}

export async function decodeWithOpenJpeg(encoded: Uint8Array, info: FrameInfo, codec = 'JPEG 2000', options?: DecodeOptions): Promise<DecodedFrame> {
  checkLayout(info);
  const codestream = j2kCodestream(encoded);
  const header = readJ2kHeader(codestream);
  checkJ2kHeader(codec, info, header);
  const level = j2kReductionLevel(header, options?.resolutionLevel);
  return runJ2kDecoder(codec, openjpeg, (m) => new m.J2KDecoder(), codestream, info, header, level);
}

export async function decodeJpeg2000(encoded: Uint8Array, info: FrameInfo, options?: DecodeOptions): Promise<DecodedFrame> {
  return decodeWithOpenJpeg(encoded, info, 'JPEG 2000', options);
}
