/**
 * The one table of transfer syntaxes (PS3.5 section 10 and Annex A; UIDs, names and keywords
 * from PS3.6 Table A-1) this service reads. The parser takes its encoding facts from it (how
 * the data set is encoded: VR, byte order, deflate) and lib/pixels maps each row's `decoder`
 * to a frame decoder, so a syntax is supported exactly when it has a row here. Names, the
 * native set and the predicates below are derived from the rows, never listed again.
 */

/**
 * How the pixel data of a syntax is decoded; lib/pixels/decoders.ts has one decoder per id
 * (the compiler refuses a missing one). Ids, not functions: lib/dicom must not import lib/pixels.
 */
export type DecoderId =
  | 'native'
  | 'nativeBigEndian'
  | 'encapsulatedUncompressed'
  | 'deflatedImageFrame'
  | 'rle'
  | 'jpeg'
  | 'jpegLs'
  | 'jpeg2000'
  | 'htj2k';

export interface TransferSyntax {
  uid: string;
  name: string;
  /** The PS3.6 keyword, also the key of `TS`. */
  keyword: string;
  /** Implicit VR (PS3.5 7.1.3); every other syntax here is Explicit VR. */
  implicitVr: boolean;
  /** Big endian byte order (PS3.5 7.3, retired); every other syntax here is little endian. */
  bigEndian: boolean;
  /** The data set after the File Meta Information is deflated (PS3.5 A.5). */
  deflated: boolean;
  /** Pixel Data is encapsulated in fragments (PS3.5 A.4). */
  encapsulated: boolean;
  decoder: DecoderId;
}

const row = (
  uid: string,
  keyword: string,
  name: string,
  decoder: DecoderId,
  facts: Partial<Pick<TransferSyntax, 'implicitVr' | 'bigEndian' | 'deflated'>> = {},
): TransferSyntax => ({
  uid,
  name,
  keyword,
  implicitVr: facts.implicitVr ?? false,
  bigEndian: facts.bigEndian ?? false,
  deflated: facts.deflated ?? false,
  // Every syntax whose pixel data is not read in place is encapsulated (PS3.5 A.4).
  encapsulated: decoder !== 'native' && decoder !== 'nativeBigEndian',
  decoder,
});

