/**
 * Generated greyscale HTJ2K Lossless (1.2.840.10008.1.2.4.201, PS3.5 A.4.7) images: the corpus's
 * HTJ2K files are all 8-bit RGB, and a viewer's HTJ2K is mostly CT / CR greyscale of 12 to 16
 * bits. Encoded losslessly with OpenJPH's encoder from @cornerstonejs/codec-openjph (the package
 * the service decodes with; its build holds both), over the same anatomy-like pixels as the
 * native bench images (bench/fixtures.ts), so each decodes back to known values.
 */
import { encodeJ2k, type J2kImageOptions, makeJ2kImageDicom } from '../test/support/j2k-dicom.js';
import { anatomyValues, type BenchImage, ct512Values } from './fixtures.js';

export { TS_HTJ2K_LOSSLESS } from '../test/support/j2k-dicom.js';

export interface Htj2kImageOptions {
  rows: number;
  columns: number;
  bitsStored: number;
  /** Pixel Representation 1; the codestream's samples are then signed too (ISO 15444-1 A.5.1 Ssiz). */
  signed: boolean;
  /** rows x columns stored values, row by row (read as two's complement when signed). */
  values: Uint16Array;
  window: { center: number; width: number };
  rescale?: { slope: number; intercept: number };
}

/** As test/support/j2k-dicom.ts encodes them (one owner of the encoder calls), from an array of values. */
const asJ2kImage = (o: Htj2kImageOptions): J2kImageOptions => ({
  rows: o.rows,
  columns: o.columns,
  bitsStored: o.bitsStored,
  signed: o.signed,
  htj2k: true,
  pixel: (r, c) => o.values[r * o.columns + c],
  window: o.window,
  ...(o.rescale ? { rescale: o.rescale } : {}),
});

/** The values as one lossless HTJ2K codestream (16-bit cells). */
export const encodeHtj2k = (o: Htj2kImageOptions): Promise<Uint8Array> => encodeJ2k(asJ2kImage(o));

/** A DICOM file whose Pixel Data is the codestream in one fragment (PS3.5 A.4: even length, padded). */
export const makeHtj2kDicom = (o: Htj2kImageOptions): Promise<Uint8Array> => makeJ2kImageDicom(asJ2kImage(o));

/** The generated CT 512 (bench/fixtures.ts ct512: 16-bit signed, rescale -1024) as HTJ2K. */
export const ct512Htj2kOptions = (): Htj2kImageOptions => ({
  rows: 512,
  columns: 512,
  bitsStored: 16,
  signed: true,
  values: ct512Values(),
  window: { center: 40, width: 400 },
  rescale: { slope: 1, intercept: -1024 },
});

/** A 2048 x 2048 12-bit unsigned radiograph-like image as HTJ2K. */
export const cr2048Htj2kOptions = (): Htj2kImageOptions => ({
  rows: 2048,
  columns: 2048,
  bitsStored: 12,
  signed: false,
  values: anatomyValues(2048, 2048, 4095, 5),
  window: { center: 2048, width: 4096 },
});

export async function ct512Htj2k(): Promise<BenchImage> {
  return { name: 'HTJ2K lossless CT 512x512 16-bit signed (generated)', bytes: await makeHtj2kDicom(ct512Htj2kOptions()), frames: 1 };
}

export async function cr2048Htj2k(): Promise<BenchImage> {
  return { name: 'HTJ2K lossless 2048x2048 12-bit (generated)', bytes: await makeHtj2kDicom(cr2048Htj2kOptions()), frames: 1 };
}

export const htj2kBenchImages = async (): Promise<BenchImage[]> => [await ct512Htj2k(), await cr2048Htj2k()];
