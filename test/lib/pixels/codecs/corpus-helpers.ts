/**
 * Helpers for comparing codec output with the corpus references (reference/<path>/pixels.json:
 * sha256 of the little-endian raw buffer of every frame, C order, colour sample-interleaved).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseDicom } from '../../../../lib/dicom/parse.js';
import { readImageInfo } from '../../../../lib/pixels/image-info.js';
import { encapsulatedFrame } from '../../../../lib/pixels/encapsulated.js';
import { CODECS } from '../../../../lib/pixels/codecs/index.js';
import type { DecodedFrame, DecodedPixels, FrameInfo } from '../../../../lib/pixels/codecs/frame-types.js';
import { corpusDir } from '../../../support/corpus.js';

export interface PixelsReference {
  dtype: string;
  shape: number[];
  frames: number;
  sha256: string;
  decoder: string;
  decoded_photometric?: string;
  lossy_note?: string | null;
  raw_file?: string | null;
}

export function loadReference(path: string): { ref: PixelsReference; raw?: Buffer } | undefined {
  const dir = join(corpusDir, 'reference', path);
  const json = join(dir, 'pixels.json');
  if (!existsSync(json)) return undefined;
  const ref = JSON.parse(readFileSync(json, 'utf8')) as PixelsReference;
  const rawPath = join(dir, 'pixels.raw.gz');
  return { ref, raw: existsSync(rawPath) ? gunzipSync(readFileSync(rawPath)) : undefined };
}

export interface CorpusDecode {
  info: FrameInfo;
  frames: DecodedFrame[];
  numberOfFrames: number;
}

/** Parses a corpus file and decodes `frames` frames (all by default) through encapsulatedFrame + CODECS. */
export async function decodeCorpusFile(path: string, maxFrames = Infinity): Promise<CorpusDecode> {
  const parsed = parseDicom(new Uint8Array(readFileSync(join(corpusDir, path))));
  const image = readImageInfo(parsed);
  const info: FrameInfo = {
    rows: image.rows,
    columns: image.columns,
    samplesPerPixel: image.samplesPerPixel,
    bitsAllocated: image.bitsAllocated,
    bitsStored: image.bitsStored,
    pixelRepresentation: image.pixelRepresentation,
    photometric: image.photometric,
    planarConfiguration: image.planarConfiguration,
    transferSyntaxUid: parsed.transferSyntaxUid,
  };
  const codec = CODECS[parsed.transferSyntaxUid];
  if (!codec) throw new Error(`no codec for ${parsed.transferSyntaxUid}`);
  const frames: DecodedFrame[] = [];
  const n = Math.min(image.numberOfFrames, maxFrames);
  for (let f = 0; f < n; f++) frames.push(await codec(encapsulatedFrame(parsed, f, image.numberOfFrames), info));
  return { info, frames, numberOfFrames: image.numberOfFrames };
}

const DTYPES: Record<string, new (n: number) => DecodedPixels | Float32Array> = {
  '|u1': Uint8Array,
  '|i1': Int8Array,
  '<u2': Uint16Array,
  '<i2': Int16Array,
  '<u4': Uint32Array,
  '<i4': Int32Array,
};

/** The decoded frames as the reference's dtype, little endian (this runs on little-endian hosts). */
export function asReferenceBytes(frames: DecodedPixels[], dtype: string): Buffer {
  const Ctor = DTYPES[dtype];
  if (!Ctor) throw new Error(`unsupported reference dtype ${dtype}`);
  const total = frames.reduce((n, f) => n + f.length, 0);
  const out = new Ctor(total);
  let at = 0;
  for (const f of frames) {
    for (let i = 0; i < f.length; i++) out[at + i] = f[i];
    at += f.length;
  }
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Max and mean absolute difference between two buffers of the same dtype. */
export function diffStats(a: Buffer, b: Buffer, dtype: string): { max: number; mean: number; count: number } {
  const Ctor = DTYPES[dtype] as unknown as { new (buf: ArrayBuffer, off: number, len: number): ArrayLike<number>; BYTES_PER_ELEMENT: number };
  const copyA = new Uint8Array(a).buffer;
  const copyB = new Uint8Array(b).buffer;
  const n = Math.min(a.length, b.length) / Ctor.BYTES_PER_ELEMENT;
  const va = new Ctor(copyA, 0, n);
  const vb = new Ctor(copyB, 0, n);
  let max = 0;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.abs(va[i] - vb[i]);
    if (d > max) max = d;
    if (d) count++;
    sum += d;
  }
  return { max, mean: sum / n, count };
}
