import { describe, expect, it } from 'vitest';
import { deflateRawSync } from 'node:zlib';
import { parseDicom } from '../../../lib/dicom/parse.js';
import { readImageInfo } from '../../../lib/pixels/image-info.js';
import { DECODERS, decodeFrame, decoderFor, withinBitsStored } from '../../../lib/pixels/decoders.js';
import {
  NATIVE_TRANSFER_SYNTAXES,
  TRANSFER_SYNTAXES,
  TS,
  isBigEndian,
  isDeflatedDataSet,
  isEncapsulated,
  isImplicitVr,
  transferSyntaxName,
  type DecoderId,
  type TransferSyntax,
} from '../../../lib/dicom/transfer-syntax.js';
import { DomainError } from '../../../lib/errors.js';
import { makeImageElements, writeDicom } from '../../support/dicom-writer.js';
import { encodeRleFrame } from './codecs/fixtures.js';

/**
 * A 2 x 2 MONOCHROME2 object in `uid` holding 1 2 3 4: 8-bit `fragments` (encapsulated), or
 * native 16-bit (so that byte order shows).
 */
function objectIn(uid: string, fragments?: Uint8Array[]) {
  const bitsAllocated = fragments ? 8 : 16;
  const elements = makeImageElements({ rows: 2, columns: 2, bitsAllocated, transferSyntaxUid: uid, pixel: (_f, r, c) => 1 + r * 2 + c }).map((e) =>
    e.tag === '7FE00010' && fragments ? { ...e, value: new Uint8Array(0), fragments, undefinedLength: true } : e,
  );
  const parsed = parseDicom(writeDicom({ transferSyntaxUid: uid, elements }));
  return { parsed, info: readImageInfo(parsed) };
}

const bytes = (...b: number[]) => new Uint8Array(b);
/** A JPEG stream up to its first scan: SOI, a 1 x 1 one-component frame header `sof` of `precision` bits, SOS. */
const jpegHeaderOnly = (sof: number, precision: number) =>
  bytes(0xff, 0xd8, 0xff, sof, 0, 11, precision, 0, 1, 0, 1, 1, 1, 0x11, 0, 0xff, 0xda, 0, 8, 1, 1, 0, 0, 0x3f, 0, 0, 0xff, 0xd9);
/** A JPEG 2000 main header (SOC, SIZ of a 1 x 1 8-bit greyscale image, SOT). */
const j2kHeaderOnly = bytes(0xff, 0x4f, 0xff, 0x51, 0, 41, 0, 0, ...[1, 1, 0, 0, 1, 1, 0, 0].flatMap((v) => [0, 0, 0, v]), 0, 1, 7, 1, 1, 0xff, 0x90, 0, 10);

/**
 * What decoding a 2 x 2 frame of a syntax through `decodeFrame` must show for each decoder id:
 * the pixels, or (for the WebAssembly codecs, which need a real encoder to feed) the codec's
 * own refusal of a stream whose frame header is 1 x 1, which names the codec.
 */
const BEHAVIOUR = {
  native: async (ts) => expect(Array.from((await decode(ts.uid)).values)).toEqual([1, 2, 3, 4]),
  nativeBigEndian: async (ts) => expect(Array.from((await decode(ts.uid)).values)).toEqual([1, 2, 3, 4]),
  encapsulatedUncompressed: async (ts) => expect(Array.from((await decode(ts.uid, [bytes(1, 2, 3, 4)])).values)).toEqual([1, 2, 3, 4]),
  deflatedImageFrame: async (ts) => expect(Array.from((await decode(ts.uid, [new Uint8Array(deflateRawSync(bytes(1, 2, 3, 4)))])).values)).toEqual([1, 2, 3, 4]),
  rle: async (ts) => expect(Array.from((await decode(ts.uid, [encodeRleFrame([1, 2, 3, 4], 1, 1)])).values)).toEqual([1, 2, 3, 4]),
  // The frame header picks the decoder whatever the JPEG syntax: lossless, 12-bit DCT, and
  // (named before any WASM runs) a 16-bit DCT stream no decoder takes.
  jpeg: async (ts) => {
    await expect(decode(ts.uid, [jpegHeaderOnly(0xc3, 8)])).rejects.toThrow(/^The JPEG lossless bitstream is 1 x 1/);
    await expect(decode(ts.uid, [jpegHeaderOnly(0xc1, 12)])).rejects.toThrow(/^The 12-bit JPEG extended sequential DCT \(SOF1\) bitstream is 1 x 1/);
    await expect(decode(ts.uid, [jpegHeaderOnly(0xc1, 16)])).rejects.toThrow(/^The JPEG DCT stream has a sample precision of 16/);
  },
  jpegLs: async (ts) => {
    await expect(decode(ts.uid, [jpegHeaderOnly(0xc3, 8)])).rejects.toThrow(/^The JPEG-LS frame has no JPEG-LS frame header \(SOF55 FFF7\)/);
  },
  jpeg2000: async (ts) => expect(decode(ts.uid, [j2kHeaderOnly])).rejects.toThrow(/^The JPEG 2000 bitstream is 1 x 1/),
  htj2k: async (ts) => expect(decode(ts.uid, [j2kHeaderOnly])).rejects.toThrow(/^The HTJ2K bitstream is 1 x 1/),
} satisfies Record<DecoderId, (ts: TransferSyntax) => Promise<void>>;

