/**
 * Transfer syntax -> frame decoder. The syntaxes and which decoder each uses are the rows of
 * lib/dicom/transfer-syntax.ts; this module holds one decoder per DecoderId. The pipeline only
 * calls `decodeFrame`: native syntaxes (PS3.5 A.1-A.3, A.5) are read in place, the
 * encapsulated ones (PS3.5 A.4) go through `encapsulatedFrame` and a codec of lib/pixels/codecs
 * (each WebAssembly or JS decoder loaded lazily on first use).
 */
import { inflateRawSync } from 'node:zlib';
import type { CodecName } from '../config.js';
import { DomainError } from '../errors.js';
import type { ParsedDicom } from '../dicom/parse.js';
import { TRANSFER_SYNTAXES, transferSyntax, transferSyntaxName, type DecoderId } from '../dicom/transfer-syntax.js';
import type { ImageInfo } from './image-info.js';
import { extractNativeFrame, isNative422, nativeFrameBits, type StoredValues } from './native-frame.js';
import { encapsulatedFrame } from './encapsulated.js';
import { CODEC_BY_ID, type CodecId, type DecodeOptions, type FrameCodec } from './codecs/index.js';
import { sizeAtLevel } from './resolution-level.js';

export type { DecodeOptions } from './codecs/index.js';

/** One decoded frame: stored values (sample-interleaved) and what they now are. */
export interface DecodedStored {
  values: StoredValues;
  /**
   * The Photometric Interpretation of `values`: the file's, except where decoding changed it
   * (JPEG YBR -> RGB, JPEG 2000 YBR_RCT/ICT -> RGB, native 4:2:2 upsampled to YBR_FULL/PARTIAL).
   */
  photometric: string;
  /**
   * Set when the codec decoded at a reduced resolution (DecodeOptions.resolutionLevel, JPEG 2000
   * and HTJ2K only): `values` are then ceil(columns / 2^r) x ceil(rows / 2^r). Absent = full size.
   */
  resolutionLevel?: number;
}

/**
 * Decodes frame `frameIndex` (0-based). `options` are a wish: a decoder that cannot honour them
 * (every one but JPEG 2000 and HTJ2K) ignores them and decodes at full size.
 */
export type FrameDecoder = (parsed: ParsedDicom, info: ImageInfo, frameIndex: number, options?: DecodeOptions) => Promise<DecodedStored>;

function pixelDataValue(parsed: ParsedDicom): Uint8Array {
  const el = parsed.pixelElement;
  if (!el) throw new DomainError('MalformedDicom', 'The data set has no Pixel Data (7FE0,0010).');
  if (el.encapsulatedPixelData || el.hadUndefinedLength) {
    throw new DomainError(
      'MalformedDicom',
      `Pixel Data (7FE0,0010) is encapsulated (undefined length) but the transfer syntax ${parsed.transferSyntaxUid} (${transferSyntaxName(parsed.transferSyntaxUid)}) is native (PS3.5 A.4).`,
    );
  }
  const end = Math.min(el.dataOffset + el.length, parsed.byteArray.length);
  return parsed.byteArray.subarray(el.dataOffset, end);
}

/** Native 4:2:2 comes out of extractNativeFrame upsampled to full Y Cb Cr. */
const nativePhotometric = (info: ImageInfo): string =>
  info.samplesPerPixel === 3 && isNative422(info.photometric) ? info.photometric.replace('_422', '') : info.photometric;

/** Native little endian; for Deflated (PS3.5 A.5) the parser has already inflated the data set. */
const nativeLittleEndian: FrameDecoder = async (parsed, info, frameIndex) => ({
  values: extractNativeFrame(pixelDataValue(parsed), info, frameIndex, true),
  photometric: nativePhotometric(info),
});

/** Explicit VR Big Endian (PS3.5 A.3, retired): multi-byte cells are big endian. */
const nativeBigEndian: FrameDecoder = async (parsed, info, frameIndex) => {
  // 8-bit cells in an OW element are 16-bit words in big endian order: bytes swap in pairs.
  const wordSwap = info.bitsAllocated === 8 && parsed.pixelElement?.vr === 'OW';
  return { values: extractNativeFrame(pixelDataValue(parsed), info, frameIndex, false, wordSwap), photometric: nativePhotometric(info) };
};

/**
 * Codec output to stored values within Bits Stored (PS3.5 8.1.1): a decoder hands back whole
 * 8/16-bit samples; bits above High Bit are cleared and the sign is taken from bit
 * Bits Stored - 1, so the rest of the pipeline may rely on the stored-value range. No copy
 * when every value is already in range.
 */
