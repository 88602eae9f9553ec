import { describe, expect, it } from 'vitest';
import { encapsulatedFrame } from '../../../../lib/pixels/encapsulated.js';
import { fragmentOffsets, parsedWithFragments } from './fixtures.js';

const bytes = (...v: number[]) => new Uint8Array(v);
// Fragments shaped like JPEG frames: SOI ... EOI (even lengths, padded with 00 where odd).
const jpegA1 = bytes(0xff, 0xd8, 1, 2);
const jpegA2 = bytes(3, 4, 0xff, 0xd9);
const jpegB = bytes(0xff, 0xd8, 5, 0xff, 0xd9, 0x00);
const jpegC1 = bytes(0xff, 0xd8, 6, 7);
const jpegC2 = bytes(8, 9, 0xff, 0xd9);

describe('encapsulatedFrame (PS3.5 A.4)', () => {
  it('single frame spanning all fragments, no offset table', () => {
    const parsed = parsedWithFragments([jpegA1, jpegA2]);
    expect(Array.from(encapsulatedFrame(parsed, 0, 1))).toEqual([...jpegA1, ...jpegA2]);
  });

  it('one fragment per frame without a Basic Offset Table', () => {
    const parsed = parsedWithFragments([jpegB, jpegA2, jpegC2], { frames: 3 });
    expect(Array.from(encapsulatedFrame(parsed, 1, 3))).toEqual(Array.from(jpegA2));
    expect(Array.from(encapsulatedFrame(parsed, 2, 3))).toEqual(Array.from(jpegC2));
  });

  it('with a Basic Offset Table, frames over several fragments are concatenated', () => {
    const frags = [jpegA1, jpegA2, jpegB, jpegC1, jpegC2];
    const off = fragmentOffsets(frags);
    const parsed = parsedWithFragments(frags, { frames: 3, bot: [off[0], off[2], off[3]] });
    expect(Array.from(encapsulatedFrame(parsed, 0, 3))).toEqual([...jpegA1, ...jpegA2]);
    expect(Array.from(encapsulatedFrame(parsed, 1, 3))).toEqual(Array.from(jpegB));
    expect(Array.from(encapsulatedFrame(parsed, 2, 3))).toEqual([...jpegC1, ...jpegC2]);
  });

  it('without an offset table, boundaries come from EOI markers (trailing 00 padding allowed)', () => {
    const parsed = parsedWithFragments([jpegA1, jpegA2, jpegB, jpegC1, jpegC2], { frames: 3 });
    expect(Array.from(encapsulatedFrame(parsed, 0, 3))).toEqual([...jpegA1, ...jpegA2]);
    expect(Array.from(encapsulatedFrame(parsed, 1, 3))).toEqual(Array.from(jpegB));
    expect(Array.from(encapsulatedFrame(parsed, 2, 3))).toEqual([...jpegC1, ...jpegC2]);
  });

  it('without an offset table, J2K frames split at SOC when EOC is missing', () => {
    const soc = (n: number) => bytes(0xff, 0x4f, 0xff, 0x51, n, 0);
    const parsed = parsedWithFragments([soc(1), bytes(2, 2), soc(3), bytes(4, 4)], { frames: 2 });
    expect(Array.from(encapsulatedFrame(parsed, 1, 2))).toEqual([...soc(3), 4, 4]);
  });

  it('with an Extended Offset Table (7FE0,0001)/(7FE0,0002)', () => {
    const frags = [jpegB, jpegC1, jpegA1];
    const off = fragmentOffsets(frags);
    const parsed = parsedWithFragments(frags, { frames: 3, eot: { offsets: off, lengths: [6, 4, 3] } });
    expect(Array.from(encapsulatedFrame(parsed, 1, 3))).toEqual(Array.from(jpegC1));
    // The length can be shorter than the (padded) fragment.
    expect(Array.from(encapsulatedFrame(parsed, 2, 3))).toEqual([0xff, 0xd8, 1]);
  });

  it.each([
    ['BOT offset outside the data', () => parsedWithFragments([jpegB, jpegB], { frames: 2, bot: [0, 4000] })],
    ['BOT offset not at a fragment', () => parsedWithFragments([jpegB, jpegB], { frames: 2, bot: [0, 3] })],
    ['BOT with fewer entries than frames', () => parsedWithFragments([jpegB, jpegB, jpegB], { frames: 3, bot: [0, 14] })],
    ['BOT not increasing', () => parsedWithFragments([jpegB, jpegB], { frames: 2, bot: [14, 0] })],
    ['EOT offset outside the data', () => parsedWithFragments([jpegB, jpegB], { frames: 2, eot: { offsets: [0, 1 << 40], lengths: [6, 6] } })],
    ['EOT length past the fragments', () => parsedWithFragments([jpegB, jpegB], { frames: 2, eot: { offsets: [0, 14], lengths: [6, 600] } })],
    ['EOT entries not matching frames', () => parsedWithFragments([jpegB, jpegB], { frames: 2, eot: { offsets: [0], lengths: [6] } })],
    ['no table and fragments that cannot be split', () => parsedWithFragments([bytes(1, 2), bytes(3, 4), bytes(5, 6)], { frames: 2 })],
  ])('%s -> MalformedDicom', (_name, make) => {
    const parsed = make();
    const frames = Number(parsed.dataSet.string('x00280008'));
    expect(() => {
      for (let f = 0; f < frames; f++) encapsulatedFrame(parsed, f, frames);
    }).toThrow(expect.objectContaining({ code: 'MalformedDicom' }));
  });

  it('a fragment whose length runs past the end of the file -> MalformedDicom', () => {
    const parsed = parsedWithFragments([jpegB]);
    // Cut the delimiter and half of the fragment off.
    const cut = parsed.byteArray.subarray(0, parsed.byteArray.length - 11);
    const broken = { ...parsed, byteArray: cut };
    expect(() => encapsulatedFrame(broken, 0, 1)).toThrow(expect.objectContaining({ code: 'MalformedDicom' }));
  });

  it('frame index out of range -> FrameNotFound; native pixel data -> MalformedDicom', () => {
    const parsed = parsedWithFragments([jpegB]);
    expect(() => encapsulatedFrame(parsed, 1, 1)).toThrow(expect.objectContaining({ code: 'FrameNotFound' }));
    const native = { ...parsed, pixelElement: { ...parsed.pixelElement!, encapsulatedPixelData: false, fragments: undefined } };
    expect(() => encapsulatedFrame(native, 0, 1)).toThrow(expect.objectContaining({ code: 'MalformedDicom' }));
  });
});