async function decode(uid: string, fragments?: Uint8Array[]) {
  const { parsed, info } = objectIn(uid, fragments);
  return decodeFrame(parsed, info, 0);
}

/** What each decoder id's rows are called in PS3.6 Table A-1, so a row cannot name the wrong decoder. */
const NAMED = {
  native: /^(Implicit|Explicit|Deflated Explicit) VR Little Endian$/,
  nativeBigEndian: /^Explicit VR Big Endian$/,
  encapsulatedUncompressed: /^Encapsulated Uncompressed/,
  deflatedImageFrame: /^Deflated Image Frame Compression$/,
  rle: /^RLE Lossless$/,
  jpeg: /^JPEG (Baseline|Extended|Spectral Selection|Full Progression|Lossless)/,
  jpegLs: /^JPEG-LS /,
  jpeg2000: /^JPEG 2000/,
  htj2k: /^High-Throughput JPEG 2000/,
} satisfies Record<DecoderId, RegExp>;

describe('transfer syntax table -> frame decoder', () => {
  for (const ts of TRANSFER_SYNTAXES) {
    it(`${ts.uid} ${ts.name} decodes through the ${ts.decoder} decoder`, async () => {
      expect(ts.name).toMatch(NAMED[ts.decoder]);
      expect(decoderFor(ts.uid)).toBe(DECODERS[ts.decoder]);
      await BEHAVIOUR[ts.decoder](ts);
    });
  }

  it('holds each UID and keyword once, and TS names the rows of its keywords', () => {
    expect(new Set(TRANSFER_SYNTAXES.map((ts) => ts.uid)).size).toBe(TRANSFER_SYNTAXES.length);
    expect(new Set(TRANSFER_SYNTAXES.map((ts) => ts.keyword)).size).toBe(TRANSFER_SYNTAXES.length);
    for (const [keyword, uid] of Object.entries(TS)) expect(TRANSFER_SYNTAXES.find((ts) => ts.uid === uid)?.keyword).toBe(keyword);
  });

  it('derives the encoding facts of PS3.5 from the rows', () => {
    const all = TRANSFER_SYNTAXES.map((ts) => ts.uid);
    // PS3.5 A.1 (implicit), A.3 (big endian, retired), A.5 (deflated data set); A.1-A.3 and A.5 are the native ones.
    expect(all.filter(isImplicitVr)).toEqual(['1.2.840.10008.1.2']);
    expect(all.filter(isBigEndian)).toEqual(['1.2.840.10008.1.2.2']);
    expect(all.filter(isDeflatedDataSet)).toEqual(['1.2.840.10008.1.2.1.99']);
    expect([...NATIVE_TRANSFER_SYNTAXES].sort()).toEqual(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.2']);
    expect(all.filter(isEncapsulated).sort()).toEqual(all.filter((uid) => !NATIVE_TRANSFER_SYNTAXES.includes(uid)).sort());
    // An unknown syntax is read as Explicit VR Little Endian.
    for (const predicate of [isImplicitVr, isBigEndian, isDeflatedDataSet, isEncapsulated]) expect(predicate('1.2.3.4.5')).toBe(false);
    expect(transferSyntaxName('1.2.840.10008.1.2.4.80')).toBe('JPEG-LS Lossless');
  });

  it('refuses every other transfer syntax with UnsupportedTransferSyntax (422) naming UID and name', () => {
    for (const [uid, name] of [
      ['1.2.840.10008.1.2.4.100', 'unknown transfer syntax'],
      ['1.2.3.4.5', 'unknown transfer syntax'],
    ]) {
      try {
        decoderFor(uid);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(DomainError);
        expect((e as DomainError).code).toBe('UnsupportedTransferSyntax');
        expect((e as DomainError).status).toBe(422);
        expect((e as DomainError).message).toContain(uid);
        expect((e as DomainError).message).toContain(name);
        // The supported list is the table's.
        for (const ts of TRANSFER_SYNTAXES) expect((e as DomainError).message).toContain(`${ts.name} (${ts.uid})`);
      }
    }
  });

  it('refuses an unsupported encapsulated object end to end, naming the UID', async () => {
    const elements = makeImageElements({ rows: 2, columns: 2, bitsAllocated: 8, pixel: () => 0 }).map((e) =>
      e.tag === '7FE00010' ? { ...e, value: new Uint8Array([0, 0, 1, 0xb3]), undefinedLength: true } : e,
    );
    const parsed = parseDicom(writeDicom({ transferSyntaxUid: '1.2.840.10008.1.2.4.100', elements }));
    await expect(decodeFrame(parsed, readImageInfo(parsed), 0)).rejects.toThrow(/1\.2\.840\.10008\.1\.2\.4\.100 \(/);
  });

  it('decodes RLE Lossless through the codec table with a hand-made segment (PS3.5 Annex G)', async () => {
    // One segment: literal run of 4 bytes 1 2 3 4.
    const header = new Uint8Array(64);
    new DataView(header.buffer).setUint32(0, 1, true);
    new DataView(header.buffer).setUint32(4, 64, true);
    const fragment = new Uint8Array([...header, 3, 1, 2, 3, 4, 0x80]);
    const elements = makeImageElements({ rows: 2, columns: 2, bitsAllocated: 8, pixel: () => 0 }).map((e) =>
      e.tag === '7FE00010' ? { ...e, value: fragment, undefinedLength: true } : e,
    );
    const parsed = parseDicom(writeDicom({ transferSyntaxUid: '1.2.840.10008.1.2.5', elements }));
    const d = await decodeFrame(parsed, readImageInfo(parsed), 0);
    expect(Array.from(d.values)).toEqual([1, 2, 3, 4]);
    expect(d.photometric).toBe('MONOCHROME2');
  });

  it('decodes Deflated Image Frame Compression and Encapsulated Uncompressed frames (PS3.5 A.4.11, A.4.12)', async () => {
    const frames = [new Uint8Array([1, 2, 3, 4]), new Uint8Array([5, 6, 7, 8])];
    for (const [uid, encode] of [
      ['1.2.840.10008.1.2.8.1', (b: Uint8Array) => new Uint8Array(deflateRawSync(b))],
      ['1.2.840.10008.1.2.1.98', (b: Uint8Array) => b],
    ] as const) {
      const elements = makeImageElements({ rows: 2, columns: 2, bitsAllocated: 8, frames: 2, pixel: () => 0 }).map((e) =>
        e.tag === '7FE00010' ? { ...e, value: new Uint8Array(0), fragments: frames.map(encode), undefinedLength: true } : e,
      );
      const parsed = parseDicom(writeDicom({ transferSyntaxUid: uid, elements }));
      const info = readImageInfo(parsed);
      expect(Array.from((await decodeFrame(parsed, info, 1)).values), uid).toEqual([5, 6, 7, 8]);
    }
  });

  it('keeps codec output within Bits Stored (PS3.5 8.1.1): high bits cleared, sign from the high bit', () => {
    expect(Array.from(withinBitsStored(new Uint16Array([0x0fff, 0x1001]), 12, false))).toEqual([0x0fff, 1]);
    expect(Array.from(withinBitsStored(new Int16Array([0x3fff, 0x4000, -1]), 15, true))).toEqual([0x3fff, -0x4000, -1]);
    const inRange = new Int16Array([-5, 5]);
    expect(withinBitsStored(inRange, 12, true)).toBe(inRange);
  });

  it('refuses encapsulated pixel data under a native transfer syntax as MalformedDicom', async () => {
    const elements = makeImageElements({ rows: 2, columns: 2, bitsAllocated: 8, pixel: () => 0 }).map((e) =>
      e.tag === '7FE00010' ? { ...e, value: new Uint8Array([1, 2, 3, 4]), undefinedLength: true } : e,
    );
    const parsed = parseDicom(writeDicom({ elements }));
    try {
      await decodeFrame(parsed, readImageInfo(parsed), 0);
      expect.unreachable();
    } catch (e) {
      expect((e as DomainError).code).toBe('MalformedDicom');
      expect((e as DomainError).message).toMatch(/encapsulated/);
    }
  });
});
