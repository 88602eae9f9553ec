import { describe, expect, it } from 'vitest';
import { parseDicom } from '../../../lib/dicom/parse.js';
import { applyPalette, expandSegmented, readPalette } from '../../../lib/pixels/palette.js';
import { renderPixels } from '../../../lib/render/render-frame.js';
import { DomainError } from '../../../lib/errors.js';
import { makeImageDicom, type WriterElement } from '../../support/dicom-writer.js';

const words = (a: number[]) => new Uint16Array(a);

describe('Segmented Palette Color LUT Data (PS3.3 C.7.9.2)', () => {
  it('expands discrete, linear and indirect segments', () => {
    // discrete [0, 10], linear 4 steps to 50, indirect: copy 1 segment from word 0 (the discrete one).
    const seg = words([0, 2, 0, 10, 1, 4, 50, 2, 1, 0, 0]);
    expect(Array.from(expandSegmented(seg, 8, 'test'))).toEqual([0, 10, 20, 30, 40, 50, 0, 10]);
  });

  it('refuses malformed segment lists instead of guessing', () => {
    for (const bad of [
      [1, 2, 10], // linear first: no previous value
      [0, 5, 1, 2], // discrete runs past the data
      [7, 1, 0], // unknown opcode
      [0, 1, 5, 2, 1, 9, 0], // indirect pointing forward
    ]) {
      expect(() => expandSegmented(words(bad), 4, 'test'), JSON.stringify(bad)).toThrow(DomainError);
    }
    // Fewer entries than the descriptor declares.
    expect(() => expandSegmented(words([0, 2, 1, 2]), 4, 'test')).toThrow(/fewer than the 4/);
  });
});

const palette = (bits: 8 | 16, entries: [number[], number[], number[]], first = 0): WriterElement[] => [
  { tag: '00280004', vr: 'CS', value: 'PALETTE COLOR' },
  ...(['1101', '1102', '1103'] as const).map((t) => ({ tag: `0028${t}`, vr: 'US', value: [entries[0].length, first, bits] })),
  ...(['1201', '1202', '1203'] as const).map((t, i) => ({ tag: `0028${t}`, vr: 'OW', value: entries[i] })),
];

describe('PALETTE COLOR rendering (PS3.3 C.7.6.3.1.5)', () => {
  it('maps stored values through 16-bit tables, high byte for 8-bit output, clamping outside the table', async () => {
    const parsed = parseDicom(
      makeImageDicom({
        rows: 1,
        columns: 4,
        bitsAllocated: 8,
        pixel: (_f, _r, c) => [0, 1, 2, 9][c],
        extra: palette(16, [[0x0000, 0xff00, 0x8000], [0xffff, 0x0100, 0x0000], [0x1234, 0x5678, 0x9abc]], 1),
      }),
    );
    const p = readPalette(parsed, 0);
    expect(p.red.bits).toBe(16);
    const r = await renderPixels(parsed, { frame: 1, bitDepth: 8 });
    expect(r.channels).toBe(3);
    // stored 0 -> below first mapped (1) -> entry 0; 1 -> entry 0; 2 -> entry 1; 9 -> last entry.
    expect(Array.from(r.data)).toEqual([0x00, 0xff, 0x12, 0x00, 0xff, 0x12, 0xff, 0x01, 0x56, 0x80, 0x00, 0x9a]);
    const r16 = await renderPixels(parsed, { frame: 1, bitDepth: 16 });
    expect(Array.from(r16.data.subarray(6, 9))).toEqual([0xff00, 0x0100, 0x5678]);
  });

  it('treats a 16-bit descriptor over 8-bit values as 8-bit (as dcmtk and gdcm do)', () => {
    const parsed = parseDicom(makeImageDicom({ rows: 1, columns: 1, bitsAllocated: 8, pixel: () => 0, extra: palette(16, [[0, 200], [10, 20], [255, 1]]) }));
    const p = readPalette(parsed, 0);
    expect(p.green.bits).toBe(8);
    expect(Array.from(applyPalette([1], p, 8))).toEqual([200, 20, 1]);
    expect(Array.from(applyPalette([1], p, 16))).toEqual([200 * 257, 20 * 257, 257]);
  });
});
