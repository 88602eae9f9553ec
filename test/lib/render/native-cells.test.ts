import { describe, expect, it } from 'vitest';
import { parseDicom } from '../../../lib/dicom/parse.js';
import { readImageInfo } from '../../../lib/pixels/image-info.js';
import { extractNativeFrame } from '../../../lib/pixels/native-frame.js';
import { cellTable, nativeCells16 } from '../../../lib/render/native-cells.js';
import { renderPixels } from '../../../lib/render/render-frame.js';
import { TS_EXPLICIT_BE, makeImageDicom, type MakeImageOptions } from '../../support/dicom-writer.js';

/** A cell with garbage above High Bit and below the stored bits, so the mask and shift matter. */
const cell = (f: number, r: number, c: number) => ((f * 7919 + r * 131 + c * 977) * 2654435761) >>> 16;

const cases: Array<{ name: string; o: Omit<MakeImageOptions, 'pixel' | 'rows' | 'columns' | 'bitsAllocated'> }> = [
  { name: '14-bit unsigned MONOCHROME1', o: { bitsStored: 14, photometric: 'MONOCHROME1', window: { center: 8000, width: 9000 } } },
  { name: '12-bit unsigned, rescale', o: { bitsStored: 12, rescale: { slope: 2, intercept: -1000 }, window: { center: 1000, width: 3000 } } },
  { name: '12-bit signed', o: { bitsStored: 12, pixelRepresentation: 1, window: { center: 0, width: 2000 } } },
  { name: '12-bit signed, High Bit 13', o: { bitsStored: 12, highBit: 13, pixelRepresentation: 1, window: { center: -100, width: 1500 } } },
  { name: '10-bit unsigned, High Bit 15', o: { bitsStored: 10, highBit: 15, window: { center: 500, width: 600 } } },
  { name: '16-bit signed', o: { bitsStored: 16, pixelRepresentation: 1, rescale: { slope: 1, intercept: -1024 }, window: { center: 40, width: 400 } } },
  { name: '16-bit unsigned', o: { bitsStored: 16, window: { center: 30000, width: 20000 } } },
  { name: '14-bit, no window (min-max)', o: { bitsStored: 14 } },
];

describe('native cells rendered in place', () => {
  for (const { name, o } of cases) {
    for (const bitDepth of [8, 16] as const) {
      it(`${name}, ${bitDepth}-bit: the same pixels as decoding first (big endian file, decoded)`, async () => {
        const image = { ...o, rows: 5, columns: 7, bitsAllocated: 16 as const, frames: 2, pixel: cell };
        const le = parseDicom(makeImageDicom(image));
        const be = parseDicom(makeImageDicom({ ...image, transferSyntaxUid: TS_EXPLICIT_BE }));
        // The little-endian file takes the in-place path, the big-endian one cannot.
        expect(nativeCells16(le, readImageInfo(le), 1)).toBeDefined();
        expect(nativeCells16(be, readImageInfo(be), 1)).toBeUndefined();
        for (const frame of [1, 2]) {
          const a = await renderPixels(le, { frame, bitDepth });
          const b = await renderPixels(be, { frame, bitDepth });
          expect(Array.from(a.data)).toEqual(Array.from(b.data));
          expect(a.window).toEqual(b.window);
        }
      });
    }
  }

  it('decode() gives what the native decoder gives', () => {
    const p = parseDicom(makeImageDicom({ rows: 3, columns: 4, bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 1, frames: 2, pixel: cell }));
    const info = readImageInfo(p);
    const el = p.pixelElement!;
    const expected = extractNativeFrame(p.byteArray.subarray(el.dataOffset, el.dataOffset + el.length), info, 1, true);
    expect(Array.from(nativeCells16(p, info, 1)!.decode())).toEqual(Array.from(expected));
  });

  it('is not used for a truncated frame (the decoder reports it)', () => {
    const bytes = makeImageDicom({ rows: 4, columns: 4, bitsAllocated: 16, bitsStored: 12, pixel: cell });
    const p = parseDicom(bytes);
    const info = readImageInfo(p);
    expect(nativeCells16(p, { ...info, rows: 8 }, 0)).toBeUndefined();
    expect(nativeCells16(p, info, 1)).toBeUndefined();
  });
});

describe('cellTable', () => {
  it('maps every 16-bit cell to the entry of its stored value', () => {
    for (const [bitsStored, highBit, pixelRepresentation] of [
      [12, 11, 0],
      [12, 11, 1],
      [14, 15, 0],
      [13, 14, 1],
      [16, 15, 1],
      [16, 15, 0],
      [1, 0, 0],
    ] as const) {
      const size = 1 << bitsStored;
      const table = new Uint16Array(size).map((_, i) => (i * 40503) & 0xffff);
      const out = cellTable(table, { bitsStored, highBit, pixelRepresentation });
      const shift = highBit - bitsStored + 1;
      for (let c = 0; c < 0x10000; c++) {
        let v = (c >> shift) & (size - 1);
        if (pixelRepresentation === 1 && v >= size / 2) v -= size;
        const lowest = pixelRepresentation === 1 ? -size / 2 : 0;
        if (out[c] !== table[v - lowest]) throw new Error(`bits ${bitsStored}/${highBit}/${pixelRepresentation}: cell ${c}`);
      }
    }
  });

  it('keeps the output type and refuses a table of the wrong length', () => {
    expect(cellTable(new Uint8Array(4096), { bitsStored: 12, highBit: 11, pixelRepresentation: 0 })).toBeInstanceOf(Uint8Array);
    expect(() => cellTable(new Uint8Array(100), { bitsStored: 12, highBit: 11, pixelRepresentation: 0 })).toThrow();
  });
});
