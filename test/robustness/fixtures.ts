/**
 * Fixture builders for the robustness suites: writer-made bases for the fuzzer (used with or
 * without the corpus), a tiny RLE encoder (PS3.5 G.3), deeply nested sequences, and headers of
 * compressed bitstreams that claim huge images.
 */
import { deflateRawSync } from 'node:zlib';
import {
  TS_DEFLATED_LE,
  TS_EXPLICIT_BE,
  TS_EXPLICIT_LE,
  TS_IMPLICIT_LE,
  makeImageDicom,
  makeImageElements,
  makePixelBytes,
  writeDicom,
  type MakeImageOptions,
  type WriterElement,
} from '../support/dicom-writer.js';

export const TS_RLE = '1.2.840.10008.1.2.5';
export const TS_JPEG_BASELINE = '1.2.840.10008.1.2.4.50';
export const TS_JPEG_LOSSLESS_SV1 = '1.2.840.10008.1.2.4.70';
export const TS_JPEG_LS = '1.2.840.10008.1.2.4.80';
export const TS_J2K = '1.2.840.10008.1.2.4.90';
export const TS_HTJ2K = '1.2.840.10008.1.2.4.201';

/** PatientName written into every fixture of the log tests; it must never be logged. */
export const PHI_MARKER = 'ZZPHI^Q7X3K9LMARKER';

/** PS3.5 G.3.1 PackBits with literal runs only (enough for fixtures), padded to even length. */
function packBitsLiteral(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 128) {
    const n = Math.min(128, bytes.length - i);
    out.push(n - 1);
    for (let j = 0; j < n; j++) out.push(bytes[i + j]);
  }
  if (out.length % 2) out.push(0x80); // -128 is a no-op (PS3.5 G.3.1)
  return new Uint8Array(out);
}

/** One RLE Lossless frame (PS3.5 G.2): header of 16 UL, then one segment per byte plane. */
export function rleFrame(o: MakeImageOptions, frameIndex = 0): Uint8Array {
  const spp = o.samplesPerPixel ?? (o.photometric === 'RGB' ? 3 : 1);
  const bytesPer = o.bitsAllocated / 8;
  const pixels = o.rows * o.columns;
  const segments: Uint8Array[] = [];
  for (let s = 0; s < spp; s++) {
    for (let b = bytesPer - 1; b >= 0; b--) {
      const plane = new Uint8Array(pixels);
      for (let r = 0; r < o.rows; r++)
        for (let c = 0; c < o.columns; c++) plane[r * o.columns + c] = (o.pixel(frameIndex, r, c, s) >>> (8 * b)) & 0xff;
      segments.push(packBitsLiteral(plane));
    }
  }
  return rleWithSegments(segments);
}

/** An RLE header followed by the given segments (offsets computed honestly). */
export function rleWithSegments(segments: Uint8Array[], offsetsOverride?: number[]): Uint8Array {
  const header = new Uint8Array(64);
  const dv = new DataView(header.buffer);
  dv.setUint32(0, segments.length, true);
  let at = 64;
  segments.forEach((seg, i) => {
    dv.setUint32(4 + i * 4, offsetsOverride?.[i] ?? at, true);
    at += seg.length;
  });
  const out = new Uint8Array(at);
  out.set(header, 0);
  let p = 64;
  for (const seg of segments) {
    out.set(seg, p);
    p += seg.length;
  }
  return out;
}

/**
 * The elements of makeImageElements without Pixel Data, built without computing any pixel
 * (a 65535 x 65535 header must not cost 8 GiB in the test process).
 */
export function imageHead(o: MakeImageOptions): WriterElement[] {
  return makeImageElements({ ...o, rows: 1, columns: 1, frames: o.frames === undefined ? undefined : 1 })
    .filter((e) => e.tag !== '7FE00010')
    .map((e) =>
      e.tag === '00280010' ? { ...e, value: o.rows } : e.tag === '00280011' ? { ...e, value: o.columns } : e.tag === '00280008' ? { ...e, value: String(o.frames) } : e,
    );
}

