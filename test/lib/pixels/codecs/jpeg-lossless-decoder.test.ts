/**
 * The lossless JPEG decoder (ISO 10918-1 Annex H): round trips through the test encoder
 * (test/support/jpeg-lossless-encoder.ts) compared sample for sample, hostile streams, and,
 * with the corpus, every .57/.70 file against jpeg-lossless-decoder-js and the dcmtk reference.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../../lib/errors.js';
import { parseDicom } from '../../../../lib/dicom/parse.js';
import { encapsulatedFrame } from '../../../../lib/pixels/encapsulated.js';
import { readImageInfo } from '../../../../lib/pixels/image-info.js';
import { decodeLosslessJpeg, LosslessJpegError } from '../../../../lib/pixels/codecs/jpeg-lossless-decoder.js';
import { decodeJpeg } from '../../../../lib/pixels/codecs/jpeg.js';
import { readJpegHeader } from '../../../../lib/pixels/codecs/jpeg-markers.js';
import { corpusAvailable, corpusPath, loadManifest } from '../../../support/corpus.js';
import { encodeLosslessJpeg, type LosslessEncodeOptions } from '../../../support/jpeg-lossless-encoder.js';
import { asReferenceBytes, decodeCorpusFile, loadReference, sha256 } from './corpus-helpers.js';
import { frameInfo } from './fixtures.js';

const JPEG_LOSSLESS_SV1 = '1.2.840.10008.1.2.4.70';

/** A deterministic pseudo-random generator (LCG) so failures reproduce. */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

/** A smooth picture with noise and a few edges (full range too when `wild`), each sample < 2^precision. */
function picture(width: number, height: number, components: number, precision: number, seed: number, wild = false): number[] {
  const r = rng(seed);
  const max = 2 ** precision - 1;
  const out: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < components; c++) {
        const smooth = ((x * 7 + y * 3 + c * 11) / (width + height + 1)) * max;
        const v = wild ? r() * (max + 1) : smooth + (r() - 0.5) * Math.min(max, 40) + ((x + c) % 5 === 0 ? max / 3 : 0);
        out.push(Math.max(0, Math.min(max, Math.floor(v))));
      }
    }
  }
  return out;
}

/** The first index where the decoded samples differ from the expected ones, or -1. */
function firstMismatch(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Math.min(got.length, want.length);
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) return i;
  return -1;
}

function roundTrip(samples: number[], options: LosslessEncodeOptions): void {
  const stream = encodeLosslessJpeg(samples, options);
  const image = decodeLosslessJpeg(stream);
  expect([image.width, image.height, image.components, image.precision]).toEqual([options.width, options.height, options.components, options.precision]);
  expect(image.samples).toBeInstanceOf(options.precision > 8 ? Uint16Array : Uint8Array);
  const pt = options.pointTransform ?? 0;
  const want = samples.map((v) => (v >> pt) << pt);
  const at = firstMismatch(image.samples, want);
  expect(at, at < 0 ? '' : `sample ${at}: got ${image.samples[at]}, expected ${want[at]}`).toBe(-1);
}