export const TRANSFER_SYNTAXES: readonly TransferSyntax[] = [
  row('1.2.840.10008.1.2', 'ImplicitVRLittleEndian', 'Implicit VR Little Endian', 'native', { implicitVr: true }),
  row('1.2.840.10008.1.2.1', 'ExplicitVRLittleEndian', 'Explicit VR Little Endian', 'native'),
  row('1.2.840.10008.1.2.1.98', 'EncapsulatedUncompressedExplicitVRLittleEndian', 'Encapsulated Uncompressed Explicit VR Little Endian', 'encapsulatedUncompressed'),
  // Deflated (PS3.5 A.5): the parser inflates the data set, the pixel data is then native.
  row('1.2.840.10008.1.2.1.99', 'DeflatedExplicitVRLittleEndian', 'Deflated Explicit VR Little Endian', 'native', { deflated: true }),
  row('1.2.840.10008.1.2.2', 'ExplicitVRBigEndian', 'Explicit VR Big Endian', 'nativeBigEndian', { bigEndian: true }),
  row('1.2.840.10008.1.2.4.50', 'JPEGBaseline8Bit', 'JPEG Baseline (Process 1)', 'jpeg'),
  row('1.2.840.10008.1.2.4.51', 'JPEGExtended12Bit', 'JPEG Extended (Process 2 & 4)', 'jpeg'),
  row('1.2.840.10008.1.2.4.53', 'JPEGSpectralSelectionNonHierarchical68', 'JPEG Spectral Selection, Non-Hierarchical (Process 6 & 8) (Retired)', 'jpeg'),
  row('1.2.840.10008.1.2.4.55', 'JPEGFullProgressionNonHierarchical1012', 'JPEG Full Progression, Non-Hierarchical (Process 10 & 12) (Retired)', 'jpeg'),
  row('1.2.840.10008.1.2.4.57', 'JPEGLossless', 'JPEG Lossless, Non-Hierarchical (Process 14)', 'jpeg'),
  row('1.2.840.10008.1.2.4.70', 'JPEGLosslessSV1', 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])', 'jpeg'),
  row('1.2.840.10008.1.2.4.80', 'JPEGLSLossless', 'JPEG-LS Lossless', 'jpegLs'),
  row('1.2.840.10008.1.2.4.81', 'JPEGLSNearLossless', 'JPEG-LS Lossy (Near-Lossless)', 'jpegLs'),
  row('1.2.840.10008.1.2.4.90', 'JPEG2000Lossless', 'JPEG 2000 (Lossless Only)', 'jpeg2000'),
  row('1.2.840.10008.1.2.4.91', 'JPEG2000', 'JPEG 2000', 'jpeg2000'),
  row('1.2.840.10008.1.2.4.201', 'HTJ2KLossless', 'High-Throughput JPEG 2000 (Lossless Only)', 'htj2k'),
  row('1.2.840.10008.1.2.4.202', 'HTJ2KLosslessRPCL', 'High-Throughput JPEG 2000 with RPCL Options (Lossless Only)', 'htj2k'),
  row('1.2.840.10008.1.2.4.203', 'HTJ2K', 'High-Throughput JPEG 2000', 'htj2k'),
  row('1.2.840.10008.1.2.5', 'RLELossless', 'RLE Lossless', 'rle'),
  row('1.2.840.10008.1.2.8.1', 'DeflatedImageFrameCompression', 'Deflated Image Frame Compression', 'deflatedImageFrame'),
];

const BY_UID: ReadonlyMap<string, TransferSyntax> = new Map(TRANSFER_SYNTAXES.map((ts) => [ts.uid, ts]));

/** The row of a UID, or undefined for a syntax this service does not know. */
export const transferSyntax = (uid: string): TransferSyntax | undefined => BY_UID.get(uid);

const uidOf = (keyword: string): string => {
  const found = TRANSFER_SYNTAXES.find((ts) => ts.keyword === keyword);
  if (!found) throw new Error(`no transfer syntax with keyword ${keyword}`);
  return found.uid;
};

/** UIDs by PS3.6 keyword, for the code that names one syntax. */
export const TS = {
  ImplicitVRLittleEndian: uidOf('ImplicitVRLittleEndian'),
  ExplicitVRLittleEndian: uidOf('ExplicitVRLittleEndian'),
  DeflatedExplicitVRLittleEndian: uidOf('DeflatedExplicitVRLittleEndian'),
  ExplicitVRBigEndian: uidOf('ExplicitVRBigEndian'),
  JPEGLossless: uidOf('JPEGLossless'),
  JPEGLosslessSV1: uidOf('JPEGLosslessSV1'),
} as const;

export const transferSyntaxName = (uid: string): string => BY_UID.get(uid)?.name ?? 'unknown transfer syntax';

// A UID without a row is read as Explicit VR Little Endian (what every syntax but the first
// and the retired big endian one uses), so every predicate is false for it.
export const isImplicitVr = (uid: string): boolean => BY_UID.get(uid)?.implicitVr ?? false;
export const isBigEndian = (uid: string): boolean => BY_UID.get(uid)?.bigEndian ?? false;
export const isDeflatedDataSet = (uid: string): boolean => BY_UID.get(uid)?.deflated ?? false;
export const isEncapsulated = (uid: string): boolean => BY_UID.get(uid)?.encapsulated ?? false;

/** The native transfer syntaxes (pixel data read in place, no codec). */
export const NATIVE_TRANSFER_SYNTAXES: readonly string[] = TRANSFER_SYNTAXES.filter((ts) => !ts.encapsulated).map((ts) => ts.uid);
