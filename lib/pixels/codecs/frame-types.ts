/**
 * What every codec in this directory takes and returns. A codec turns one frame's encoded
 * bitstream (PS3.5 A.4: the concatenated fragments of one frame) into stored values.
 */

/** The Image Pixel attributes (PS3.3 C.7.6.3) a codec needs to check and shape its output. */
export interface FrameInfo {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  /** Pixel Representation (0028,0103): 0 unsigned, 1 two's complement. */
  pixelRepresentation: number;
  /** Photometric Interpretation (0028,0004) as stored in the data set, upper case. */
  photometric: string;
  /** Planar Configuration (0028,0006); for encapsulated syntaxes it describes the decoded layout. */
  planarConfiguration: number;
  transferSyntaxUid: string;
}

export type DecodedPixels = Uint8Array | Int8Array | Uint16Array | Int16Array | Int32Array | Uint32Array;

/** One decoded frame: stored values, always sample-interleaved (colour-by-pixel). */
export interface DecodedFrame {
  /** rows x columns x samplesPerPixel values; signed arrays when Pixel Representation is 1. */
  pixels: DecodedPixels;
  samplesPerPixel: number;
  /** After decoding: e.g. JPEG YBR_FULL_422 comes out as 'RGB'; JPEG 2000 YBR_RCT/YBR_ICT as 'RGB'. */
  photometric: string;
  planar: false;
  /**
   * The reduction level the frame was decoded at (see DecodeOptions): `pixels` are then
   * ceil(columns / 2^r) x ceil(rows / 2^r) (lib/pixels/resolution-level.ts). Absent = full size.
   */
  resolutionLevel?: number;
}

/** What a caller may ask of a codec beyond the frame itself; a codec that cannot do it ignores it. */
export interface DecodeOptions {
  /**
   * Decode at most this many wavelet levels below full resolution (JPEG 2000 and HTJ2K only,
   * ISO 15444-1 B.5): the codec lowers it to what the codestream allows and says in
   * DecodedFrame.resolutionLevel what it did. 0 or absent = full resolution.
   */
  resolutionLevel?: number;
}

export type FrameCodec = (encoded: Uint8Array, info: FrameInfo, options?: DecodeOptions) => Promise<DecodedFrame>;
