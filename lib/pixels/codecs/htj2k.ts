/**
 * High-Throughput JPEG 2000 .201 (lossless), .202 (lossless, RPCL) and .203 (PS3.5 A.4.7,
 * ISO 15444-15) with OpenJPH, loaded lazily from @cornerstonejs/codec-openjph. If OpenJPH
 * rejects a stream (e.g. a plain Part 1 codestream under an HTJ2K UID), OpenJPEG is tried.
 */
import { DomainError } from '../../errors.js';
import type { DecodedFrame, FrameInfo } from './frame-types.js';
import { checkLayout, requireEndMarker } from './common.js';
import { j2kCodestream, readJ2kHeader } from './j2k-codestream.js';
import { checkJ2kHeader, decodeWithOpenJpeg, runJ2kDecoder, type J2kDecoderInstance } from './jpeg2000.js';
import { wasmModule } from './wasm-codec.js';

interface OpenJphModule {
  HTJ2KDecoder: new () => J2kDecoderInstance;
}

export const openjph = wasmModule<OpenJphModule>('OpenJPH (HTJ2K)', () => import('@cornerstonejs/codec-openjph/wasmjs'));

export async function decodeHtj2k(encoded: Uint8Array, info: FrameInfo): Promise<DecodedFrame> {
  checkLayout(info);
  const codestream = j2kCodestream(encoded);
  const header = readJ2kHeader(codestream);
  checkJ2kHeader('HTJ2K', info, header);
  requireEndMarker('HTJ2K', info, codestream);
  let first: DomainError;
  try {
    return await runJ2kDecoder('HTJ2K', openjph, (m) => new m.HTJ2KDecoder(), codestream, info, header);
  } catch (thrown) {
    if (!(thrown instanceof DomainError) || thrown.code !== 'MalformedDicom') throw thrown;
    first = thrown;
  }
  try {
    return await decodeWithOpenJpeg(encoded, info, 'HTJ2K');
  } catch (thrown) {
    // Both failed: report OpenJPH's reason, it is the primary decoder.
    if (thrown instanceof DomainError && thrown.code === 'MalformedDicom') throw first;
    throw thrown;
  }
}