/** An image whose Pixel Data is `pixelData` verbatim whatever the header claims. */
export function imageWithPixelData(o: MakeImageOptions, pixelData: Uint8Array, transferSyntaxUid = TS_EXPLICIT_LE): Uint8Array {
  return writeDicom({
    transferSyntaxUid,
    elements: [...imageHead(o), { tag: '7FE00010', vr: o.bitsAllocated === 8 ? 'OB' : 'OW', value: pixelData }],
  });
}

/** An encapsulated image (PS3.5 A.4) with the given transfer syntax and one fragment per frame. */
export function encapsulatedImage(o: MakeImageOptions, transferSyntaxUid: string, frames: Uint8Array[], extra: WriterElement[] = []): Uint8Array {
  const elements = imageHead(o);
  const extraTags = new Set(extra.map((e) => e.tag));
  return writeDicom({
    transferSyntaxUid,
    elements: [
      ...elements.filter((e) => !extraTags.has(e.tag)),
      ...extra,
      { tag: '7FE00010', vr: 'OB', value: new Uint8Array(0), undefinedLength: true, fragments: frames },
    ],
  });
}

export interface NestOptions {
  depth: number;
  explicit: boolean;
  littleEndian: boolean;
  /** Close items and sequences with delimiters (false: a lying, unterminated nest). */
  terminated: boolean;
  /** Defined lengths instead of undefined lengths (always terminated then). */
  defined?: boolean;
  /** The SQ tag used at every level (default Request Attributes Sequence (0040,0275)). */
  tag?: [number, number];
}

/**
 * Bytes of one sequence element nested `depth` levels deep (SQ > item > SQ > item > ...), the
 * innermost item holding one short LO element.
 */
export function nestedSequence(o: NestOptions): Uint8Array {
  const le = o.littleEndian;
  const [g, e] = o.tag ?? [0x0040, 0x0275];
  const u16 = (v: number) => {
    const b = Buffer.alloc(2);
    if (le) b.writeUInt16LE(v);
    else b.writeUInt16BE(v);
    return b;
  };
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    if (le) b.writeUInt32LE(v >>> 0);
    else b.writeUInt32BE(v >>> 0);
    return b;
  };
  const tagBytes = (gg: number, ee: number) => Buffer.concat([u16(gg), u16(ee)]);
  const UNDEF = 0xffffffff;
  const sqHeader = (len: number) =>
    o.explicit ? Buffer.concat([tagBytes(g, e), Buffer.from('SQ'), Buffer.alloc(2), u32(len)]) : Buffer.concat([tagBytes(g, e), u32(len)]);
  const leaf = o.explicit
    ? Buffer.concat([tagBytes(0x0010, 0x1000), Buffer.from('LO'), u16(4), Buffer.from('LEAF')])
    : Buffer.concat([tagBytes(0x0010, 0x1000), u32(4), Buffer.from('LEAF')]);
  const itemStart = (len: number) => Buffer.concat([tagBytes(0xfffe, 0xe000), u32(len)]);
  const itemEnd = Buffer.concat([tagBytes(0xfffe, 0xe00d), u32(0)]);
  const seqEnd = Buffer.concat([tagBytes(0xfffe, 0xe0dd), u32(0)]);

  if (o.defined) {
    let inner: Buffer = leaf;
    for (let d = 0; d < o.depth; d++) {
      const item = Buffer.concat([itemStart(inner.length), inner]);
      inner = Buffer.concat([sqHeader(item.length), item]);
    }
    return new Uint8Array(inner);
  }
  // Undefined lengths: build iteratively (no recursion, depth may be thousands).
  const parts: Buffer[] = [];
  for (let d = 0; d < o.depth; d++) parts.push(sqHeader(UNDEF), itemStart(UNDEF));
  parts.push(leaf);
  if (o.terminated) for (let d = 0; d < o.depth; d++) parts.push(itemEnd, seqEnd);
  return new Uint8Array(Buffer.concat(parts));
}

