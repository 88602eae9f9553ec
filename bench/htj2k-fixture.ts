/**
 * Generated greyscale HTJ2K Lossless (1.2.840.10008.1.2.4.201, PS3.5 A.4.7) images: the corpus's
 * HTJ2K files are all 8-bit RGB, and a viewer's HTJ2K is mostly CT / CR greyscale of 12 to 16
 * bits. Encoded losslessly with OpenJPH's encoder from @cornerstonejs/codec-openjph (the package
 * the service decodes with; its build holds both), over the same anatomy-like pixels as the
 * native bench images (bench/fixtures.ts), so each decodes back to known values.
 */
import { makeImageElements, writeDicom } from '../test/support/dicom-writer.js';
import { anatomyValues, type BenchImage, ct512Values } from './fixtures.js';

export const TS_HTJ2K_LOSSLESS = '1.2.840.10008.1.2.4.201';

interface Htj2kEncoder {
  getDecodedBuffer(info: { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned: boolean; isUsingColorTransform: boolean }): Uint8Array;
  /** lossless, and the quantization step (unused when lossless). */
  setQuality(lossless: boolean, quantizationStep: number): void;
  encode(): void;
  getEncodedBuffer(): Uint8Array;
  delete(): void;
}

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

/** The values as one lossless HTJ2K codestream (16-bit cells). */
export async function encodeHtj2k(o: Htj2kImageOptions): Promise<Uint8Array> {
  // lib/pixels/codecs/wasm-modules.d.ts types the factory's module as unknown (the service uses its decoder only).
  const factory = (await import('@cornerstonejs/codec-openjph/wasmjs')).default;
  const codec = (await factory({ print: () => {}, printErr: () => {} })) as { HTJ2KEncoder: new () => Htj2kEncoder };
  const encoder = new codec.HTJ2KEncoder();
  try {
    const raw = encoder.getDecodedBuffer({ width: o.columns, height: o.rows, bitsPerSample: o.bitsStored, componentCount: 1, isSigned: o.signed, isUsingColorTransform: false });
    if (raw.length !== o.values.length * 2) throw new Error(`the encoder's buffer is ${raw.length} bytes, not 16-bit cells`);
    new Uint16Array(raw.buffer, raw.byteOffset, o.values.length).set(o.values);
    encoder.setQuality(true, 0);
    encoder.encode();
    return encoder.getEncodedBuffer().slice();
  } finally {
    encoder.delete();
  }
}

/** A DICOM file whose Pixel Data is the codestream in one fragment (PS3.5 A.4: even length, padded). */
export async function makeHtj2kDicom(o: Htj2kImageOptions): Promise<Uint8Array> {
  const stream = await encodeHtj2k(o);
  const fragment = new Uint8Array(stream.length + (stream.length % 2));
  fragment.set(stream);
  return writeDicom({
    transferSyntaxUid: TS_HTJ2K_LOSSLESS,
    elements: makeImageElements({
      rows: o.rows,
      columns: o.columns,
      bitsAllocated: 16,
      bitsStored: o.bitsStored,
      pixelRepresentation: o.signed ? 1 : 0,
      window: o.window,
      ...(o.rescale ? { rescale: o.rescale } : {}),
      pixel: () => 0,
      transferSyntaxUid: TS_HTJ2K_LOSSLESS,
      extra: [{ tag: '7FE00010', vr: 'OB', value: new Uint8Array(0), undefinedLength: true, fragments: [fragment] }],
    }),
  });
}

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
