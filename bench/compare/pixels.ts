/**
 * Pixel comparison of two PNGs (any of the tools' outputs), decoded with pngjs without
 * rescaling, so 16-bit samples stay 16-bit: greyscale compares one sample per pixel, RGB three.
 */
import { PNG } from 'pngjs';

export interface DecodedPng {
  width: number;
  height: number;
  depth: number;
  /** 1 = greyscale, 3 = RGB (pngjs expands to RGBA; alpha is ignored). */
  channels: 1 | 3;
  samples: Uint8Array | Uint16Array;
}

/**
 * Bytes after the first IEND chunk (Orthanc 1.10.1's 16-bit PNGs end with IEND twice, which
 * pngjs rejects and Pillow / browsers ignore): 0 for a well-formed PNG.
 */
export function bytesAfterIend(bytes: Uint8Array): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 8; i + 12 <= bytes.length; ) {
    const length = dv.getUint32(i);
    const type = String.fromCharCode(bytes[i + 4], bytes[i + 5], bytes[i + 6], bytes[i + 7]);
    i += 12 + length;
    if (type === 'IEND') return bytes.length - i;
  }
  return 0;
}

export function decodePng(bytes: Uint8Array): DecodedPng {
  const trailing = bytesAfterIend(bytes);
  const whole = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength - trailing);
  const png = PNG.sync.read(whole, { skipRescale: true });
  // pngjs types `data` as a Buffer; with skipRescale a 16-bit image comes back as a Uint16Array.
  const rgba = png.data as unknown as Uint8Array | Uint16Array;
  const { width, height } = png;
  const colour = (png.colorType & 2) !== 0;
  const channels = colour ? 3 : 1;
  const samples = png.depth === 16 ? new Uint16Array(width * height * channels) : new Uint8Array(width * height * channels);
  for (let p = 0, o = 0; p < width * height; p++) {
    for (let c = 0; c < channels; c++) samples[o++] = rgba[p * 4 + c];
  }
  return { width, height, depth: png.depth, channels, samples };
}

export interface PixelDiff {
  comparable: boolean;
  /** Why not comparable (size, depth or channel mismatch). */
  reason?: string;
  maxAbs?: number;
  meanAbs?: number;
  identicalPct?: number;
  within1Pct?: number;
}

export function diffPng(ours: Uint8Array, theirs: Uint8Array): PixelDiff {
  const a = decodePng(ours);
  const b = decodePng(theirs);
  if (a.width !== b.width || a.height !== b.height) return { comparable: false, reason: `size ${a.width}x${a.height} vs ${b.width}x${b.height}` };
  if (a.depth !== b.depth) return { comparable: false, reason: `depth ${a.depth} vs ${b.depth}` };
  if (a.channels !== b.channels) return { comparable: false, reason: `channels ${a.channels} vs ${b.channels}` };
  let maxAbs = 0;
  let sum = 0;
  let same = 0;
  let within1 = 0;
  const n = a.samples.length;
  for (let i = 0; i < n; i++) {
    const d = Math.abs(a.samples[i] - b.samples[i]);
    if (d > maxAbs) maxAbs = d;
    sum += d;
    if (d === 0) same++;
    if (d <= 1) within1++;
  }
  return { comparable: true, maxAbs, meanAbs: sum / n, identicalPct: (100 * same) / n, within1Pct: (100 * within1) / n };
}
