/**
 * A decoded frame as an object of its own (`renders/{tenant}/sha256/{hash}/decoded/f{n}.bin`,
 * lib/storage/object-keys.ts): what the processor writes for the codecs that are slow to start
 * in a new container (JPEG 2000 and HTJ2K in WebAssembly), so the
 * export's first render of the file in a new container reads the samples instead of compiling a
 * codec and decoding (measured in the README, "Compressed images, first render").
 *
 * Layout: 'DCDF', version 1, the typed-array kind, the length of the Photometric Interpretation,
 * 0, the sample count (uint32 LE), the CRC-32 of the samples' bytes (uint32 LE; raw deflate
 * has no check of its own), the Photometric Interpretation (ASCII), then the samples'
 * little-endian bytes deflated (raw, level 1). Measured on the corpus's JPEG 2000 1760x2140 and
 * a generated HTJ2K 2048x2048 12-bit: 2.8 and 3.3 MB (1.7x and 1.2x their DICOM files), inflated
 * in 13 and 39 ms; splitting the bytes into planes (low bytes, then high) made the files 12-25 %
 * smaller but the read slower on two of three images once the bytes are interleaved again. Read back only when every field agrees with what the file's own header says the frame
 * holds; anything else is ignored and the frame decoded as before.
 */
import * as zlib from 'node:zlib';
import { finishedCrc32 as crc32 } from '../png/encode-png.js';
import { endianness } from 'node:os';
import type { StoredValues } from './native-frame.js';
import type { DecodedStored } from './decoders.js';
import { TRANSFER_SYNTAXES } from '../dicom/transfer-syntax.js';
import type { ParsedDicom } from '../dicom/parse.js';
import { type ImageInfo, readImageInfo } from './image-info.js';

const MAGIC = [0x44, 0x43, 0x44, 0x46]; // 'DCDF'
const VERSION = 1;
const HEADER_BYTES = 16;
const MAX_PHOTOMETRIC = 32;
/** A Photometric Interpretation as PS3.3 C.7.6.3.1.2 spells them (the file stores it as ASCII). */
const PHOTOMETRIC = /^[A-Z0-9_ ]*$/;

const KINDS = [Uint8Array, Int8Array, Uint16Array, Int16Array, Int32Array, Uint32Array, Float32Array, Float64Array] as const;
type Kind = (typeof KINDS)[number];

/** Typed arrays hold the platform's byte order; the file holds little-endian (every Lambda and this machine are). */
const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** The file for `decoded`, or undefined where it cannot be written faithfully (a big-endian host). */
export function encodeDecodedFrame(decoded: DecodedStored): Uint8Array | undefined {
  const { values, photometric } = decoded;
  const kind = KINDS.findIndex((k) => values instanceof k);
  if (kind < 0 || !LITTLE_ENDIAN_HOST || photometric.length > MAX_PHOTOMETRIC || !PHOTOMETRIC.test(photometric)) return undefined;
  const raw = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const body = zlib.deflateRawSync(raw, { level: 1 });
  const out = new Uint8Array(HEADER_BYTES + photometric.length + body.length);
  out.set(MAGIC, 0);
  out[4] = VERSION;
  out[5] = kind + 1;
  out[6] = photometric.length;
  const view = new DataView(out.buffer);
  view.setUint32(8, values.length, true);
  view.setUint32(12, crc32(raw), true);
  for (let i = 0; i < photometric.length; i++) out[HEADER_BYTES + i] = photometric.charCodeAt(i);
  out.set(body, HEADER_BYTES + photometric.length);
  return out;
}

/**
 * The frame in `file`, when it holds exactly `expectedCount` samples; else undefined. The
 * inflate is bounded by what that count needs, so a damaged or foreign object costs no more
 * memory than the frame itself.
 */
export function decodeDecodedFrame(file: Uint8Array, expectedCount: number): DecodedStored | undefined {
  if (!LITTLE_ENDIAN_HOST || file.length < HEADER_BYTES || MAGIC.some((b, i) => file[i] !== b) || file[4] !== VERSION) return undefined;
  const Kind: Kind | undefined = KINDS[file[5] - 1];
  const photometricLength = file[6];
  if (!Kind || photometricLength > MAX_PHOTOMETRIC || file.length < HEADER_BYTES + photometricLength) return undefined;
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const count = view.getUint32(8, true);
  if (count !== expectedCount) return undefined;
  const photometric = String.fromCharCode(...file.subarray(HEADER_BYTES, HEADER_BYTES + photometricLength));
  if (!PHOTOMETRIC.test(photometric)) return undefined;
  const width = Kind.BYTES_PER_ELEMENT;
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    // One output chunk of exactly the frame's size: the default 16 KiB chunks, concatenated at
    // the end, took twice as long (8 MiB: 77 against 42 ms).
    const size = count * width;
    const inflated = zlib.inflateRawSync(file.subarray(HEADER_BYTES + photometricLength), { maxOutputLength: Math.max(1, size), chunkSize: Math.max(64, size) });
    if (inflated.length !== size) return undefined;
    // A typed-array view needs its offset aligned to the sample width; else a copy that is.
    bytes = inflated.byteOffset % width === 0 ? new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.length) : new Uint8Array(inflated);
  } catch {
    return undefined;
  }
  if (crc32(bytes) !== view.getUint32(12, true)) return undefined;
  const values: StoredValues = new Kind(bytes.buffer, bytes.byteOffset, count);
  return { values, photometric };
}

/**
 * The transfer syntaxes whose first frame the processor also writes decoded: those whose codec
 * a new container pays for before its first render (README, "Compressed images, first render",
 * render in a fresh process from the codec / from this file: JPEG 2000 RG2_J2KR 682 / 155 ms,
 * CT 512 123 / 27 ms; HTJ2K CT 512 77 / 17 ms). Lossless JPEG is not among them since its own
 * decoder (GH133: 231 ms from the codec against 285 from this file), nor are JPEG baseline,
 * JPEG-LS and RLE, which start fast too.
 */
export const DECODED_FRAME_SYNTAXES: ReadonlySet<string> = new Set(
  TRANSFER_SYNTAXES.filter((ts) => ts.decoder === 'jpeg2000' || ts.decoder === 'htj2k').map((ts) => ts.uid),
);

/**
 * Frame `frameIndex` of `parsed` from its decoded file, when the file fits the frame the data
 * set describes (rows x columns x samples); else undefined, and the frame is decoded as before.
 */
export function readDecodedFrame(parsed: ParsedDicom, file: Uint8Array, frameIndex: number): DecodedStored | undefined {
  let info: ImageInfo;
  try {
    info = readImageInfo(parsed);
  } catch {
    return undefined; // the render names what is wrong with the data set
  }
  if (frameIndex >= info.numberOfFrames) return undefined;
  return decodeDecodedFrame(file, info.rows * info.columns * info.samplesPerPixel);
}
