import { describe, expect, it } from 'vitest';
import { readJ2kHeader } from '../../../../lib/pixels/codecs/j2k-codestream.js';
import { j2kReductionLevel } from '../../../../lib/pixels/codecs/jpeg2000.js';
import { encodeJ2k } from '../../../support/j2k-dicom.js';

const u16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];
const u32 = (v: number) => [(v >>> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];

/** SOC, SIZ (ISO 15444-1 A.5.1), the given segments, then SOT: a main header only. */
function mainHeader(o: { width?: number; height?: number; x0?: number; y0?: number; components?: number; sub?: [number, number]; segments?: number[][] }): Uint8Array {
  const c = o.components ?? 1;
  const comps = Array.from({ length: c }, (_, i) => [11, ...(i === c - 1 && o.sub ? o.sub : [1, 1])]).flat();
  const x0 = o.x0 ?? 0;
  const y0 = o.y0 ?? 0;
  const siz = [
    ...u16(0), // Rsiz
    ...u32((o.width ?? 512) + x0),
    ...u32((o.height ?? 384) + y0),
    ...u32(x0),
    ...u32(y0),
    ...u32(1024),
    ...u32(1024),
    ...u32(0),
    ...u32(0),
    ...u16(c),
    ...comps,
  ];
  return Uint8Array.from([0xff, 0x4f, 0xff, 0x51, ...u16(siz.length + 2), ...siz, ...(o.segments ?? []).flat(), 0xff, 0x90, 0, 10]);
}
/** COD (A.6.1): Scod 0, LRCP, 1 layer, `mct`, NL levels, 64 x 64 blocks, 5/3. */
const cod = (levels: number, mct = 0) => [0xff, 0x52, ...u16(12), 0, 0, ...u16(1), mct, levels, 4, 4, 0, 1];
/** COC (A.6.2) for component `c` (1-byte Ccoc), NL levels. */
const coc = (c: number, levels: number) => [0xff, 0x53, ...u16(9), c, 0, levels, 4, 4, 0, 1];

describe('readJ2kHeader: decomposition levels, origin and sub-sampling', () => {
  it('reads NL from COD (SPcod, A.6.1) and the MCT flag beside it', () => {
    const h = readJ2kHeader(mainHeader({ components: 3, segments: [cod(5, 1)] }));
    expect(h).toMatchObject({ width: 512, height: 384, components: 3, decompositionLevels: 5, mct: true, originX: 0, originY: 0, subsampled: false });
  });

  it('a COC giving a component fewer levels lowers it; one giving more does not', () => {
    expect(readJ2kHeader(mainHeader({ components: 3, segments: [cod(5), coc(2, 3)] })).decompositionLevels).toBe(3);
    expect(readJ2kHeader(mainHeader({ components: 3, segments: [cod(3), coc(1, 6)] })).decompositionLevels).toBe(3);
  });

  it('no COD: 0 levels (never reduced)', () => {
    expect(readJ2kHeader(mainHeader({})).decompositionLevels).toBe(0);
  });

  it('reports a non-zero image origin and a sub-sampled component (XRsiz / YRsiz, A.5.1)', () => {
    const h = readJ2kHeader(mainHeader({ x0: 3, y0: 5, segments: [cod(5)] }));
    expect(h).toMatchObject({ width: 512, height: 384, originX: 3, originY: 5, subsampled: false });
    expect(readJ2kHeader(mainHeader({ components: 3, sub: [2, 1], segments: [cod(5)] })).subsampled).toBe(true);
  });

  it('reads what OpenJPEG and OpenJPH encoders write', async () => {
    const pixel = (r: number, c: number) => (r * 7 + c) & 0xfff;
    for (const htj2k of [false, true]) {
      for (const levels of [2, 5]) {
        const stream = await encodeJ2k({ rows: 40, columns: 60, bitsStored: 12, pixel, htj2k, levels });
        expect(readJ2kHeader(stream)).toMatchObject({ width: 60, height: 40, decompositionLevels: levels, htj2k });
      }
    }
  });
});

describe('j2kReductionLevel', () => {
  const header = readJ2kHeader(mainHeader({ segments: [cod(4)] }));
  it.each([
    [undefined, 0],
    [0, 0],
    [3, 3],
    [4, 4],
    [9, 4],
  ])('asked %s -> %i (capped by the 4 levels)', (asked, level) => {
    expect(j2kReductionLevel(header, asked)).toBe(level);
  });
  it('0 when the origin is not 0 or a component is sub-sampled (the decoders would mis-size the LL band)', () => {
    expect(j2kReductionLevel(readJ2kHeader(mainHeader({ x0: 1, segments: [cod(4)] })), 3)).toBe(0);
    expect(j2kReductionLevel(readJ2kHeader(mainHeader({ components: 3, sub: [2, 2], segments: [cod(4)] })), 3)).toBe(0);
  });
});
