/**
 * 8-bit Huffman-coded DCT JPEG (ISO 10918-1 baseline SOF0, extended SOF1, progressive SOF2)
 * with libjpeg-turbo; jpeg.ts hands it the streams whose frame header says so.
 *
 * Colour (PS3.5 8.2.1): libjpeg converts YCbCr to RGB when the stream has a JFIF marker, an
 * Adobe APP14 marker with transform 1, or neither marker and component ids 1,2,3. DICOM says
 * what the components are in Photometric Interpretation: when the stream has neither marker
 * and the data set says RGB, the components are R, G, B and must not be converted, so an
 * Adobe APP14 marker with transform 0 is inserted to tell libjpeg so (and transform 1 for YBR).
 */
import type { DecodedFrame, FrameInfo } from './frame-types.js';
import { fromCodecBytes } from './common.js';
import type { JpegHeader } from './jpeg-markers.js';
import { decodeWithLibjpegTurbo } from './libjpeg-turbo.js';

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

/** Decodes a stream whose frame header (`header`) is 8-bit DCT. */
export async function decodeJpeg8(encoded: Uint8Array, info: FrameInfo, header: JpegHeader): Promise<DecodedFrame> {
  const rgbLike = info.samplesPerPixel === 3;
  const bytes = await decodeWithLibjpegTurbo(colourFixed(encoded, header, info), info);
  const pixels = fromCodecBytes('JPEG', info, bytes, 1);
  return { pixels, samplesPerPixel: info.samplesPerPixel, photometric: rgbLike ? 'RGB' : info.photometric, planar: false };
}
