/**
 * JPEG DCT transfer syntaxes: Baseline .50 (8-bit), Extended .51 (8 or 12-bit), and the retired
 * Spectral Selection .53 / Full Progression .55 (PS3.5 A.4.1, ISO 10918-1). 8-bit streams go to
 * libjpeg-turbo; 12-bit greyscale streams (sequential or progressive) to the TypeScript decoder in jpeg12.ts. The actual
 * SOF marker decides, not the transfer syntax: a lossless stream is handed to the lossless codec.
 *
 * Colour (PS3.5 8.2.1): libjpeg converts YCbCr to RGB when the stream has a JFIF marker, an
 * Adobe APP14 marker with transform 1, or neither marker and component ids 1,2,3. DICOM says
 * what the components are in Photometric Interpretation: when the stream has neither marker
 * and the data set says RGB, the components are R, G, B and must not be converted, so an
 * Adobe APP14 marker with transform 0 is inserted to tell libjpeg so (and transform 1 for YBR).
 */
import { DomainError } from '../../errors.js';
import type { DecodedFrame, FrameInfo } from './frame-types.js';
import { checkLayout, fromCodecBytes, tsLabel } from './common.js';
import { readJpegHeader, sofName, type JpegHeader } from './jpeg-markers.js';
import { decodeWithLibjpegTurbo } from './libjpeg-turbo.js';
import { decodeJpeg12 } from './jpeg12.js';
import { decodeJpegLosslessStream } from './jpeg-lossless.js';

/** An Adobe APP14 segment: "Adobe", version 100, flags0 0, flags1 0, transform. */
function adobeSegment(transform: 0 | 1): Uint8Array {
  return new Uint8Array([0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, transform]);
}

function withAdobeMarker(stream: Uint8Array, header: JpegHeader, transform: 0 | 1): Uint8Array {
  const marker = adobeSegment(transform);
  const out = new Uint8Array(stream.length + marker.length);
  out.set(stream.subarray(0, header.afterSoi), 0);
  out.set(marker, header.afterSoi);
  out.set(stream.subarray(header.afterSoi), header.afterSoi + marker.length);
  return out;
}

/** The colour transform the decoder should apply, made explicit when the stream leaves it to guessing. */
function colourFixed(stream: Uint8Array, header: JpegHeader, info: FrameInfo): Uint8Array {
  if (header.componentIds.length !== 3 || header.hasJfif || header.adobeTransform !== undefined) return stream;
  const pi = info.photometric;
  if (pi === 'RGB') return withAdobeMarker(stream, header, 0);
  if (pi.startsWith('YBR')) return withAdobeMarker(stream, header, 1);
  return stream;
}

export async function decodeJpegBaseline(encoded: Uint8Array, info: FrameInfo): Promise<DecodedFrame> {
  checkLayout(info);
  const header = readJpegHeader(encoded);
  if (header.sof === 0xc3) return decodeJpegLosslessStream(encoded, info, header);
  if (header.sof !== 0xc0 && header.sof !== 0xc1 && header.sof !== 0xc2) {
    throw new DomainError(
      'UnsupportedPixelFormat',
      `The JPEG stream of ${tsLabel(info.transferSyntaxUid)} is ${sofName(header.sof)}, which no available decoder supports (only Huffman-coded sequential, progressive and lossless JPEG).`,
    );
  }
  if (header.precision === 12) return decodeJpeg12(encoded, info, header);
  if (header.precision !== 8) {
    throw new DomainError('MalformedDicom', `The JPEG DCT stream has a sample precision of ${header.precision}; ISO 10918-1 allows only 8 or 12.`);
  }
  const rgbLike = info.samplesPerPixel === 3;
  const bytes = await decodeWithLibjpegTurbo(colourFixed(encoded, header, info), info);
  const pixels = fromCodecBytes('JPEG', info, bytes, 1);
  return { pixels, samplesPerPixel: info.samplesPerPixel, photometric: rgbLike ? 'RGB' : info.photometric, planar: false };
}