describe('lossless JPEG round trips (test encoder -> decoder, every sample)', () => {
  for (const precision of [2, 8, 12, 16]) {
    for (let predictor = 1; predictor <= 7; predictor++) {
      it(`precision ${precision}, predictor ${predictor}`, () => {
        roundTrip(picture(23, 17, 1, precision, precision * 10 + predictor), { width: 23, height: 17, components: 1, precision, predictor });
        roundTrip(picture(11, 9, 1, precision, precision * 10 + predictor + 100, true), { width: 11, height: 9, components: 1, precision, predictor });
      });
    }
  }

  it('long Huffman codes (a fixed table with codes of 2 to 16 bits, beyond the direct look-up)', () => {
    for (const precision of [8, 16]) {
      roundTrip(picture(31, 13, 1, precision, 5, true), { width: 31, height: 13, components: 1, precision, predictor: 1, table: 'fixed' });
      roundTrip(picture(31, 13, 3, precision, 6), { width: 31, height: 13, components: 3, precision, predictor: 4, table: 'fixed' });
    }
  });

  it('point transform Pt > 0 (samples come out shifted left by Pt)', () => {
    for (const [precision, pt] of [
      [8, 1],
      [12, 3],
      [16, 4],
      [16, 15],
    ]) {
      for (const predictor of [1, 4, 7]) {
        roundTrip(picture(19, 11, 1, precision, pt * 7 + predictor), { width: 19, height: 11, components: 1, precision, predictor, pointTransform: pt });
      }
    }
    roundTrip(picture(9, 8, 3, 12, 77), { width: 9, height: 8, components: 3, precision: 12, predictor: 6, pointTransform: 2 });
  });

  it('restart intervals: one line, odd sample counts, every MCU; with fill bytes before the markers', () => {
    for (const restartInterval of [1, 5, 7, 13, 23, 46, 1000]) {
      for (const predictor of [1, 5, 7]) {
        roundTrip(picture(23, 9, 1, 12, restartInterval + predictor), { width: 23, height: 9, components: 1, precision: 12, predictor, restartInterval });
        roundTrip(picture(23, 9, 3, 8, restartInterval * 3 + predictor), { width: 23, height: 9, components: 3, precision: 8, predictor, restartInterval, fillBytes: true });
      }
    }
  });

  it('colour: 2, 3 and 4 components interleaved, per-component tables, DHT before SOF, one scan per component', () => {
    for (const precision of [8, 12, 16]) {
      for (const components of [2, 3, 4]) {
        const samples = picture(17, 12, components, precision, precision + components);
        roundTrip(samples, { width: 17, height: 12, components, precision, predictor: 1 });
        roundTrip(samples, { width: 17, height: 12, components, precision, predictor: 7, tablePerComponent: true, dhtBeforeSof: true });
        roundTrip(samples, { width: 17, height: 12, components, precision, predictor: 4, separateScans: true, tablePerComponent: true, restartInterval: 17 });
      }
    }
  });

  it('a difference of 32768 (SSSS = 16, no extra bits, H.1.2.2)', () => {
    // Alternating 0 and 32768: every difference is 32768 modulo 2^16.
    const samples = Array.from({ length: 40 }, (_, i) => (i % 2 ? 32768 : 0));
    roundTrip(samples, { width: 8, height: 5, components: 1, precision: 16, predictor: 1 });
    roundTrip(samples, { width: 8, height: 5, components: 1, precision: 16, predictor: 1, table: 'fixed' });
    roundTrip([0, 65535, 0, 65535, 32768, 0], { width: 3, height: 2, components: 1, precision: 16, predictor: 2 });
  });

  it('images of 1 x 1, 1 x N and N x 1', () => {
    for (const [width, height] of [
      [1, 1],
      [1, 37],
      [37, 1],
    ]) {
      for (const predictor of [1, 2, 3, 4, 5, 6, 7]) {
        roundTrip(picture(width, height, 1, 12, width * predictor), { width, height, components: 1, precision: 12, predictor });
        roundTrip(picture(width, height, 3, 8, height * predictor), { width, height, components: 3, precision: 8, predictor, restartInterval: 2 });
      }
    }
  });
});

