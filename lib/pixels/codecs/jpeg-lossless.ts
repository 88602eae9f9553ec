/**
 * Lossless JPEG (ISO 10918-1 H, SOF3: the process of .57 and its First-Order Prediction subset
 * .70, PS3.5 A.4.1) with jpeg-lossless-decoder-js (pure JavaScript, any precision 2-16),
 * imported lazily; jpeg.ts hands it the streams whose frame header is SOF3. No colour
 * transform is applied by lossless JPEG: the Photometric Interpretation stays what the data
 * set says.
 */
import { DomainError } from '../../errors.js';
import type { DecodedFrame, FrameInfo } from './frame-types.js';
import { checkGeometry, corruptStream, describeCodecThrow, fromCodecBytes, lazy, requireEndMarker } from './common.js';
import type { JpegHeader } from './jpeg-markers.js';

interface LosslessDecoder {
  decode(buffer: ArrayBuffer, offset: number, length: number, numBytes: number): Uint8Array | Uint16Array;
}
interface LosslessModule {
  Decoder: new () => LosslessDecoder;
}

const losslessJs = lazy('jpeg-lossless-decoder-js (JPEG lossless)', async () => (await import('jpeg-lossless-decoder-js')) as unknown as LosslessModule);

/**
 * A private copy of the stream with two zero bytes inserted before the final EOI marker.
 * jpeg-lossless-decoder-js reads ahead while decoding the last sample; when that read meets
 * the EOI marker it stops without writing the last sample (measured: the last pixel of
 * CTImage_jpeg_lossless_sv1_70 came out 0 instead of -2000). Bytes after the last sample's
 * bits are never part of a sample, so the slack changes nothing else.
 */
function withSlackBeforeEoi(encoded: Uint8Array): Uint8Array {
  let end = encoded.length;
  // Item padding after EOI (00, FF or a space).
  while (end > 2 && !(encoded[end - 2] === 0xff && encoded[end - 1] === 0xd9) && [0x00, 0xff, 0x20].includes(encoded[end - 1])) end--;
  if (end < 4 || encoded[end - 2] !== 0xff || encoded[end - 1] !== 0xd9) return encoded.slice();
  const out = new Uint8Array(end + 2);
  out.set(encoded.subarray(0, end - 2), 0);
  out[end - 2] = 0;
  out[end - 1] = 0;
  out[end] = 0xff;
  out[end + 1] = 0xd9;
  return out;
}

/** Decodes a stream whose frame header (`header`) is lossless (SOF3). */
export async function decodeJpegLossless(encoded: Uint8Array, info: FrameInfo, header: JpegHeader): Promise<DecodedFrame> {
  if (header.precision < 2 || header.precision > 16) {
    throw new DomainError('MalformedDicom', `The lossless JPEG stream has a precision of ${header.precision}; ISO 10918-1 H allows 2 to 16.`);
  }
  checkGeometry('JPEG lossless', info, {
    width: header.width,
    height: header.height,
    components: header.componentIds.length,
    bitsPerSample: header.precision,
  });
  if (header.componentIds.length > 1 && header.precision > 8) {
    // jpeg-lossless-decoder-js writes only the first component for >8-bit colour.
    throw new DomainError(
      'UnsupportedPixelFormat',
      `Lossless JPEG colour with ${header.precision}-bit samples cannot be decoded: jpeg-lossless-decoder-js supports more than 8 bits for one component only.`,
    );
  }
  requireEndMarker('JPEG lossless', info, encoded);
  const bytesPerSample = header.precision > 8 ? 2 : 1;
  const { Decoder } = await losslessJs.get();
  let out: Uint8Array | Uint16Array;
  try {
    const copy = withSlackBeforeEoi(encoded);
    out = new Decoder().decode(copy.buffer as ArrayBuffer, 0, copy.length, bytesPerSample);
  } catch (thrown) {
    throw corruptStream('JPEG lossless', info, describeCodecThrow(thrown));
  }
  if (!out) throw corruptStream('JPEG lossless', info, 'the decoder returned no data');
  const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  const pixels = fromCodecBytes('JPEG lossless', info, bytes, bytesPerSample);
  return { pixels, samplesPerPixel: info.samplesPerPixel, photometric: info.photometric, planar: false };
}
