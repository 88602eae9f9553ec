/**
 * Lossless JPEG (ISO 10918-1 H, SOF3: the process of .57 and its First-Order Prediction subset
 * .70, PS3.5 A.4.1) with our own decoder (jpeg-lossless-decoder.ts: any precision 2-16, 1-4
 * components), imported on first use so that routes which never meet a lossless JPEG stream
 * do not load it; jpeg.ts hands it the streams whose frame header is SOF3. No colour
 * transform is applied by lossless JPEG: the Photometric Interpretation stays what the data
 * set says.
 */
import { DomainError } from '../../errors.js';
import type { DecodedFrame, FrameInfo } from './frame-types.js';
import { allocate, checkGeometry, corruptStream, describeCodecThrow, lazy, requireEndMarker, signExtend } from './common.js';
import type { JpegHeader } from './jpeg-markers.js';

const losslessDecoder = lazy('JPEG lossless (TypeScript)', () => import('./jpeg-lossless-decoder.js'));

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
  requireEndMarker('JPEG lossless', info, encoded);
  const { decodeLosslessJpeg, LosslessJpegError } = await losslessDecoder.get();
  let samples: Uint8Array | Uint16Array;
  try {
    samples = decodeLosslessJpeg(encoded).samples;
  } catch (thrown) {
    if (thrown instanceof LosslessJpegError && thrown.unsupported) {
      throw new DomainError('UnsupportedPixelFormat', `This lossless JPEG stream cannot be decoded: ${thrown.message}.`);
    }
    throw corruptStream('JPEG lossless', info, describeCodecThrow(thrown));
  }
  const count = info.rows * info.columns * info.samplesPerPixel;
  if (samples.length !== count) throw corruptStream('JPEG lossless', info, `the decoder produced ${samples.length} samples instead of ${count}`);
  if (samples instanceof Uint16Array && info.bitsAllocated === 8) {
    throw new DomainError('MalformedDicom', 'The JPEG lossless stream has more than 8-bit samples but Bits Allocated (0028,0100) is 8.');
  }
  // The decoder's samples are unsigned bit patterns; TypedArray.set converts them to the output
  // type (a signed array of the same width wraps them to two's complement), and signExtend
  // handles Bits Stored < Bits Allocated (PS3.5 8.1.1).
  const pixels = info.bitsAllocated === 16 && info.pixelRepresentation === 0 && samples instanceof Uint16Array ? samples : allocate(info, count);
  if (pixels !== samples) pixels.set(samples);
  signExtend(pixels, info);
  return { pixels, samplesPerPixel: info.samplesPerPixel, photometric: info.photometric, planar: false };
}
