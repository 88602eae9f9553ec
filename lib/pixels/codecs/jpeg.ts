/**
 * Every JPEG transfer syntax (PS3.5 A.4.1, ISO 10918-1): Baseline .50, Extended .51, the
 * retired Spectral Selection .53 / Full Progression .55, Lossless .57 and Lossless SV1 .70.
 * The stream's frame header is read once and decides, not the transfer syntax (a file may
 * carry a lossless stream under a DCT UID or the reverse): 8-bit DCT goes to libjpeg-turbo
 * (jpeg8.ts), 12-bit DCT to the TypeScript decoder (jpeg12.ts), lossless SOF3 to the
 * TypeScript lossless decoder (jpeg-lossless.ts). The three import none of each other.
 */
import { DomainError } from '../../errors.js';
import { TS } from '../../dicom/transfer-syntax.js';
import type { DecodedFrame, FrameInfo } from './frame-types.js';
import { checkLayout, tsLabel } from './common.js';
import { readJpegHeader, sofName } from './jpeg-markers.js';
import { decodeJpeg8 } from './jpeg8.js';
import { decodeJpeg12 } from './jpeg12.js';
import { decodeJpegLossless } from './jpeg-lossless.js';

const LOSSLESS_SYNTAXES: ReadonlySet<string> = new Set([TS.JPEGLossless, TS.JPEGLosslessSV1]);

/** SOF0 baseline, SOF1 extended sequential, SOF2 progressive: Huffman-coded DCT. */
const isHuffmanDct = (sof: number): boolean => sof === 0xc0 || sof === 0xc1 || sof === 0xc2;

export async function decodeJpeg(encoded: Uint8Array, info: FrameInfo): Promise<DecodedFrame> {
  checkLayout(info);
  const header = readJpegHeader(encoded, LOSSLESS_SYNTAXES.has(info.transferSyntaxUid) ? 'JPEG lossless' : 'JPEG');
  if (header.sof === 0xc3) return decodeJpegLossless(encoded, info, header);
  if (!isHuffmanDct(header.sof)) {
    throw new DomainError(
      'UnsupportedPixelFormat',
      `The JPEG stream of ${tsLabel(info.transferSyntaxUid)} is ${sofName(header.sof)}, which no available decoder supports (only Huffman-coded sequential, progressive and lossless JPEG).`,
    );
  }
  if (header.precision === 12) return decodeJpeg12(encoded, info, header);
  if (header.precision !== 8) {
    throw new DomainError('MalformedDicom', `The JPEG DCT stream has a sample precision of ${header.precision}; ISO 10918-1 allows only 8 or 12.`);
  }
  return decodeJpeg8(encoded, info, header);
}
