/**
 * A bounded look at a JPEG 2000 / HTJ2K main header (ISO 15444-1 A.5-A.6): the SIZ size,
 * origin and components, the COD multiple component transform flag and the number of wavelet
 * decomposition levels (COD, and COC where one overrides it for a component). A JP2 file (some writers wrap the
 * codestream in boxes, against PS3.5 A.4.4) is unwrapped to its contiguous codestream box.
 */
import { DomainError } from '../../errors.js';

export interface J2kHeader {
  width: number;
  height: number;
  components: number;
  /** Precision of the first component in bits, and whether it is signed. */
  precision: number;
  signed: boolean;
  /** COD SGcod multiple component transform (ISO 15444-1 A.6.1): true when RCT/ICT was applied. */
  mct: boolean;
  /** A CAP marker (HTJ2K, ISO 15444-15) is present. */
  htj2k: boolean;
  /**
   * The fewest wavelet decomposition levels (NL) any component has by the main header: COD SPcod
   * (ISO 15444-1 A.6.1, Table A.15), lowered by a COC (A.6.2) that gives a component fewer. A
   * tile-part header may still override it; a decoder asked for more levels than a tile has fails.
   */
  decompositionLevels: number;
  /** XOsiz / YOsiz (SIZ, A.5.1): where the image area starts on the reference grid; 0 in DICOM practice. */
  originX: number;
  originY: number;
  /** A component has XRsiz or YRsiz other than 1 (sub-sampled on the reference grid, A.5.1). */
  subsampled: boolean;
}

const bad = (reason: string): DomainError => new DomainError('MalformedDicom', `The JPEG 2000 bitstream is not a valid codestream: ${reason}.`);

/** The codestream inside `bytes`: itself, or the 'jp2c' box of a JP2 file. */
export function j2kCodestream(bytes: Uint8Array): Uint8Array {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0x4f) return bytes;
  // JP2 signature box: length 12, 'jP  '.
  if (bytes.length >= 12 && bytes[4] === 0x6a && bytes[5] === 0x50 && bytes[6] === 0x20 && bytes[7] === 0x20) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let at = 0;
    while (at + 8 <= bytes.length) {
      let length = view.getUint32(at);
      const type = String.fromCharCode(bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]);
      let headerLength = 8;
      if (length === 1) {
        if (at + 16 > bytes.length) break;
        length = Number(view.getBigUint64(at + 8));
        headerLength = 16;
      } else if (length === 0) length = bytes.length - at;
      if (length < headerLength || at + length > bytes.length) throw bad(`the JP2 box '${type}' at byte ${at} runs past the end of the data`);
      if (type === 'jp2c') return bytes.subarray(at + headerLength, at + length);
      at += length;
    }
    throw bad('a JP2 file without a contiguous codestream box');
  }
  throw bad('it does not start with the SOC marker FF4F');
}

export function readJ2kHeader(codestream: Uint8Array): J2kHeader {
  const b = codestream;
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0x4f || b[2] !== 0xff || b[3] !== 0x51) {
    throw bad('it does not start with SOC (FF4F) followed by SIZ (FF51)');
  }
  let at = 2;
  let header: Omit<J2kHeader, 'mct' | 'htj2k' | 'decompositionLevels'> | undefined;
  let mct = false;
  let htj2k = false;
  let levels: number | undefined;
  let fewestCoc: number | undefined;
  while (at + 4 <= b.length) {
    if (b[at] !== 0xff) throw bad(`expected a marker at byte ${at}`);
    const marker = b[at + 1];
    if (marker === 0x90 || marker === 0x93) break; // SOT / SOD: end of the main header
    const length = (b[at + 2] << 8) | b[at + 3];
    if (length < 2 || at + 2 + length > b.length) throw bad(`the marker segment FF${marker.toString(16).toUpperCase()} at byte ${at} runs past the end of the data`);
    const seg = at + 4;
    if (marker === 0x51) {
      if (length < 41) throw bad('the SIZ segment is too short');
      const u32 = (o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
      const xsiz = u32(seg + 2);
      const ysiz = u32(seg + 6);
      const xo = u32(seg + 10);
      const yo = u32(seg + 14);
      const csiz = (b[seg + 34] << 8) | b[seg + 35];
      if (csiz < 1 || length < 38 + 3 * csiz) throw bad(`the SIZ segment declares ${csiz} components but is ${length} bytes`);
      const ssiz = b[seg + 36];
      let subsampled = false;
      for (let c = 0; c < csiz; c++) subsampled ||= b[seg + 37 + 3 * c] !== 1 || b[seg + 38 + 3 * c] !== 1;
      header = { width: xsiz - xo, height: ysiz - yo, components: csiz, precision: (ssiz & 0x7f) + 1, signed: (ssiz & 0x80) !== 0, originX: xo, originY: yo, subsampled };
    } else if (marker === 0x52) {
      // Scod, SGcod (progression 1, layers 2, MCT 1), then SPcod starting with NL.
      if (length >= 12) {
        mct = b[seg + 4] !== 0;
        levels = b[seg + 5];
      }
    } else if (marker === 0x53 && header) {
      // COC: Ccoc (1 byte, 2 when Csiz >= 257), Scoc, then SPcoc starting with NL (A.6.2).
      const nl = seg + (header.components < 257 ? 1 : 2) + 1;
      if (nl < at + 2 + length) fewestCoc = Math.min(fewestCoc ?? 255, b[nl]);
    } else if (marker === 0x50) {
      htj2k = true;
    }
    at += 2 + length;
  }
  if (!header) throw bad('no SIZ segment');
  // No COD in the main header is invalid (A.6.1 says required); 0 levels means no reduction.
  const decompositionLevels = Math.min(levels ?? 0, fewestCoc ?? 255);
  return { ...header, mct, htj2k, decompositionLevels };
}
