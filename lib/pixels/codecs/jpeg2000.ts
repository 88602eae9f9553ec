/**
 * JPEG 2000 Lossless .90 and JPEG 2000 .91 (PS3.5 A.4.4, ISO 15444-1) with OpenJPEG, loaded
 * lazily from @cornerstonejs/codec-openjpeg (which also decodes HTJ2K, more slowly than
 * OpenJPH). OpenJPEG undoes the codestream's multiple component transform (RCT/ICT), so
 * YBR_RCT / YBR_ICT come out as RGB.
 */
import { DomainError } from '../../errors.js';
import type { DecodedFrame, FrameInfo } from './frame-types.js';
import { checkGeometry, checkLayout, corruptStream, describeCodecThrow, fromCodecBytes, type Lazy } from './common.js';
import { j2kCodestream, readJ2kHeader, type J2kHeader } from './j2k-codestream.js';
import { decodeWithWasm, wasmModule, type WasmDecoder, type WasmFrameInfo } from './wasm-codec.js';

export type J2kDecoderInstance = WasmDecoder<WasmFrameInfo>;
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

/** Runs a Cornerstone J2K/HTJ2K decoder from `wasm` and shapes its output. */
export async function runJ2kDecoder<M>(
  codec: string,
  wasm: Lazy<M>,
  create: (module: M) => J2kDecoderInstance,
  codestream: Uint8Array,
  info: FrameInfo,
  header: J2kHeader,
): Promise<DecodedFrame> {
  const { bytes, frameInfo: fi } = await decodeWithWasm(wasm, create, codestream, (thrown) => corruptStream(codec, info, describeCodecThrow(thrown)));
  checkGeometry(codec, info, { width: fi.width, height: fi.height, components: fi.componentCount, bitsPerSample: fi.bitsPerSample });
  const bytesPerSample = fi.bitsPerSample > 8 ? 2 : 1;
  const pixels = fromCodecBytes(codec, info, bytes, bytesPerSample);
  // YBR_RCT / YBR_ICT mean the codestream's component transform was used (PS3.5 8.2.4); the
  // decoder has undone it. Without it the components were never transformed: they are RGB.
  const photometric = info.samplesPerPixel === 3 && (header.mct || info.photometric === 'YBR_RCT' || info.photometric === 'YBR_ICT') ? 'RGB' : info.photometric;
  return { pixels, samplesPerPixel: info.samplesPerPixel, photometric, planar: false };
}

export async function decodeWithOpenJpeg(encoded: Uint8Array, info: FrameInfo, codec = 'JPEG 2000'): Promise<DecodedFrame> {
  checkLayout(info);
  const codestream = j2kCodestream(encoded);
  const header = readJ2kHeader(codestream);
  checkJ2kHeader(codec, info, header);
  return runJ2kDecoder(codec, openjpeg, (m) => new m.J2KDecoder(), codestream, info, header);
}

export async function decodeJpeg2000(encoded: Uint8Array, info: FrameInfo): Promise<DecodedFrame> {
  return decodeWithOpenJpeg(encoded, info, 'JPEG 2000');
}
