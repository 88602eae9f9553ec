/**
 * High-Throughput JPEG 2000 .201 (lossless), .202 (lossless, RPCL) and .203 (PS3.5 A.4.7,
 * ISO 15444-15) with OpenJPH, loaded lazily from @cornerstonejs/codec-openjph. If OpenJPH
 * rejects a stream (e.g. a plain Part 1 codestream under an HTJ2K UID), OpenJPEG is tried.
 * Either decodes at a reduced resolution when asked (DecodeOptions, as in jpeg2000.ts).
 */
import { DomainError } from '../../errors.js';
import type { DecodedFrame, DecodeOptions, FrameInfo } from './frame-types.js';
import { checkLayout, requireEndMarker } from './common.js';
import { j2kCodestream, readJ2kHeader } from './j2k-codestream.js';
import { checkJ2kHeader, decodeWithOpenJpeg, j2kReductionLevel, runJ2kDecoder, type J2kDecoderInstance } from './jpeg2000.js';
import { wasmModule } from './wasm-codec.js';

interface OpenJphModule {
  HTJ2KDecoder: new () => J2kDecoderInstance;
}

export const openjph = wasmModule<OpenJphModule>('OpenJPH (HTJ2K)', () => import('@cornerstonejs/codec-openjph/wasmjs'));

export async function decodeHtj2k(encoded: Uint8Array, info: FrameInfo, options?: DecodeOptions): Promise<DecodedFrame> {
  checkLayout(info);
  const codestream = j2kCodestream(encoded);
  const header = readJ2kHeader(codestream);
  checkJ2kHeader('HTJ2K', info, header);
  requireEndMarker('HTJ2K', info, codestream);
  let first: DomainError;
  try {
    const level = j2kReductionLevel(header, options?.resolutionLevel);
    return await runJ2kDecoder('HTJ2K', openjph, (m) => new m.HTJ2KDecoder(), codestream, info, header, level);
  } catch (thrown) {
    if (!(thrown instanceof DomainError) || thrown.code !== 'MalformedDicom') throw thrown;
    first = thrown;
  }
  try {
    return await decodeWithOpenJpeg(encoded, info, 'HTJ2K', options);
  } catch (thrown) {
    // Both failed: report OpenJPH's reason, it is the primary decoder.
    if (thrown instanceof DomainError && thrown.code === 'MalformedDicom') throw first;
    throw thrown;
  }
}