describe('decodeJpeg with a lossless stream (the service path)', () => {
  it('decodes >8-bit colour (3 x 12 and 3 x 16 bits), which jpeg-lossless-decoder-js could not', async () => {
    for (const precision of [12, 16]) {
      const samples = picture(21, 14, 3, precision, precision);
      const stream = encodeLosslessJpeg(samples, { width: 21, height: 14, components: 3, precision, predictor: 1 });
      const info = frameInfo({ rows: 14, columns: 21, samplesPerPixel: 3, bitsAllocated: 16, bitsStored: precision, transferSyntaxUid: JPEG_LOSSLESS_SV1 });
      const frame = await decodeJpeg(stream, info);
      expect(frame.pixels).toBeInstanceOf(Uint16Array);
      expect(firstMismatch(frame.pixels, samples)).toBe(-1);
    }
  });

  it('8-bit samples into 8 or 16 bits allocated; signed samples are sign-extended from Bits Stored', async () => {
    const samples = picture(10, 6, 1, 8, 3, true);
    const stream = encodeLosslessJpeg(samples, { width: 10, height: 6, components: 1, precision: 8, predictor: 1 });
    const eight = await decodeJpeg(stream, frameInfo({ rows: 6, columns: 10, transferSyntaxUid: JPEG_LOSSLESS_SV1 }));
    expect(eight.pixels).toBeInstanceOf(Uint8Array);
    expect(firstMismatch(eight.pixels, samples)).toBe(-1);
    const sixteen = await decodeJpeg(stream, frameInfo({ rows: 6, columns: 10, bitsAllocated: 16, bitsStored: 8, transferSyntaxUid: JPEG_LOSSLESS_SV1 }));
    expect(sixteen.pixels).toBeInstanceOf(Uint16Array);
    expect(firstMismatch(sixteen.pixels, samples)).toBe(-1);
    const twelve = picture(10, 6, 1, 12, 4, true);
    const signedStream = encodeLosslessJpeg(twelve, { width: 10, height: 6, components: 1, precision: 12, predictor: 1 });
    const signed = await decodeJpeg(signedStream, frameInfo({ rows: 6, columns: 10, bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 1, transferSyntaxUid: JPEG_LOSSLESS_SV1 }));
    expect(signed.pixels).toBeInstanceOf(Int16Array);
    expect(firstMismatch(signed.pixels, twelve.map((v) => (v >= 2048 ? v - 4096 : v)))).toBe(-1);
  });
});

/** What the service path answers for a stream: 'decoded', a DomainError code, or a raw throw (a bug). */
async function outcome(stream: Uint8Array, info = frameInfo({ rows: 16, columns: 24, bitsAllocated: 16, bitsStored: 12, transferSyntaxUid: JPEG_LOSSLESS_SV1 })): Promise<string> {
  return decodeJpeg(stream, info).then(
    () => 'decoded',
    (e: unknown) => (e instanceof DomainError ? `${e.code}: ${e.message}` : `raw throw ${String(e)}`),
  );
}

/** The offset just after the SOS segment of a stream made by the test encoder. */
function afterSos(stream: Uint8Array): number {
  for (let i = 2; i + 3 < stream.length; i++) if (stream[i] === 0xff && stream[i + 1] === 0xda) return i + 2 + ((stream[i + 2] << 8) | stream[i + 3]);
  throw new Error('no SOS');
}

const withEoi = (bytes: Uint8Array): Uint8Array => new Uint8Array([...bytes, 0xff, 0xd9]);

