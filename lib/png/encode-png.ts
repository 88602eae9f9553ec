/**
 * Minimal PNG writer (PNG spec, ISO/IEC 15948 / W3C PNG 3rd ed.): greyscale or RGB, 8 or 16
 * bits per sample, one IDAT, optional tEXt chunks. Chosen by measurement (bench/png-encoders.ts):
 * upng-js 2.1.0 writes only RGBA8 (no 16-bit) and was ~14x slower on 2048x2048 8-bit; pngjs
 * writes 16-bit but was slower than this writer at the same size. Defaults: zlib level 1,
 * Z_RLE strategy, filter Up — the fastest setting whose size matched pngjs's best.
 */
import * as zlib from 'node:zlib';
import { constants as zlibConstants, deflateSync } from 'node:zlib';

export interface PngImage {
  width: number;
  height: number;
  bitDepth: 8 | 16;
  /** 1 = greyscale (colour type 0), 3 = RGB (colour type 2). */
  channels: 1 | 3;
  /** Row-major samples, channels interleaved; Uint16Array (or Uint8Array) for 16-bit. */
  data: Uint8Array | Uint16Array;
  /** tEXt chunks (Latin-1 keyword 1-79 chars, Latin-1 text). */
  text?: Record<string, string>;
}

export interface PngOptions {
  /** zlib level; 1 is the measured sweet spot for medical images (speed vs size). */
  level?: number;
  /** Scanline filter: 'up' (type 2) compresses smooth images better; 'none' (type 0) is fastest. */
  filter?: 'none' | 'up';
  /**
   * zlib strategy. Z_RLE (run-length matches only) is what pngjs uses by default; on filtered
   * greyscale rows it is faster than the default strategy at similar size (bench/png-encoders.ts).
   */
  strategy?: number;
}

const SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO 3309 / ITU-T V.42) as PNG uses it over chunk type and data. */
export function crc32(bytes: Uint8Array, crc = 0xffffffff): number {
  let c = crc;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return c;
}

