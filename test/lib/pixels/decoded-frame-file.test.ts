import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeDecodedFrame, encodeDecodedFrame, readDecodedFrame } from '../../../lib/pixels/decoded-frame-file.js';
import { parseDicom } from '../../../lib/dicom/parse.js';
import { vrLookup } from '../../../lib/dicom/dictionary.js';
import { makeImageDicom } from '../../support/dicom-writer.js';

const samples = (n: number) => Array.from({ length: n }, (_, i) => ((i * 7919) % 4001) - 1000);

describe('the decoded frame file', () => {
  const kinds = [
    new Uint8Array(samples(300).map((v) => v & 0xff)),
    new Int8Array(samples(300).map((v) => (v % 128) | 0)),
    new Uint16Array(samples(300).map((v) => v + 1000)),
    new Int16Array(samples(300)),
    new Int32Array(samples(300).map((v) => v * 40000)),
    new Uint32Array(samples(300).map((v) => (v + 1000) * 70000)),
    new Float32Array(samples(300).map((v) => v / 3)),
    new Float64Array(samples(300).map((v) => v / 7)),
  ];
  it.each(kinds.map((values) => [values.constructor.name, values] as const))('gives back %s samples and the photometric exactly', (_name, values) => {
    const file = encodeDecodedFrame({ values, photometric: 'MONOCHROME2' });
    expect(file).toBeDefined();
    const back = decodeDecodedFrame(file!, values.length);
    expect(back?.photometric).toBe('MONOCHROME2');
    expect(back?.values.constructor).toBe(values.constructor);
    expect(Array.from(back!.values)).toEqual(Array.from(values));
  });

  it('is refused unless it holds exactly the samples expected, in a file of this layout', () => {
    const values = new Int16Array(samples(64));
    const file = encodeDecodedFrame({ values, photometric: 'RGB' })!;
    expect(decodeDecodedFrame(file, 63)).toBeUndefined();
    expect(decodeDecodedFrame(file, 65)).toBeUndefined();
    const badMagic = file.slice();
    badMagic[0] = 0x58;
    expect(decodeDecodedFrame(badMagic, 64)).toBeUndefined();
    const badVersion = file.slice();
    badVersion[4] = 2;
    expect(decodeDecodedFrame(badVersion, 64)).toBeUndefined();
    const badKind = file.slice();
    badKind[5] = 99;
    expect(decodeDecodedFrame(badKind, 64)).toBeUndefined();
    for (const cut of [0, 5, 11, 16, 19, file.length - 3]) expect(decodeDecodedFrame(file.subarray(0, cut), 64)).toBeUndefined();
    const noisy = file.slice();
    for (let i = 20; i < noisy.length; i += 3) noisy[i] ^= 0x5a;
    expect(decodeDecodedFrame(noisy, 64)).toBeUndefined();
  });

  it('inflates no more than the expected frame, however much the body would inflate to', () => {
    const header = encodeDecodedFrame({ values: new Uint8Array(16), photometric: '' })!.subarray(0, 16);
    const bomb = deflateRawSync(new Uint8Array(64 * 1024 * 1024));
    const file = new Uint8Array(header.length + bomb.length);
    file.set(header);
    file.set(bomb, header.length);
    expect(decodeDecodedFrame(file, 16)).toBeUndefined();
  });

  it('is read for a frame of the data set only when its size is the frame\'s', () => {
    const parsed = parseDicom(makeImageDicom({ rows: 4, columns: 5, bitsAllocated: 16, pixel: (_f, r, c) => r * 5 + c }), { vrLookup });
    const right = encodeDecodedFrame({ values: new Uint16Array(20).map((_, i) => i), photometric: 'MONOCHROME2' })!;
    expect(Array.from(readDecodedFrame(parsed, right, 0)!.values)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(readDecodedFrame(parsed, right, 1)).toBeUndefined(); // one frame only
    const wrong = encodeDecodedFrame({ values: new Uint16Array(21), photometric: 'MONOCHROME2' })!;
    expect(readDecodedFrame(parsed, wrong, 0)).toBeUndefined();
  });
});
