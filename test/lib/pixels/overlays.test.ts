import { describe, expect, it } from 'vitest';
import { parseDicom } from '../../../lib/dicom/parse.js';
import { readImageInfo } from '../../../lib/pixels/image-info.js';
import { decodeFrame } from '../../../lib/pixels/decoders.js';
import { burnInOverlays, readFrameCells, type OverlayPlane } from '../../../lib/pixels/overlays.js';
import { TS_EXPLICIT_BE, TS_IMPLICIT_LE, makeImageDicom, makeOverlayElements, makeRetiredOverlayElements, type MakeImageOptions, type WriterElement } from '../../support/dicom-writer.js';

const image = (extra: WriterElement[], o: Partial<MakeImageOptions> = {}) =>
  parseDicom(makeImageDicom({ rows: 4, columns: 6, bitsAllocated: 16, bitsStored: 12, pixel: () => 100, extra, ...o }));
const diagonal = (_f: number, r: number, c: number) => r === c;

describe('readImageInfo: overlay planes (PS3.3 C.9.2)', () => {
  it('has no overlays field when the image has none (the common case costs nothing)', () => {
    expect(readImageInfo(image([]))).not.toHaveProperty('overlays');
  });

  it('leaves frames undefined without Number of Frames in Overlay (the plane goes with every frame)', () => {
    expect(readImageInfo(image(makeOverlayElements({ rows: 2, columns: 2, bit: diagonal }))).overlays![0]).not.toHaveProperty('frames');
  });

  it('describes an Overlay Data plane: size, type, 0-based origin, frames', () => {
    const info = readImageInfo(image(makeOverlayElements({ group: 0x6002, rows: 3, columns: 2, origin: [-1, 5], type: 'R', frames: 2, imageFrameOrigin: 3, bit: diagonal })));
    expect(info.overlays).toHaveLength(1);
    expect(info.overlays![0]).toMatchObject({ group: 0x6002, rows: 3, columns: 2, type: 'R', originRow: -2, originColumn: 4, frames: 2, imageFrameOrigin: 3 });
    expect(info.overlays![0].source.kind).toBe('data');
  });

  it('reads only the 16 even groups 6000-601E, and skips a plane without rows or columns', () => {
    const plane = (group: number) => makeOverlayElements({ group, rows: 2, columns: 2, bit: diagonal });
    const info = readImageInfo(image([...plane(0x601e), ...plane(0x6020), ...plane(0x6001)]));
    expect(info.overlays!.map((p) => p.group)).toEqual([0x601e]);
    const noRows = makeOverlayElements({ rows: 2, columns: 2, bit: diagonal }).map((e) => (e.tag === '60000010' ? { ...e, value: 0 } : e));
    expect(readImageInfo(image(noRows))).not.toHaveProperty('overlays');
  });

  it('recognises a retired in-pixel plane only in a bit outside Bits Stored', () => {
    const above = readImageInfo(image(makeRetiredOverlayElements({ rows: 4, columns: 6, bitsAllocated: 16, bitPosition: 15 })));
    expect(above.overlays![0].source).toEqual({ kind: 'pixel', bit: 15 });
    // Bit 11 is the stored value's High Bit: not an overlay.
    expect(readImageInfo(image(makeRetiredOverlayElements({ rows: 4, columns: 6, bitsAllocated: 16, bitPosition: 11 })))).not.toHaveProperty('overlays');
    // Overlay Bits Allocated must be the pixel cell size.
    expect(readImageInfo(image(makeRetiredOverlayElements({ rows: 4, columns: 6, bitsAllocated: 8, bitPosition: 15 })))).not.toHaveProperty('overlays');
  });

  it('masks the retired overlay bit out of the stored values (PS3.5 8.1.1)', async () => {
    const parsed = image(makeRetiredOverlayElements({ rows: 4, columns: 6, bitsAllocated: 16, bitPosition: 15 }), {
      pixel: (_f, r, c) => 4095 - c | (r === c ? 0x8000 : 0),
    });
    const values = Array.from((await decodeFrame(parsed, readImageInfo(parsed), 0)).values);
    expect(values.slice(0, 6)).toEqual([4095, 4094, 4093, 4092, 4091, 4090]);
    expect(Math.max(...values)).toBeLessThan(4096);
  });

  it('reads big endian OW Overlay Data in its 16-bit words (PS3.5 A.3)', () => {
    const o = { rows: 4, columns: 6, bit: (_f: number, r: number, c: number) => (r * 6 + c) % 5 === 0 };
    const le = readImageInfo(image(makeOverlayElements(o))).overlays![0].source;
    const be = readImageInfo(image(makeOverlayElements(o), { transferSyntaxUid: TS_EXPLICIT_BE })).overlays![0].source;
    expect(be.kind === 'data' && Array.from(be.bits)).toEqual(le.kind === 'data' && Array.from(le.bits));
  });
});