/**
 * node:zlib's CRC-32 (Node 20.15+, 22.2+; Lambda's nodejs22.x has it): the same polynomial in
 * native code, about 1 ms less per megabyte of IDAT than the table loop above, kept as the fallback.
 */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** The finished CRC-32 of `bytes` (of a PNG chunk's type and data; also lib/pixels/decoded-frame-file.ts). */
export function finishedCrc32(bytes: Uint8Array): number {
  return nativeCrc32 ? nativeCrc32(bytes) >>> 0 : (crc32(bytes) ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, finishedCrc32(out.subarray(4, 8 + data.length)));
  return out;
}

function textChunk(keyword: string, text: string): Uint8Array {
  if (!/^[\x20-\x7e\xa1-\xff]{1,79}$/.test(keyword) || keyword !== keyword.trim()) {
    throw new Error(`PNG tEXt keyword must be 1-79 printable Latin-1 characters without leading/trailing spaces: "${keyword}"`);
  }
  const k = Buffer.from(keyword, 'latin1');
  const t = Buffer.from(text, 'latin1');
  const data = new Uint8Array(k.length + 1 + t.length);
  data.set(k, 0);
  data.set(t, k.length + 1);
  return chunk('tEXt', data);
}

/**
 * The samples as PNG wants their bytes, row after row with no filter bytes: 8-bit data as it
 * is, 16-bit data big endian (PNG spec 7.1). The result starts on a 4-byte boundary when the
 * input does, so the filter below can work on 32-bit words.
 */
function sampleBytes(img: PngImage, count: number): Uint8Array {
  const d = img.data;
  if (img.bitDepth === 8) return d instanceof Uint8Array ? d.subarray(0, count) : Uint8Array.from(d.subarray(0, count));
  const src = d instanceof Uint16Array ? d : Uint16Array.from(d);
  const bytes = new Uint8Array(src.buffer.slice(src.byteOffset, src.byteOffset + count * 2));
  // Little-endian host order to big endian, two samples per 32-bit word (odd tail by hand).
  const words = new Uint32Array(bytes.buffer, 0, count >>> 1);
  for (let i = 0; i < words.length; i++) {
    const x = words[i];
    words[i] = ((x & 0x00ff00ff) << 8) | ((x >>> 8) & 0x00ff00ff);
  }
  if (count & 1) {
    const v = src[count - 1];
    bytes[2 * count - 2] = v >>> 8;
    bytes[2 * count - 1] = v & 0xff;
  }
  return bytes;
}

/** The filtered scanlines: one filter-type byte per row, then the row (16-bit big endian). */
function scanlines(img: PngImage, filter: 'none' | 'up'): Uint8Array {
  const bytesPerSample = img.bitDepth / 8;
  const samplesPerRow = img.width * img.channels;
  const rowBytes = samplesPerRow * bytesPerSample;
  const stride = rowBytes + 1;
  const expected = samplesPerRow * img.height;
  if (img.data.length < expected) throw new Error(`PNG data holds ${img.data.length} samples, expected ${expected}`);
  const bytes = sampleBytes(img, expected);
  const raw = new Uint8Array(stride * img.height);
  // The first row has no prior row: Up and None are the same, so it is written as None (0).
  raw.set(bytes.subarray(0, rowBytes), 1);
  if (filter === 'none') {
    for (let y = 1; y < img.height; y++) raw.set(bytes.subarray(y * rowBytes, (y + 1) * rowBytes), y * stride + 1);
    return raw;
  }
  for (let y = 1; y < img.height; y++) raw[y * stride] = 2;
  if (rowBytes % 4 === 0 && bytes.byteOffset % 4 === 0) upWords(bytes, rowBytes, img.height, raw, stride);
  else upBytes(bytes, rowBytes, img.height, raw, stride);
  return raw;
}

/** Filter type 2 (Up) of rows 1 on: Raw(x) - Prior(x) mod 256 (PNG spec 9.2). */
function upBytes(bytes: Uint8Array, rowBytes: number, height: number, raw: Uint8Array, stride: number): void {
  for (let y = 1; y < height; y++) {
    const src = y * rowBytes;
    const at = y * stride + 1;
    for (let i = 0; i < rowBytes; i++) raw[at + i] = (bytes[src + i] - bytes[src - rowBytes + i]) & 0xff;
  }
}

/**
 * The same, four bytes per step when rows are 4-byte aligned: per-byte subtraction without
 * borrows between bytes (the high bit of each byte is handled apart). Half the time of the
 * byte loop on a DX. Rows of `raw` start at odd offsets, so each row goes through `row`.
 */
function upWords(bytes: Uint8Array, rowBytes: number, height: number, raw: Uint8Array, stride: number): void {
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, (rowBytes * height) >>> 2);
  const perRow = rowBytes >>> 2;
  const row = new Uint32Array(perRow);
  const rowAsBytes = new Uint8Array(row.buffer);
  for (let y = 1; y < height; y++) {
    const cur = y * perRow;
    for (let i = 0; i < perRow; i++) {
      const x = words[cur + i];
      const p = words[cur - perRow + i];
      row[i] = ((x | 0x80808080) - (p & 0x7f7f7f7f)) ^ ((x ^ ~p) & 0x80808080);
    }
    raw.set(rowAsBytes, y * stride + 1);
  }
}

export function encodePng(img: PngImage, options: PngOptions = {}): Uint8Array {
  const { width, height, bitDepth, channels } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 0x7fffffff || height > 0x7fffffff) {
    throw new Error(`PNG dimensions must be positive integers, got ${width} x ${height}`);
  }
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = bitDepth;
  ihdr[9] = channels === 3 ? 2 : 0; // colour type: 0 greyscale, 2 truecolour
  ihdr[10] = 0; // deflate
  ihdr[11] = 0; // adaptive filtering
  ihdr[12] = 0; // no interlace
  const idat = deflateSync(scanlines(img, options.filter ?? 'up'), {
    level: options.level ?? 1,
    strategy: options.strategy ?? zlibConstants.Z_RLE,
  });
  const parts = [SIGNATURE, chunk('IHDR', ihdr)];
  for (const [k, v] of Object.entries(img.text ?? {})) parts.push(textChunk(k, v));
  parts.push(chunk('IDAT', idat), chunk('IEND', new Uint8Array(0)));
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