/** Splices `insert` into `bytes` at `at`. */
export function splice(bytes: Uint8Array, at: number, insert: Uint8Array, removeCount = 0): Uint8Array {
  const out = new Uint8Array(bytes.length - removeCount + insert.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(insert, at);
  out.set(bytes.subarray(at + removeCount), at + insert.length);
  return out;
}

/** A minimal baseline JPEG header (SOI, DQT, SOF0, DHT, SOS) claiming width x height, then EOI. */
export function jpegClaiming(width: number, height: number, components = 1, precision = 8, sof = 0xc0): Uint8Array {
  const b: number[] = [0xff, 0xd8];
  // DQT: one table of 64 ones.
  b.push(0xff, 0xdb, 0x00, 0x43, 0x00, ...new Array(64).fill(1));
  // SOFn
  const sofLen = 8 + components * 3;
  b.push(0xff, sof, sofLen >> 8, sofLen & 0xff, precision, height >> 8, height & 0xff, width >> 8, width & 0xff, components);
  for (let c = 0; c < components; c++) b.push(c + 1, 0x11, 0);
  // DHT: DC table 0 with one code of length 1 for symbol 0; AC table 0 likewise (EOB).
  const counts = [1, ...new Array(15).fill(0)];
  b.push(0xff, 0xc4, 0x00, 0x14, 0x00, ...counts, 0x00);
  b.push(0xff, 0xc4, 0x00, 0x14, 0x10, ...counts, 0x00);
  // SOS
  const sosLen = 6 + components * 2;
  b.push(0xff, 0xda, sosLen >> 8, sosLen & 0xff, components);
  for (let c = 0; c < components; c++) b.push(c + 1, 0x00);
  b.push(sof === 0xc3 ? 1 : 0, sof === 0xc3 ? 0 : 63, 0);
  // A little entropy-coded data (all zero bits: DC diff 0, EOB), then EOI.
  b.push(...new Array(64).fill(0), 0xff, 0xd9);
  return new Uint8Array(b);
}

/** A JPEG 2000 codestream (SOC, SIZ, COD, QCD, SOT, SOD, EOC) whose SIZ claims width x height. */
export function j2kClaiming(width: number, height: number, components = 1, bits = 8): Uint8Array {
  const b: number[] = [];
  const u16 = (v: number) => b.push((v >> 8) & 0xff, v & 0xff);
  const u32 = (v: number) => b.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  b.push(0xff, 0x4f); // SOC
  b.push(0xff, 0x51); // SIZ
  u16(38 + 3 * components);
  u16(0); // Rsiz
  u32(width);
  u32(height);
  u32(0);
  u32(0);
  u32(width); // one tile of the whole image
  u32(height);
  u32(0);
  u32(0);
  u16(components);
  for (let c = 0; c < components; c++) b.push(bits - 1, 1, 1);
  b.push(0xff, 0x52); // COD
  u16(12);
  b.push(0, 0, 0, 1, 0, 5, 4, 4, 0, 1); // LRCP, 1 layer, no MCT, 5 levels, 64x64 blocks, 5/3 reversible
  b.push(0xff, 0x5c); // QCD
  u16(4 + 3 * 5);
  b.push(0x40, ...new Array(16).fill(0x40));
  b.push(0xff, 0x90); // SOT
  u16(10);
  u16(0);
  u32(12 + 2 + 16);
  b.push(0, 1);
  b.push(0xff, 0x93); // SOD
  b.push(...new Array(16).fill(0));
  b.push(0xff, 0xd9); // EOC
  return new Uint8Array(b);
}

const ct = (frames?: number): MakeImageOptions => ({
  rows: 16,
  columns: 12,
  bitsAllocated: 16,
  bitsStored: 12,
  pixelRepresentation: 0,
  window: { center: 1000, width: 2000 },
  rescale: { slope: 1, intercept: -1024 },
  frames,
  pixel: (f, r, c) => (f * 97 + r * 250 + c * 31) & 0xfff,
});

const nestedSq = (depth: number): WriterElement => {
  let item: WriterElement[] = [{ tag: '00321060', vr: 'LO', value: 'LEAF DESCRIPTION' }];
  for (let d = 0; d < depth; d++) item = [{ tag: '00400275', vr: 'SQ', value: [item, [{ tag: '00400007', vr: 'LO', value: `level ${d}` }]], undefinedLength: d % 2 === 0 }];
  return item[0];
};

/** Writer-made bases for the fuzzer: every syntax and structure the service must survive. */
export function writerBases(): Array<{ name: string; bytes: Uint8Array }> {
  const rgb: MakeImageOptions = { rows: 6, columns: 7, bitsAllocated: 8, photometric: 'RGB', planarConfiguration: 1, pixel: (_f, r, c, s) => (r * 40 + c * 5 + s * 80) & 0xff };
  const mono8: MakeImageOptions = { rows: 9, columns: 10, bitsAllocated: 8, pixel: (_f, r, c) => (r * 20 + c) & 0xff };
  const rle8: MakeImageOptions = { ...mono8, frames: 2 };
  return [
    { name: 'writer: explicit LE, 16-bit, 2 frames', bytes: makeImageDicom({ ...ct(2) }) },
    { name: 'writer: implicit LE, 8-bit', bytes: makeImageDicom({ ...mono8, transferSyntaxUid: TS_IMPLICIT_LE }) },
    { name: 'writer: explicit BE, 16-bit signed', bytes: makeImageDicom({ ...ct(), pixelRepresentation: 1, transferSyntaxUid: TS_EXPLICIT_BE }) },
    { name: 'writer: deflated, 16-bit', bytes: makeImageDicom({ ...ct(), transferSyntaxUid: TS_DEFLATED_LE }) },
    { name: 'writer: RGB planar', bytes: makeImageDicom(rgb) },
    {
      name: 'writer: nested undefined-length sequences',
      bytes: makeImageDicom({ ...mono8, transferSyntaxUid: TS_IMPLICIT_LE, extra: [nestedSq(6)] }),
    },
    {
      name: 'writer: explicit nested sequences + modality LUT',
      bytes: makeImageDicom({
        ...ct(),
        rescale: undefined,
        extra: [
          nestedSq(4),
          {
            tag: '00283000',
            vr: 'SQ',
            value: [[
              { tag: '00283002', vr: 'US', value: [4096, 0, 16] },
              { tag: '00283004', vr: 'LO', value: 'HU' },
              { tag: '00283006', vr: 'OW', value: Array.from({ length: 4096 }, (_, i) => (i * 7) & 0xffff) },
            ]],
          },
        ],
      }),
    },
    { name: 'writer: RLE, 8-bit, 2 frames', bytes: encapsulatedImage(rle8, TS_RLE, [rleFrame(rle8, 0), rleFrame(rle8, 1)]) },
    { name: 'writer: JPEG baseline header', bytes: encapsulatedImage({ ...mono8, rows: 8, columns: 8 }, TS_JPEG_BASELINE, [jpegClaiming(8, 8)]) },
    { name: 'writer: JPEG 2000 header', bytes: encapsulatedImage({ ...mono8, rows: 8, columns: 8 }, TS_J2K, [j2kClaiming(8, 8)]) },
    { name: 'writer: no meta, implicit', bytes: writeDicom({ transferSyntaxUid: TS_IMPLICIT_LE, fileMeta: false, elements: makeImageElements({ ...mono8, transferSyntaxUid: TS_IMPLICIT_LE }) }) },
  ];
}

export { makeImageDicom, makeImageElements, makePixelBytes, writeDicom, deflateRawSync, TS_DEFLATED_LE, TS_EXPLICIT_BE, TS_EXPLICIT_LE, TS_IMPLICIT_LE };
export type { MakeImageOptions, WriterElement };
