/**
 * Transfer Syntax UID (PS3.5 Annex A) -> frame codec for the encapsulated syntaxes. Importing
 * this table loads no WebAssembly: each codec imports its decoder on first use and caches it.
 */
import type { FrameCodec } from './frame-types.js';
import { decodeRle } from './rle.js';
import { decodeJpegBaseline } from './jpeg-baseline.js';
import { decodeJpegLossless } from './jpeg-lossless.js';
import { decodeJpegLs } from './jpeg-ls.js';
import { decodeJpeg2000 } from './jpeg2000.js';
import { decodeHtj2k } from './htj2k.js';

export type { DecodedFrame, FrameInfo, FrameCodec } from './frame-types.js';

export const CODECS: Record<string, FrameCodec> = {
  '1.2.840.10008.1.2.5': decodeRle, // RLE Lossless
  '1.2.840.10008.1.2.4.50': decodeJpegBaseline, // JPEG Baseline (Process 1)
  '1.2.840.10008.1.2.4.51': decodeJpegBaseline, // JPEG Extended (Process 2 & 4): 8-bit via libjpeg-turbo, 12-bit via jpeg12.ts
  '1.2.840.10008.1.2.4.53': decodeJpegBaseline, // JPEG Spectral Selection (retired): 8-bit only
  '1.2.840.10008.1.2.4.55': decodeJpegBaseline, // JPEG Full Progression (retired): 8-bit only
  '1.2.840.10008.1.2.4.57': decodeJpegLossless, // JPEG Lossless (Process 14)
  '1.2.840.10008.1.2.4.70': decodeJpegLossless, // JPEG Lossless SV1
  '1.2.840.10008.1.2.4.80': decodeJpegLs, // JPEG-LS Lossless
  '1.2.840.10008.1.2.4.81': decodeJpegLs, // JPEG-LS Near-Lossless
  '1.2.840.10008.1.2.4.90': decodeJpeg2000, // JPEG 2000 Lossless
  '1.2.840.10008.1.2.4.91': decodeJpeg2000, // JPEG 2000
  '1.2.840.10008.1.2.4.201': decodeHtj2k, // HTJ2K Lossless
  '1.2.840.10008.1.2.4.202': decodeHtj2k, // HTJ2K Lossless RPCL
  '1.2.840.10008.1.2.4.203': decodeHtj2k, // HTJ2K
};