export function withinBitsStored(values: StoredValues, bitsStored: number, signed: boolean): StoredValues {
  if (values instanceof Float32Array || values instanceof Float64Array || bitsStored >= 32) return values;
  const lo = signed ? -(2 ** (bitsStored - 1)) : 0;
  const hi = signed ? 2 ** (bitsStored - 1) - 1 : 2 ** bitsStored - 1;
  let inRange = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo || v > hi) {
      inRange = false;
      break;
    }
  }
  if (inRange) return values;
  const out = new Int32Array(values.length);
  const full = 2 ** bitsStored;
  for (let i = 0; i < values.length; i++) {
    let v = values[i] % full;
    if (v < 0) v += full;
    out[i] = signed && v > hi ? v - full : v;
  }
  return out;
}

/** An encapsulated syntax: the frame's fragments through its codec, checked for shape. */
function encapsulated(codec: FrameCodec): FrameDecoder {
  return async (parsed, info, frameIndex, options) => {
    const encoded = encapsulatedFrame(parsed, frameIndex, info.numberOfFrames);
    const frameInfo = {
      rows: info.rows,
      columns: info.columns,
      samplesPerPixel: info.samplesPerPixel,
      bitsAllocated: info.bitsAllocated,
      bitsStored: info.bitsStored,
      pixelRepresentation: info.pixelRepresentation,
      photometric: info.photometric,
      planarConfiguration: info.planarConfiguration,
      transferSyntaxUid: info.transferSyntaxUid,
    };
    const decoded = await (options?.resolutionLevel ? codec(encoded, frameInfo, options) : codec(encoded, frameInfo));
    const level = decoded.resolutionLevel ?? 0;
    const { width, height } = sizeAtLevel(info.columns, info.rows, level);
    const expected = width * height * decoded.samplesPerPixel;
    if (decoded.samplesPerPixel !== info.samplesPerPixel || decoded.pixels.length !== expected) {
      throw new DomainError(
        'MalformedDicom',
        `Frame ${frameIndex + 1} decodes to ${decoded.pixels.length} values with ${decoded.samplesPerPixel} sample(s) per pixel; ` +
          `the header declares ${info.rows} x ${info.columns} with ${info.samplesPerPixel} (PS3.5 8.2: the compressed stream must match the Image Pixel module).`,
        { frame: frameIndex + 1 },
      );
    }
    const values = withinBitsStored(decoded.pixels, info.bitsStored, info.pixelRepresentation === 1);
    return { values, photometric: decoded.photometric, ...(level > 0 ? { resolutionLevel: level } : {}) };
  };
}

/**
 * Encapsulated Uncompressed Explicit VR Little Endian (PS3.5 A.4.11): each frame's fragments
 * hold the native frame bytes; 1-bit frames start on a byte boundary.
 */
const encapsulatedUncompressed: FrameDecoder = async (parsed, info, frameIndex) => {
  const bytes = encapsulatedFrame(parsed, frameIndex, info.numberOfFrames);
  return { values: extractNativeFrame(bytes, info, 0, true), photometric: nativePhotometric(info) };
};

/**
 * Deflated Image Frame Compression (PS3.5 A.4.12 / 8.2.16): each frame is the native frame
 * bytes through raw deflate (RFC 1951). Inflation is bounded by the frame size, so a deflate
 * bomb cannot allocate more than one frame.
 */
const deflatedImageFrame: FrameDecoder = async (parsed, info, frameIndex) => {
  const encoded = encapsulatedFrame(parsed, frameIndex, info.numberOfFrames);
  const frameBytes = Math.ceil(nativeFrameBits(info) / 8);
  let bytes: Uint8Array;
  try {
    bytes = inflateRawSync(encoded, { maxOutputLength: frameBytes + 1 });
  } catch (e) {
    throw new DomainError('MalformedDicom', `Frame ${frameIndex + 1} is not a valid raw deflate stream of one ${frameBytes}-byte frame (PS3.5 8.2.16): ${(e as Error).message}`, {
      frame: frameIndex + 1,
    });
  }
  return { values: extractNativeFrame(bytes, info, 0, true), photometric: nativePhotometric(info) };
};

/** One decoder per id of the transfer syntax table; a new id without a decoder does not compile. */
export const DECODERS = {
  native: nativeLittleEndian,
  nativeBigEndian,
  encapsulatedUncompressed,
  deflatedImageFrame,
  rle: encapsulated(CODEC_BY_ID.rle),
  jpeg: encapsulated(CODEC_BY_ID.jpeg),
  jpegLs: encapsulated(CODEC_BY_ID.jpegLs),
  jpeg2000: encapsulated(CODEC_BY_ID.jpeg2000),
  htj2k: encapsulated(CODEC_BY_ID.htj2k),
} as const satisfies Record<DecoderId, FrameDecoder>;

