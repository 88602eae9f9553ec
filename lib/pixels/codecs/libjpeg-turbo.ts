/**
 * libjpeg-turbo (8-bit DCT: baseline, extended 8-bit, progressive; 8-bit lossless) loaded
 * lazily from @cornerstonejs/codec-libjpeg-turbo-8bit's decode-only WASM build.
 */
import type { FrameInfo } from './frame-types.js';
import { checkGeometry, corruptStream, describeCodecThrow } from './common.js';
import { decodeWithWasm, wasmModule, type WasmDecoder, type WasmFrameInfo } from './wasm-codec.js';

interface TurboModule {
  JPEGDecoder: new () => WasmDecoder<WasmFrameInfo>;
}

export const libjpegTurbo = wasmModule<TurboModule>('libjpeg-turbo (8-bit JPEG)', () => import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs'));

/** Decodes an 8-bit JPEG with libjpeg-turbo; returns interleaved 8-bit samples (RGB for colour). */
export async function decodeWithLibjpegTurbo(stream: Uint8Array, info: FrameInfo): Promise<Uint8Array> {
  // A trapped module must not be reused; C++ exceptions would leave it usable but are rare enough.
  const { bytes, frameInfo: fi } = await decodeWithWasm(libjpegTurbo, (m) => new m.JPEGDecoder(), stream, (thrown) =>
    corruptStream('JPEG', info, `libjpeg-turbo failed (${describeCodecThrow(thrown)})`),
  );
  checkGeometry('JPEG', info, { width: fi.width, height: fi.height, components: fi.componentCount, bitsPerSample: fi.bitsPerSample });
  return bytes;
}
