/**
 * Generated JPEG 2000 Lossless (.90, OpenJPEG's encoder from the full build of
 * @cornerstonejs/codec-openjpeg, as bench/j2k-fixture.ts does) and HTJ2K Lossless (.201, OpenJPH's
 * HTJ2KEncoder) greyscale files of any content, for the reduced-resolution thumbnail tests and
 * the benchmarks' HTJ2K images (bench/htj2k-fixture.ts).
 */
import { makeImageElements, writeDicom, type WriterElement } from './dicom-writer.js';

export const TS_J2K_LOSSLESS = '1.2.840.10008.1.2.4.90';
export const TS_HTJ2K_LOSSLESS = '1.2.840.10008.1.2.4.201';

interface Encoder {
  getDecodedBuffer(info: Record<string, number | boolean>): Uint8Array;
  setQuality?(lossless: boolean, quality: number): void;
  setDecompositions(levels: number): void;
  encode(): void;
  getEncodedBuffer(): Uint8Array;
  delete(): void;
}
type Factory = (m?: object) => Promise<Record<string, new () => Encoder>>;

/** Loaded through a variable: the encoder builds have no type declarations (wasm-modules.d.ts names the decoders only). */
async function encoderModule(spec: string): Promise<Record<string, new () => Encoder>> {
  const factory = ((await import(spec)) as { default: unknown }).default as Factory;
  return factory({ print: () => {}, printErr: () => {} });
}

export interface J2kImageOptions {
  rows: number;
  columns: number;
  bitsStored: number;
  /** The stored value at (row, column): 0 .. 2^bitsStored - 1, or its 16-bit two's complement when `signed`. */
  pixel: (row: number, column: number) => number;
  /** Pixel Representation 1; the codestream's samples are then signed too (ISO 15444-1 A.5.1 Ssiz). */
  signed?: boolean;
  rescale?: { slope: number; intercept: number };
  htj2k?: boolean;
  /** Wavelet decomposition levels (COD NL); the encoder's default (5) when absent. */
  levels?: number;
  window?: { center: number; width: number };
  extra?: WriterElement[];
}

/** The codestream alone. */
export async function encodeJ2k(o: J2kImageOptions): Promise<Uint8Array> {
  const codec = await encoderModule(o.htj2k ? '@cornerstonejs/codec-openjph/wasmjs' : '@cornerstonejs/codec-openjpeg/wasmjs');
  const encoder = new codec[o.htj2k ? 'HTJ2KEncoder' : 'J2KEncoder']();
  try {
    const frame = { width: o.columns, height: o.rows, bitsPerSample: o.bitsStored, componentCount: 1, isSigned: o.signed ?? false };
    const raw = encoder.getDecodedBuffer(o.htj2k ? { ...frame, isUsingColorTransform: false } : { ...frame, isUsingColorSpace: false });
    if (raw.length !== o.rows * o.columns * 2) throw new Error(`the encoder's buffer is ${raw.length} bytes, not 16-bit cells`);
    const values = new Uint16Array(raw.buffer, raw.byteOffset, o.rows * o.columns);
    for (let r = 0; r < o.rows; r++) for (let c = 0; c < o.columns; c++) values[r * o.columns + c] = o.pixel(r, c);
    if (o.levels !== undefined) encoder.setDecompositions(o.levels);
    encoder.setQuality?.(true, 0);
    encoder.encode();
    return encoder.getEncodedBuffer().slice();
  } finally {
    encoder.delete();
  }
}

/** A one-frame MONOCHROME2 16-bit-cell file whose Pixel Data is one fragment of the codestream (PS3.5 A.4). */
export async function makeJ2kImageDicom(o: J2kImageOptions): Promise<Uint8Array> {
  const stream = await encodeJ2k(o);
  // Fragments have even length (PS3.5 A.4): pad with one zero byte after EOC.
  const fragment = stream.length % 2 ? new Uint8Array(stream.length + 1) : stream;
  if (fragment !== stream) fragment.set(stream);
  const transferSyntaxUid = o.htj2k ? TS_HTJ2K_LOSSLESS : TS_J2K_LOSSLESS;
  return writeDicom({
    transferSyntaxUid,
    elements: makeImageElements({
      rows: o.rows,
      columns: o.columns,
      bitsAllocated: 16,
      bitsStored: o.bitsStored,
      pixelRepresentation: o.signed ? 1 : 0,
      ...(o.window ? { window: o.window } : {}),
      ...(o.rescale ? { rescale: o.rescale } : {}),
      pixel: () => 0,
      transferSyntaxUid,
      extra: [{ tag: '7FE00010', vr: 'OB', value: new Uint8Array(0), undefinedLength: true, fragments: [fragment] }, ...(o.extra ?? [])],
    }),
  });
}
