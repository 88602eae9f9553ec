/**
 * The one table from Transfer Syntax UID (PS3.5 Annex A) to a frame decoder. The pipeline
 * only calls `decodeFrame`; adding a codec (JPEG, RLE, JPEG 2000 — encapsulated, PS3.5 A.4)
 * means adding a row here whose decoder turns the frame's fragments into StoredValues.
 */
import { DomainError } from '../errors.js';
import type { ParsedDicom } from '../dicom/parse.js';
import { TS, transferSyntaxName } from '../dicom/transfer-syntax.js';
import type { ImageInfo } from './image-info.js';
import { extractNativeFrame, type StoredValues } from './native-frame.js';

/** Decodes frame `frameIndex` (0-based) to stored values, sample-interleaved. */
export type FrameDecoder = (parsed: ParsedDicom, info: ImageInfo, frameIndex: number) => StoredValues;

function pixelDataValue(parsed: ParsedDicom): Uint8Array {
  const el = parsed.pixelElement!;
  if (el.encapsulatedPixelData || el.hadUndefinedLength) {
    throw new DomainError(
      'MalformedDicom',
      `Pixel Data (7FE0,0010) is encapsulated (undefined length) but the transfer syntax ${parsed.transferSyntaxUid} (${transferSyntaxName(parsed.transferSyntaxUid)}) is native (PS3.5 A.4).`,
    );
  }
  const end = Math.min(el.dataOffset + el.length, parsed.byteArray.length);
  return parsed.byteArray.subarray(el.dataOffset, end);
}

/** Native little endian; for Deflated (PS3.5 A.5) the parser has already inflated the data set. */
const nativeLittleEndian: FrameDecoder = (parsed, info, frameIndex) =>
  extractNativeFrame(pixelDataValue(parsed), info, frameIndex, true);

/** Explicit VR Big Endian (PS3.5 A.3, retired): multi-byte cells are big endian. */
const nativeBigEndian: FrameDecoder = (parsed, info, frameIndex) => {
  // 8-bit cells in an OW element are 16-bit words in big endian order: bytes swap in pairs.
  const wordSwap = info.bitsAllocated === 8 && parsed.pixelElement?.vr === 'OW';
  return extractNativeFrame(pixelDataValue(parsed), info, frameIndex, false, wordSwap);
};

export const FRAME_DECODERS: Readonly<Record<string, FrameDecoder>> = {
  [TS.ImplicitVRLittleEndian]: nativeLittleEndian,
  [TS.ExplicitVRLittleEndian]: nativeLittleEndian,
  [TS.DeflatedExplicitVRLittleEndian]: nativeLittleEndian,
  [TS.ExplicitVRBigEndian]: nativeBigEndian,
};

/** The decoder for a transfer syntax; UnsupportedTransferSyntax (422) naming UID and name otherwise. */
export function decoderFor(transferSyntaxUid: string): FrameDecoder {
  const decoder = FRAME_DECODERS[transferSyntaxUid];
  if (!decoder) {
    throw new DomainError(
      'UnsupportedTransferSyntax',
      `Pixel data in transfer syntax ${transferSyntaxUid} (${transferSyntaxName(transferSyntaxUid)}) cannot be decoded yet; ` +
        'supported: Implicit VR Little Endian, Explicit VR Little Endian, Deflated Explicit VR Little Endian, Explicit VR Big Endian (PS3.5 A.1-A.3, A.5).',
      { transferSyntaxUid },
    );
  }
  return decoder;
}

export function decodeFrame(parsed: ParsedDicom, info: ImageInfo, frameIndex: number): StoredValues {
  return decoderFor(info.transferSyntaxUid)(parsed, info, frameIndex);
}
