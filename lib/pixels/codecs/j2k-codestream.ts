/**
 * A bounded look at a JPEG 2000 / HTJ2K main header (ISO 15444-1 A.5-A.6): the SIZ size and
 * components and the COD multiple component transform flag. A JP2 file (some writers wrap the
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
  let header: Omit<J2kHeader, 'mct' | 'htj2k'> | undefined;
  let mct = false;
  let htj2k = false;
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
      header = { width: xsiz - xo, height: ysiz - yo, components: csiz, precision: (ssiz & 0x7f) + 1, signed: (ssiz & 0x80) !== 0 };
    } else if (marker === 0x52) {
      if (length >= 12) mct = b[seg + 4] !== 0;
    } else if (marker === 0x50) {
      htj2k = true;
    }
    at += 2 + length;
  }
  if (!header) throw bad('no SIZ segment');
  return { ...header, mct, htj2k };
}
