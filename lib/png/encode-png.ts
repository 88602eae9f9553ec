/**
 * Minimal PNG writer (PNG spec, ISO/IEC 15948 / W3C PNG 3rd ed.): greyscale or RGB, 8 or 16
 * bits per sample, one IDAT, optional tEXt chunks. Chosen by measurement (bench/png-encoders.ts):
 * upng-js 2.1.0 writes only RGBA8 (no 16-bit) and was ~14x slower on 2048x2048 8-bit; pngjs
 * writes 16-bit but was slower than this writer at the same size. Defaults: zlib level 1,
 * Z_RLE strategy, filter Up — the fastest setting whose size matched pngjs's best.
 */
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

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, (crc32(out.subarray(4, 8 + data.length)) ^ 0xffffffff) >>> 0);
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

/** The filtered scanlines: one filter-type byte per row, then the row (16-bit big endian). */
function scanlines(img: PngImage, filter: 'none' | 'up'): Uint8Array {
  const bytesPerSample = img.bitDepth / 8;
  const samplesPerRow = img.width * img.channels;
  const rowBytes = samplesPerRow * bytesPerSample;
  const stride = rowBytes + 1;
  const expected = samplesPerRow * img.height;
  if (img.data.length < expected) throw new Error(`PNG data holds ${img.data.length} samples, expected ${expected}`);
  const raw = new Uint8Array(stride * img.height);
  const d = img.data;
  for (let y = 0; y < img.height; y++) {
    const base = y * stride + 1;
    const src = y * samplesPerRow;
    if (bytesPerSample === 1) {
      raw.set((d as Uint8Array).subarray(src, src + samplesPerRow), base);
    } else {
      for (let i = 0; i < samplesPerRow; i++) {
        const v = d[src + i];
        raw[base + 2 * i] = v >>> 8; // PNG samples are big endian
        raw[base + 2 * i + 1] = v & 0xff;
      }
    }
  }
  if (filter === 'up') {
    // Filter type 2 (Up): Raw(x) - Prior(x) mod 256. Bottom-up, so the row above is still unfiltered.
    for (let y = img.height - 1; y >= 1; y--) {
      const row = y * stride;
      const above = row - stride;
      raw[row] = 2;
      for (let i = 1; i <= rowBytes; i++) raw[row + i] = (raw[row + i] - raw[above + i]) & 0xff;
    }
  }
  return raw;
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
