/**
 * libjpeg-turbo (8-bit DCT: baseline, extended 8-bit, progressive; 8-bit lossless) loaded
 * lazily from @cornerstonejs/codec-libjpeg-turbo-8bit's decode-only WASM build.
 */
import { DomainError } from '../../errors.js';
import type { FrameInfo } from './frame-types.js';
import { checkGeometry, corruptStream, describeCodecThrow, lazy } from './common.js';
import { quietModule } from './common.js';

interface JpegFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
}
interface TurboDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): JpegFrameInfo;
  delete(): void;
}
interface TurboModule {
  JPEGDecoder: new () => TurboDecoder;
}

export const libjpegTurbo = lazy('libjpeg-turbo (8-bit JPEG)', async () => {
  const factory = (await import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs')).default;
  return (await factory(quietModule())) as TurboModule;
});

/** Decodes an 8-bit JPEG with libjpeg-turbo; returns interleaved 8-bit samples (RGB for colour). */
export async function decodeWithLibjpegTurbo(stream: Uint8Array, info: FrameInfo): Promise<Uint8Array> {
  const module = await libjpegTurbo.get();
  let decoder: TurboDecoder | undefined;
  try {
    decoder = new module.JPEGDecoder();
    decoder.getEncodedBuffer(stream.length).set(stream);
    decoder.decode();
    const fi = decoder.getFrameInfo();
    checkGeometry('JPEG', info, { width: fi.width, height: fi.height, components: fi.componentCount, bitsPerSample: fi.bitsPerSample });
    // Copy out of the WASM heap before the decoder is freed.
    return decoder.getDecodedBuffer().slice();
  } catch (thrown) {
    if (thrown instanceof DomainError) throw thrown;
    // A trapped module must not be reused; C++ exceptions leave it usable but are rare enough.
    libjpegTurbo.reset();
    throw corruptStream('JPEG', info, `libjpeg-turbo failed (${describeCodecThrow(thrown)})`);
  } finally {
    try {
      decoder?.delete();
    } catch {
      // the module may have aborted; it has been dropped
    }
  }
}