/**
 * CODECS (lib/config.ts): a transfer syntax whose codec is turned off is answered as one this
 * service does not support, UnsupportedTransferSyntax (422) naming the syntax and the codec.
 */
export function assertCodecEnabled(transferSyntaxUid: string, codecs: readonly CodecName[]): void {
  const decoder = transferSyntax(transferSyntaxUid)?.decoder;
  if (decoder === undefined || !(decoder in CODEC_BY_ID)) return;
  // CodecId must be a CodecName: a codec added without its CODECS name does not compile.
  const codec: CodecName = decoder as CodecId;
  if (codecs.includes(codec)) return;
  throw new DomainError(
    'UnsupportedTransferSyntax',
    `Pixel data in transfer syntax ${transferSyntaxUid} (${transferSyntaxName(transferSyntaxUid)}) cannot be decoded: its codec ${codec} is turned off on this service (CODECS).`,
    { transferSyntaxUid },
  );
}

/** The decoder for a transfer syntax; UnsupportedTransferSyntax (422) naming UID and name otherwise. */
export function decoderFor(transferSyntaxUid: string): FrameDecoder {
  const row = transferSyntax(transferSyntaxUid);
  if (!row) {
    const supported = TRANSFER_SYNTAXES.map((ts) => `${ts.name} (${ts.uid})`).join(', ');
    throw new DomainError(
      'UnsupportedTransferSyntax',
      `Pixel data in transfer syntax ${transferSyntaxUid} (${transferSyntaxName(transferSyntaxUid)}) cannot be decoded; supported (PS3.5 Annex A): ${supported}.`,
      { transferSyntaxUid },
    );
  }
  return DECODERS[row.decoder];
}

/**
 * Decoded frames a caller keeps for a parsed file it holds on to (the export's warm-container
 * memo, lib/export/frame-memo.ts), so a new window on a compressed image skips the decode.
 * The values handed out are shared: the render chain only reads them. `level` is the reduction
 * level asked of the decoder (DecodeOptions.resolutionLevel, 0 = full size): a store keeps each
 * apart, so a reduced frame never answers a full-size request (nor the reverse).
 */
export interface DecodedFrameStore {
  get(frameIndex: number, level: number): DecodedStored | undefined;
  set(frameIndex: number, level: number, decoded: DecodedStored): void;
}

const frameStores = new WeakMap<ParsedDicom, DecodedFrameStore>();

/** decodeFrame consults `store` first for `parsed`'s frames, and keeps what it decodes there. */
export function keepDecodedFrames(parsed: ParsedDicom, store: DecodedFrameStore): void {
  frameStores.set(parsed, store);
}

/** The decoders that can decode at a reduced resolution (DecodeOptions.resolutionLevel). */
const REDUCIBLE: ReadonlySet<DecoderId> = new Set<DecoderId>(['jpeg2000', 'htj2k']);

/**
 * The reduction level `options` ask of the decoder of `transferSyntaxUid`; 0 for one that ignores
 * it, so its frames are kept once, whatever a caller wished.
 */
function requestedLevel(transferSyntaxUid: string, options?: DecodeOptions): number {
  const level = options?.resolutionLevel ?? 0;
  const decoder = transferSyntax(transferSyntaxUid)?.decoder;
  return level > 0 && decoder !== undefined && REDUCIBLE.has(decoder) ? level : 0;
}

/** Whether decodeFrame would answer frame `frameIndex` of `parsed` (with `options`) from its store, without decoding it. */
export const isFrameKept = (parsed: ParsedDicom, frameIndex: number, options?: DecodeOptions): boolean =>
  frameStores.get(parsed)?.get(frameIndex, requestedLevel(parsed.transferSyntaxUid, options)) !== undefined;

export async function decodeFrame(parsed: ParsedDicom, info: ImageInfo, frameIndex: number, options?: DecodeOptions): Promise<DecodedStored> {
  const store = frameStores.get(parsed);
  const level = requestedLevel(info.transferSyntaxUid, options);
  const kept = store?.get(frameIndex, level);
  if (kept) return kept;
  const decoder = decoderFor(info.transferSyntaxUid);
  const decoded = await (level > 0 ? decoder(parsed, info, frameIndex, { resolutionLevel: level }) : decoder(parsed, info, frameIndex));
  store?.set(frameIndex, level, decoded);
  return decoded;
}
