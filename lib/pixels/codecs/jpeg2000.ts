/**
 * JPEG 2000 Lossless .90 and JPEG 2000 .91 (PS3.5 A.4.4, ISO 15444-1) with OpenJPEG, loaded
 * lazily from @cornerstonejs/codec-openjpeg (which also decodes HTJ2K, more slowly than
 * OpenJPH). OpenJPEG undoes the codestream's multiple component transform (RCT/ICT), so
 * YBR_RCT / YBR_ICT come out as RGB.
 */
import { DomainError } from '../../errors.js';
import type { DecodedFrame, FrameInfo } from './frame-types.js';
import { checkGeometry, checkLayout, corruptStream, describeCodecThrow, fromCodecBytes, lazy } from './common.js';
import { quietModule } from './common.js';
import { j2kCodestream, readJ2kHeader, type J2kHeader } from './j2k-codestream.js';

export interface J2kFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned: boolean;
}
export interface J2kDecoderInstance {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): J2kFrameInfo;
  delete(): void;
}
interface OpenJpegModule {
  J2KDecoder: new () => J2kDecoderInstance;
}

export const openjpeg = lazy('OpenJPEG (JPEG 2000)', async () => {
  const factory = (await import('@cornerstonejs/codec-openjpeg/decodewasmjs')).default;
  return (await factory(quietModule())) as OpenJpegModule;
});

/** Checks the header before any WASM runs: size, components and precision that fit. */
export function checkJ2kHeader(codec: string, info: FrameInfo, header: J2kHeader): void {
  checkGeometry(codec, info, { width: header.width, height: header.height, components: header.components, bitsPerSample: header.precision });
  if (header.precision > 16) {
    throw new DomainError('UnsupportedPixelFormat', `${codec} samples of ${header.precision} bits are not supported (up to 16).`);
  }
}

/** Runs a Cornerstone J2K/HTJ2K decoder instance and shapes its output. */
export function runJ2kDecoder(codec: string, make: () => J2kDecoderInstance, codestream: Uint8Array, info: FrameInfo, header: J2kHeader, onFailure: () => void): DecodedFrame {
  let decoder: J2kDecoderInstance | undefined;
  let bytes: Uint8Array;
  let fi: J2kFrameInfo;
  try {
    decoder = make();
    decoder.getEncodedBuffer(codestream.length).set(codestream);
    decoder.decode();
    fi = decoder.getFrameInfo();
    bytes = decoder.getDecodedBuffer().slice();
  } catch (thrown) {
    if (thrown instanceof DomainError) throw thrown;
    onFailure();
    throw corruptStream(codec, info, describeCodecThrow(thrown));
  } finally {
    try {
      decoder?.delete();
    } catch {
      // module dropped by onFailure
    }
  }
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
  const module = await openjpeg.get();
  return runJ2kDecoder(codec, () => new module.J2KDecoder(), codestream, info, header, () => openjpeg.reset());
}

export async function decodeJpeg2000(encoded: Uint8Array, info: FrameInfo): Promise<DecodedFrame> {
  return decodeWithOpenJpeg(encoded, info, 'JPEG 2000');
}
