/**
 * A bounded walk over the markers of a JPEG (ISO 10918-1 B.1) or JPEG-LS (ISO 14495-1) stream
 * up to the first Start Of Scan: which frame type it is, its precision, size, components,
 * and the JFIF / Adobe APP markers that decide the colour transform. Every segment length is
 * checked against the buffer, so a truncated or garbage stream fails here with a reason
 * instead of reaching a decoder that might loop on it.
 */
import { DomainError } from '../../errors.js';

export interface JpegHeader {
  /** The SOF marker (0xC0..0xCF except C4/C8/CC, or 0xF7/0xF9 for JPEG-LS SOF55/SOF57). */
  sof: number;
  precision: number;
  height: number;
  width: number;
  componentIds: number[];
  /** Horizontal/vertical sampling factors per component. */
  sampling: Array<[number, number]>;
  hasJfif: boolean;
  /** The Adobe APP14 transform flag (0 none/RGB, 1 YCbCr, 2 YCCK), when the marker is present. */
  adobeTransform?: number;
  /** Offset just after the SOI marker (where an APP marker may be inserted). */
  afterSoi: number;
}

const bad = (what: string, reason: string): DomainError => new DomainError('MalformedDicom', `The ${what} bitstream is not a valid JPEG stream: ${reason}.`);

export function readJpegHeader(bytes: Uint8Array, what = 'JPEG'): JpegHeader {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) {
    throw bad(what, 'it does not start with the SOI marker FFD8');
  }
  let at = 2;
  let hasJfif = false;
  let adobeTransform: number | undefined;
  let frame: Omit<JpegHeader, 'hasJfif' | 'adobeTransform' | 'afterSoi'> | undefined;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) throw bad(what, `expected a marker at byte ${at}, found 0x${bytes[at].toString(16)}`);
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xd9) throw bad(what, `it ends (EOI) at byte ${at} before any scan`);
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2;
      continue;
    }
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    if (length < 2 || at + 2 + length > bytes.length) {
      throw bad(what, `the segment of marker FF${marker.toString(16).toUpperCase()} at byte ${at} claims ${length} bytes, past the end of the ${bytes.length}-byte stream`);
    }
    const seg = at + 4;
    const segEnd = at + 2 + length;
    if (marker === 0xe0 && length >= 7 && String.fromCharCode(...bytes.subarray(seg, seg + 4)) === 'JFIF') hasJfif = true;
    if (marker === 0xee && length >= 14 && String.fromCharCode(...bytes.subarray(seg, seg + 5)) === 'Adobe') adobeTransform = bytes[seg + 11];
    const isSof = (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) || marker === 0xf7 || marker === 0xf9;
    if (isSof) {
      if (length < 8) throw bad(what, 'the frame header (SOF) is too short');
      const precision = bytes[seg];
      const height = (bytes[seg + 1] << 8) | bytes[seg + 2];
      const width = (bytes[seg + 3] << 8) | bytes[seg + 4];
      const n = bytes[seg + 5];
      if (length < 8 + 3 * n || n === 0) throw bad(what, `the frame header (SOF) declares ${n} components but is ${length} bytes long`);
      const componentIds: number[] = [];
      const sampling: Array<[number, number]> = [];
      for (let c = 0; c < n; c++) {
        componentIds.push(bytes[seg + 6 + 3 * c]);
        const hv = bytes[seg + 7 + 3 * c];
        sampling.push([hv >> 4, hv & 15]);
      }
      frame = { sof: marker, precision, height, width, componentIds, sampling };
    }
    if (marker === 0xda) {
      if (!frame) throw bad(what, 'a scan (SOS) comes before any frame header (SOF)');
      if (segEnd >= bytes.length) throw bad(what, 'it ends right after the scan header, with no entropy-coded data');
      return { ...frame, hasJfif, adobeTransform, afterSoi: 2 };
    }
    at = segEnd;
  }
  throw bad(what, `it ends at byte ${bytes.length} before the first scan (SOS): truncated`);
}

/** The JPEG process of a SOF marker, for messages. */
export function sofName(sof: number): string {
  switch (sof) {
    case 0xc0:
      return 'baseline DCT (SOF0)';
    case 0xc1:
      return 'extended sequential DCT (SOF1)';
    case 0xc2:
      return 'progressive DCT (SOF2)';
    case 0xc3:
      return 'lossless (SOF3)';
    case 0xf7:
      return 'JPEG-LS (SOF55)';
    case 0xf9:
      return 'JPEG-LS extended (SOF57)';
    default:
      return sof >= 0xc9 ? `arithmetic-coded (SOF${sof - 0xc0})` : `hierarchical (SOF${sof - 0xc0})`;
  }
}
