/**
 * A generated JPEG 2000 Lossless (.90) image of a chosen size, for the memory bench (a 10 MiB
 * JPEG 2000 file; the corpus's largest is 1.6 MiB). Encoded with OpenJPEG's encoder from
 * @cornerstonejs/codec-openjpeg (the full build; the service loads only its decoder), noise over
 * a gradient so the lossless codestream stays large.
 */
import { makeImageElements, writeDicom } from '../test/support/dicom-writer.js';

const TS_J2K_LOSSLESS = '1.2.840.10008.1.2.4.90';

interface J2kEncoder {
  getDecodedBuffer(info: { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned: boolean; isUsingColorSpace?: boolean }): Uint8Array;
  setQuality(lossless: boolean, quality: number): void;
  encode(): void;
  getEncodedBuffer(): Uint8Array;
  delete(): void;
}

/** rows x columns, 16-bit cells with `bitsStored` bits, as a DICOM file (one fragment, PS3.5 A.4). */
export async function makeJ2kDicom(rows: number, columns: number, bitsStored = 12, seed = 1): Promise<Uint8Array> {
  // The full build (with the encoder) has no type declarations; named through a variable so tsc
  // does not look for them (lib/pixels/codecs/wasm-modules.d.ts declares the decoder builds only).
  const spec = '@cornerstonejs/codec-openjpeg/wasmjs';
  const factory = ((await import(spec)) as { default: unknown }).default as (m?: object) => Promise<{ J2KEncoder: new () => J2kEncoder }>;
  const codec = await factory({ print: () => {}, printErr: () => {} });
  const encoder = new codec.J2KEncoder();
  try {
    const raw = encoder.getDecodedBuffer({ width: columns, height: rows, bitsPerSample: bitsStored, componentCount: 1, isSigned: false, isUsingColorSpace: false });
    const values = new Uint16Array(raw.buffer, raw.byteOffset, rows * columns);
    let s = seed >>> 0;
    const max = (1 << bitsStored) - 1;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < columns; c++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        const v = ((r + c) / (rows + columns)) * max * 0.7 + (s >>> 22);
        values[r * columns + c] = Math.min(max, v | 0);
      }
    }
    encoder.setQuality(true, 0);
    encoder.encode();
    const stream = encoder.getEncodedBuffer().slice();
    const fragment = stream.length % 2 ? concat(stream, new Uint8Array(1)) : stream;
    return writeDicom({
      transferSyntaxUid: TS_J2K_LOSSLESS,
      elements: makeImageElements({
        rows,
        columns,
        bitsAllocated: 16,
        bitsStored,
        window: { center: max / 2, width: max },
        pixel: () => 0,
        transferSyntaxUid: TS_J2K_LOSSLESS,
        extra: [{ tag: '7FE00010', vr: 'OB', value: new Uint8Array(0), undefinedLength: true, fragments: [fragment] }],
      }),
    });
  } finally {
    encoder.delete();
  }
}

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