describe('hostile lossless JPEG streams -> DomainError, quickly', () => {
  const samples = picture(24, 16, 1, 12, 99);
  const stream = encodeLosslessJpeg(samples, { width: 24, height: 16, components: 1, precision: 12, predictor: 1, restartInterval: 24 });

  it('the untouched stream decodes (the control)', async () => {
    expect(await outcome(stream)).toBe('decoded');
  });

  it('truncated at every byte (with and without an EOI after the cut)', async () => {
    const started = performance.now();
    for (let cut = 0; cut < stream.length - 2; cut++) {
      const cutStream = stream.subarray(0, cut);
      expect(await outcome(withEoi(cutStream)), `cut at ${cut}`).toMatch(/^MalformedDicom: /);
      expect(await outcome(cutStream), `cut at ${cut}`).toMatch(/^MalformedDicom: /);
      expect(() => decodeLosslessJpeg(withEoi(cutStream)), `cut at ${cut}`).toThrow(LosslessJpegError);
    }
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('random bytes after SOS: an invalid Huffman code, or too little data', async () => {
    const fixed = encodeLosslessJpeg(samples, { width: 24, height: 16, components: 1, precision: 12, predictor: 1, table: 'fixed' });
    for (let seed = 1; seed <= 30; seed++) {
      const r = rng(seed);
      const random = Uint8Array.from({ length: 200 }, () => Math.floor(r() * 256));
      // The fixed table leaves every code starting with a 1 bit unused.
      const bad = withEoi(new Uint8Array([...fixed.subarray(0, afterSos(fixed)), ...random]));
      expect(await outcome(bad), `seed ${seed}`).toMatch(/^MalformedDicom: .*(invalid Huffman code|truncated|restart)/);
      // With the optimal table every bit pattern is a code, but the stream declares a restart
      // every line and random bytes hold no RSTn where one is due (or run out first).
      const other = withEoi(new Uint8Array([...stream.subarray(0, afterSos(stream)), ...random]));
      expect(await outcome(other), `seed ${seed}`).toMatch(/^MalformedDicom: .*(restart|truncated|invalid Huffman code)/);
    }
  });

  it('random byte changes anywhere: a DomainError or a picture, never a raw throw', async () => {
    const r = rng(4242);
    for (let i = 0; i < 300; i++) {
      const bad = stream.slice();
      for (let k = 0; k < 3; k++) bad[Math.floor(r() * bad.length)] = Math.floor(r() * 256);
      expect(await outcome(bad), `mutation ${i}`).toMatch(/^(MalformedDicom: |UnsupportedPixelFormat: |decoded$)/);
    }
  });

  it('a scan whose Huffman table no DHT defined', async () => {
    const dht = stream.findIndex((b, i) => b === 0xff && stream[i + 1] === 0xc4);
    const dhtLength = 2 + ((stream[dht + 2] << 8) | stream[dht + 3]);
    const noDht = new Uint8Array([...stream.subarray(0, dht), ...stream.subarray(dht + dhtLength)]);
    expect(await outcome(noDht)).toMatch(/^MalformedDicom: .*Huffman table 0, which no DHT defined/);
  });

  it('an over-subscribed Huffman table (three 1-bit codes: not a prefix code)', async () => {
    const dht = stream.findIndex((b, i) => b === 0xff && stream[i + 1] === 0xc4);
    const bad = stream.slice();
    // BITS: three codes of length 1 and the rest at length 16, the same total (and segment length).
    let total = 0;
    for (let i = 0; i < 16; i++) total += stream[dht + 5 + i];
    bad.fill(0, dht + 5, dht + 21);
    bad[dht + 5] = 3;
    bad[dht + 20] = total - 3;
    expect(await outcome(bad)).toMatch(/^MalformedDicom: .*over-subscribed/);
    const table = new Uint8Array([0xff, 0xd8, 0xff, 0xc4, 0, 23, 0, 3, ...new Array(15).fill(0), 0, 1, 2, 0xff, 0xd9]);
    expect(() => decodeLosslessJpeg(table)).toThrow(/over-subscribed/);
  });

  it('a Huffman table whose symbols are not categories 0-16', async () => {
    const dht = stream.findIndex((b, i) => b === 0xff && stream[i + 1] === 0xc4);
    let total = 0;
    for (let i = 0; i < 16; i++) total += stream[dht + 5 + i];
    const bad = stream.slice();
    bad.fill(17, dht + 21, dht + 21 + total); // every symbol: category 17
    expect(await outcome(bad)).toMatch(/^MalformedDicom: .*category 17/);
  });

  it('a huge declared size with a tiny body is refused before the output is allocated', async () => {
    const huge = stream.slice();
    const sof = huge.findIndex((b, i) => b === 0xff && huge[i + 1] === 0xc3);
    huge.set([0xff, 0xff, 0xff, 0xff], sof + 5); // 65535 x 65535
    const started = performance.now();
    expect(() => decodeLosslessJpeg(huge)).toThrow(/cannot fit/);
    const info = frameInfo({ rows: 65535, columns: 65535, bitsAllocated: 16, bitsStored: 12, transferSyntaxUid: JPEG_LOSSLESS_SV1 });
    expect(await outcome(huge, info)).toMatch(/^MalformedDicom: .*cannot fit/);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('other frame types and bad headers are refused', () => {
    const sof = stream.findIndex((b, i) => b === 0xff && stream[i + 1] === 0xc3);
    const dct = stream.slice();
    dct[sof + 1] = 0xc1;
    expect(() => decodeLosslessJpeg(dct)).toThrow(LosslessJpegError);
    const badPredictor = stream.slice();
    badPredictor[afterSos(stream) - 3] = 8;
    expect(() => decodeLosslessJpeg(badPredictor)).toThrow(/predictor/);
    expect(() => decodeLosslessJpeg(new Uint8Array([0xff, 0xd8, 0xff, 0xd9]))).toThrow(/no frame header/);
  });
});

interface LosslessJs {
  Decoder: new () => { decode(buffer: ArrayBuffer, offset: number, length: number, numBytes: number): Uint8Array | Uint16Array };
}

/** jpeg-lossless-decoder-js misses the last sample when its read-ahead meets EOI: two slack bytes before EOI (what jpeg-lossless.ts used to do). */
function withSlackBeforeEoi(encoded: Uint8Array): Uint8Array {
  let end = encoded.length;
  while (end > 2 && !(encoded[end - 2] === 0xff && encoded[end - 1] === 0xd9) && [0x00, 0xff, 0x20].includes(encoded[end - 1])) end--;
  return new Uint8Array([...encoded.subarray(0, end - 2), 0, 0, 0xff, 0xd9]);
}

describe.skipIf(!corpusAvailable)(`every .57/.70 corpus file, every frame: the same samples as jpeg-lossless-decoder-js and dcmtk${corpusAvailable ? '' : ' (NOT RUN: ../shared/corpus not found)'}`, () => {
  const files = corpusAvailable ? loadManifest().files.filter((f) => f.transfer_syntax_uid === '1.2.840.10008.1.2.4.57' || f.transfer_syntax_uid === JPEG_LOSSLESS_SV1) : [];
  it('finds the lossless files', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });
  for (const file of files) {
    it(file.path, { timeout: 120_000 }, async () => {
      const parsed = parseDicom(new Uint8Array(readFileSync(corpusPath(file.path))));
      if (!parsed.pixelElement) {
        console.log(`${file.path}: no Pixel Data, nothing to decode`);
        return;
      }
      const image = readImageInfo(parsed);
      const { Decoder } = (await import('jpeg-lossless-decoder-js')) as unknown as LosslessJs;
      let comparedWithJs = 0;
      let ownDecodes = 0;
      for (let f = 0; f < image.numberOfFrames; f++) {
        const stream = encapsulatedFrame(parsed, f, image.numberOfFrames);
        // A DCT stream under a lossless UID goes to the DCT decoders (jpeg.ts decides by the frame header).
        if (readJpegHeader(stream).sof !== 0xc3) continue;
        const ours = decodeLosslessJpeg(stream);
        expect(ours.samples.length).toBe(image.rows * image.columns * image.samplesPerPixel);
        ownDecodes++;
        // jpeg-lossless-decoder-js writes only the first component of >8-bit colour.
        if (ours.components > 1 && ours.precision > 8) continue;
        const slack = withSlackBeforeEoi(stream);
        const theirs = new Decoder().decode(slack.buffer as ArrayBuffer, 0, slack.length, ours.precision > 8 ? 2 : 1);
        const at = firstMismatch(ours.samples, theirs.subarray(0, ours.samples.length));
        expect(at, `frame ${f} sample ${at}`).toBe(-1);
        comparedWithJs++;
      }
      // The service path (decodeJpeg) against dcmtk's decode, all frames.
      const reference = loadReference(file.path);
      let vsDcmtk = 'no dcmtk reference';
      if (reference) {
        const { frames } = await decodeCorpusFile(file.path);
        expect(sha256(asReferenceBytes(frames.map((fr) => fr.pixels), reference.ref.dtype))).toBe(reference.ref.sha256);
        vsDcmtk = 'identical to dcmtk';
      }
      console.log(`${file.path}: ${image.numberOfFrames} frame(s), ${ownDecodes} lossless (SOF3), ${comparedWithJs} identical to jpeg-lossless-decoder-js; ${vsDcmtk}`);
    });
  }
});