describe('burnInOverlays', () => {
  const plane = (p: Partial<OverlayPlane> & { bits: number[] }): OverlayPlane => {
    const bytes = new Uint8Array(Math.ceil(p.bits.length / 8));
    p.bits.forEach((b, i) => (bytes[i >> 3] |= b << (i & 7)));
    return { group: 0x6000, rows: 2, columns: 2, type: 'G', originRow: 0, originColumn: 0, frames: 1, imageFrameOrigin: 1, source: { kind: 'data', bits: bytes }, ...p };
  };
  const burn = (p: OverlayPlane, frameIndex = 0, channels = 1) => {
    const out = new Uint8Array(3 * 3 * channels);
    burnInOverlays(out, channels, { rows: 3, columns: 3 }, [p], frameIndex, 255);
    return Array.from(out);
  };

  it('sets overlay pixels to the value at the origin, clipping what falls outside the image', () => {
    expect(burn(plane({ bits: [1, 0, 0, 1], originRow: 1, originColumn: 1 }))).toEqual([0, 0, 0, 0, 255, 0, 0, 0, 255]);
    // Origin (-1, 2): only overlay row 1, column 0 lands on the image (row 0, column 2).
    expect(burn(plane({ bits: [1, 1, 1, 1], originRow: -1, originColumn: 2 }))).toEqual([0, 0, 255, 0, 0, 0, 0, 0, 0]);
    expect(burn(plane({ bits: [1, 1, 1, 1], originRow: 5, originColumn: -7 }))).toEqual(new Array(9).fill(0));
  });

  it('colours all samples of an RGB pixel', () => {
    expect(burn(plane({ bits: [1, 0, 0, 0] }), 0, 3).slice(0, 6)).toEqual([255, 255, 255, 0, 0, 0]);
  });

  it('draws overlay frame k on image frame Image Frame Origin + k (PS3.3 C.9.3), nothing elsewhere', () => {
    const p = plane({ bits: [1, 0, 0, 0, 0, 0, 0, 1], frames: 2, imageFrameOrigin: 2 });
    expect(burn(p, 0)).toEqual(new Array(9).fill(0));
    expect(burn(p, 1)[0]).toBe(255);
    expect(burn(p, 2)[4]).toBe(255);
    expect(burn(p, 3)).toEqual(new Array(9).fill(0));
  });

  it('without Number of Frames in Overlay, draws the one plane on every frame (as dcm2pnm)', () => {
    const p = plane({ bits: [1, 0, 0, 0], frames: undefined });
    for (const f of [0, 1, 5]) expect(burn(p, f)[0], `frame ${f}`).toBe(255);
  });

  it('skips a frame whose Overlay Data is too short instead of reading past it', () => {
    expect(burn(plane({ bits: [1, 1, 1], frames: 2 }), 1)).toEqual(new Array(9).fill(0));
  });
});

describe('overlay planes in other encodings', () => {
  it('reads the same plane from Implicit VR Little Endian (VRs from the dictionary)', () => {
    const o = { rows: 3, columns: 4, origin: [2, -1] as [number, number], bit: (_f: number, r: number, c: number) => (r + c) % 3 === 0 };
    const explicit = readImageInfo(image(makeOverlayElements(o))).overlays![0];
    const implicit = readImageInfo(image(makeOverlayElements(o), { transferSyntaxUid: TS_IMPLICIT_LE })).overlays![0];
    expect(implicit).toMatchObject({ rows: 3, columns: 4, originRow: 1, originColumn: -2 });
    expect(implicit.source.kind === 'data' && Array.from(implicit.source.bits)).toEqual(explicit.source.kind === 'data' && Array.from(explicit.source.bits));
  });

  it('reads the cells of 8-bit big endian OW Pixel Data in swapped byte pairs, for a retired plane', () => {
    const parsed = parseDicom(
      makeImageDicom({
        rows: 1,
        columns: 4,
        bitsAllocated: 8,
        bitsStored: 7,
        pixel: () => 0,
        transferSyntaxUid: TS_EXPLICIT_BE,
        extra: [...makeRetiredOverlayElements({ rows: 1, columns: 4, bitsAllocated: 8, bitPosition: 7 }), { tag: '7FE00010', vr: 'OW', value: new Uint8Array([0x81, 0, 3, 2]) }],
      }),
    );
    expect(Array.from(readFrameCells(parsed, 4, 8, 0))).toEqual([0, 0x81, 2, 3]);
  });
});
