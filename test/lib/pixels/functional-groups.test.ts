import { describe, expect, it } from 'vitest';
import { parseDicom } from '../../../lib/dicom/parse.js';
import { readImageInfo } from '../../../lib/pixels/image-info.js';
import { frameImageInfo, hasFunctionalGroups } from '../../../lib/pixels/functional-groups.js';
import { makeImageDicom } from '../../support/dicom-writer.js';

describe('functional groups (PS3.3 C.7.6.16)', () => {
  it('per-frame macros override shared ones, which override the top level', () => {
    const pvt = (slope: string, intercept: string) => ({
      tag: '00289145',
      vr: 'SQ',
      value: [[{ tag: '00281052', vr: 'DS', value: intercept }, { tag: '00281053', vr: 'DS', value: slope }]],
    });
    const voi = { tag: '00289132', vr: 'SQ', value: [[{ tag: '00281050', vr: 'DS', value: '40' }, { tag: '00281051', vr: 'DS', value: '400' }, { tag: '00281056', vr: 'CS', value: 'SIGMOID' }]] };
    const parsed = parseDicom(
      makeImageDicom({
        rows: 1,
        columns: 1,
        bitsAllocated: 16,
        frames: 2,
        rescale: { slope: 9, intercept: 9 },
        pixel: () => 0,
        extra: [
          { tag: '52009229', vr: 'SQ', value: [[pvt('1', '-1024'), voi]] },
          { tag: '52009230', vr: 'SQ', value: [[], [pvt('2', '-10')]] },
        ],
      }),
    );
    expect(hasFunctionalGroups(parsed)).toBe(true);
    const info = readImageInfo(parsed);
    expect(frameImageInfo(parsed, info, 0)).toMatchObject({ rescaleSlope: 1, rescaleIntercept: -1024, windows: [{ center: 40, width: 400 }], voiLutFunction: 'SIGMOID' });
    expect(frameImageInfo(parsed, info, 1)).toMatchObject({ rescaleSlope: 2, rescaleIntercept: -10, windows: [{ center: 40, width: 400 }] });
  });

  it('leaves objects without functional groups unchanged', () => {
    const parsed = parseDicom(makeImageDicom({ rows: 1, columns: 1, bitsAllocated: 8, pixel: () => 0 }));
    const info = readImageInfo(parsed);
    expect(frameImageInfo(parsed, info, 0)).toBe(info);
  });
});
