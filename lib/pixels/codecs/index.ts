/**
 * The codec of each compressed decoder id of the transfer syntax table
 * (lib/dicom/transfer-syntax.ts). Importing this module loads no codec package and no
 * WebAssembly: each codec imports its decoder on first use and caches it.
 */
import { TRANSFER_SYNTAXES, type DecoderId } from '../../dicom/transfer-syntax.js';
import type { FrameCodec } from './frame-types.js';
import { decodeRle } from './rle.js';
import { decodeJpeg } from './jpeg.js';
import { decodeJpegLs } from './jpeg-ls.js';
import { decodeJpeg2000 } from './jpeg2000.js';
import { decodeHtj2k } from './htj2k.js';

export type { DecodedFrame, DecodeOptions, FrameInfo, FrameCodec } from './frame-types.js';

/** The decoder ids whose frames go through a codec of this directory. */
export type CodecId = Extract<DecoderId, 'rle' | 'jpeg' | 'jpegLs' | 'jpeg2000' | 'htj2k'>;

export const CODEC_BY_ID = {
  rle: decodeRle, // PS3.5 A.4.2, Annex G
  jpeg: decodeJpeg, // PS3.5 A.4.1: the stream's frame header picks 8-bit DCT, 12-bit DCT or lossless
  jpegLs: decodeJpegLs, // PS3.5 A.4.3
  jpeg2000: decodeJpeg2000, // PS3.5 A.4.4
  htj2k: decodeHtj2k, // PS3.5 A.4.7
} as const satisfies Record<CodecId, FrameCodec>;

const isCodecId = (id: DecoderId): id is CodecId => id in CODEC_BY_ID;

/** Transfer Syntax UID -> codec, for every row of the table whose decoder is a codec. */
export const CODECS: Readonly<Record<string, FrameCodec>> = Object.fromEntries(
  TRANSFER_SYNTAXES.flatMap((ts) => (isCodecId(ts.decoder) ? [[ts.uid, CODEC_BY_ID[ts.decoder]]] : [])),
);
