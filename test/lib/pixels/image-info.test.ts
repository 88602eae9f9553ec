import { describe, expect, it } from 'vitest';
import { parseDicom } from '../../../lib/dicom/parse.js';
import { readImageInfo } from '../../../lib/pixels/image-info.js';
import { DomainError } from '../../../lib/errors.js';
import {
  TS_EXPLICIT_BE,
  TS_IMPLICIT_LE,
  makeImageDicom,
  makeImageElements,
  writeDicom,
  type MakeImageOptions,
} from '../../support/dicom-writer.js';

const base: MakeImageOptions = { rows: 2, columns: 3, bitsAllocated: 16, pixel: () => 0 };
const info = (o: Partial<MakeImageOptions>) => readImageInfo(parseDicom(makeImageDicom({ ...base, ...o })));
const without = (tag: string, o: Partial<MakeImageOptions> = {}) =>
  parseDicom(writeDicom({ elements: makeImageElements({ ...base, ...o }).filter((e) => e.tag !== tag) }));

function expectDomainError(fn: () => unknown, code: string, text?: RegExp): DomainError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).code).toBe(code);
    if (text) expect((e as DomainError).message).toMatch(text);
    return e as DomainError;
  }
  throw new Error(`expected ${code}`);
}

describe('readImageInfo', () => {
  it('reads the Image Pixel, Modality LUT and VOI LUT attributes', () => {
    for (const transferSyntaxUid of [TS_IMPLICIT_LE, TS_EXPLICIT_BE]) {
      const i = info({
        transferSyntaxUid,
        bitsStored: 12,
        pixelRepresentation: 1,
        frames: 3,
        window: { center: [40, -600], width: [400, 1500], explanation: ['SOFT', 'LUNG'] },
        rescale: { slope: 2.5, intercept: -1024 },
        extra: [{ tag: '00281056', vr: 'CS', value: 'SIGMOID' }],
      });
      expect(i).toMatchObject({
        rows: 2,
        columns: 3,
        samplesPerPixel: 1,
        photometric: 'MONOCHROME2',
        planarConfiguration: 0,
        bitsAllocated: 16,
        bitsStored: 12,
        highBit: 11,
        pixelRepresentation: 1,
        numberOfFrames: 3,
        rescaleSlope: 2.5,
        rescaleIntercept: -1024,
        voiLutFunction: 'SIGMOID',
        transferSyntaxUid,
      });
      expect(i.windows).toEqual([
        { center: 40, width: 400, explanation: 'SOFT' },
        { center: -600, width: 1500, explanation: 'LUNG' },
      ]);
      expect(i.modalityLut).toBeUndefined();
    }
  });

  it('applies the defaults of absent optional attributes', () => {
    const i = info({ bitsAllocated: 8 });
    expect(i.numberOfFrames).toBe(1);
    expect(i.rescaleSlope).toBe(1);
    expect(i.rescaleIntercept).toBe(0);
    expect(i.windows).toEqual([]);
    expect(i.voiLutFunction).toBe('LINEAR');
  });

  it('reads RGB planar configuration', () => {
    const i = info({ bitsAllocated: 8, photometric: 'RGB', planarConfiguration: 1 });
    expect(i.samplesPerPixel).toBe(3);
    expect(i.planarConfiguration).toBe(1);
  });

  it('reads a Modality LUT Sequence (PS3.3 C.11.1.1), signed first mapped value', () => {
    const i = info({
      pixelRepresentation: 1,
      extra: [
        {
          tag: '00283000',
          vr: 'SQ',
          value: [
            [
              { tag: '00283002', vr: 'US', value: [3, 0xfffe, 16] }, // 3 entries starting at -2
              { tag: '00283006', vr: 'US', value: [100, 200, 300] },
            ],
          ],
        },
      ],
    });
    expect(i.modalityLut?.firstMapped).toBe(-2);
    expect(Array.from(i.modalityLut!.data)).toEqual([100, 200, 300]);
  });

  it('refuses objects without usable pixel data', () => {
    expectDomainError(() => readImageInfo(without('7FE00010')), 'NoPixelData');
    const empty = parseDicom(makeImageDicom({ ...base, extra: [{ tag: '7FE00010', vr: 'OW', value: new Uint8Array(0) }] }));
    expectDomainError(() => readImageInfo(empty), 'NoPixelData', /empty/);
    const float = parseDicom(
      writeDicom({
        elements: [...makeImageElements(base).filter((e) => e.tag !== '7FE00010'), { tag: '7FE00008', vr: 'OF', value: [1.5, 2.5] }],
      }),
    );
    // Float Pixel Data needs Bits Allocated 32 (PS3.3 C.7.6.24); base has 16.
    expectDomainError(() => readImageInfo(float), 'MalformedDicom', /requires Bits Allocated 32/);
  });

  it('reads Float / Double Float Pixel Data (no Bits Stored), the VOI LUT Sequence and Presentation LUT Shape', () => {
    const float = parseDicom(
      writeDicom({
        elements: [
          ...makeImageElements({ ...base, bitsAllocated: 32 }).filter((e) => !['7FE00010', '00280101', '00280102'].includes(e.tag)),
          { tag: '7FE00008', vr: 'OF', value: [1, 2, 3, 4, 5, 6] },
        ],
      }),
    );
    expect(readImageInfo(float)).toMatchObject({ floatBits: 32, bitsAllocated: 32, bitsStored: 32 });
    const i = info({
      extra: [
        {
          tag: '00283010',
          vr: 'SQ',
          value: [
            [
              { tag: '00283002', vr: 'US', value: [3, 10, 12] },
              { tag: '00283003', vr: 'LO', value: 'FIRST' },
              { tag: '00283006', vr: 'US', value: [0, 2048, 4095] },
            ],
            [
              { tag: '00283002', vr: 'US', value: [2, 0, 8] },
              { tag: '00283006', vr: 'US', value: [0, 255] },
            ],
          ],
        },
        { tag: '20500020', vr: 'CS', value: 'INVERSE' },
      ],
    });
    expect(i.voiLuts).toHaveLength(2);
    expect(i.voiLuts[0]).toMatchObject({ firstMapped: 10, bits: 12, explanation: 'FIRST' });
    expect(Array.from(i.voiLuts[0].data)).toEqual([0, 2048, 4095]);
    expect(i.voiLuts[1].bits).toBe(8);
    expect(i.presentationLutShape).toBe('INVERSE');
    expectDomainError(() => info({ extra: [{ tag: '20500020', vr: 'CS', value: 'SIDEWAYS' }] }), 'MalformedDicom', /Presentation LUT Shape/);
  });

  it('refuses missing Type 1 attributes with MalformedDicom naming the tag', () => {
    expectDomainError(() => readImageInfo(without('00280010')), 'MalformedDicom', /Rows \(0028,0010\)/);
    expectDomainError(() => readImageInfo(without('00280011')), 'MalformedDicom', /Columns/);
    expectDomainError(() => readImageInfo(without('00280100')), 'MalformedDicom', /Bits Allocated/);
    expectDomainError(() => readImageInfo(without('00280004')), 'MalformedDicom', /Photometric/);
    expectDomainError(() => readImageInfo(without('00280002', { photometric: 'RGB', bitsAllocated: 8 })), 'MalformedDicom', /Samples per Pixel/);
    // Greyscale without Samples per Pixel: implied 1.
    expect(readImageInfo(without('00280002')).samplesPerPixel).toBe(1);
  });

  it('refuses inconsistent pixel descriptions', () => {
    expectDomainError(() => info({ bitsStored: 17 }), 'MalformedDicom', /Bits Stored/);
    expectDomainError(() => info({ bitsStored: 12, highBit: 12 + 4 }), 'MalformedDicom', /High Bit/);
    expectDomainError(() => info({ bitsStored: 12, highBit: 10 }), 'MalformedDicom', /High Bit/);
    expectDomainError(() => info({ extra: [{ tag: '00280100', vr: 'US', value: 24 }] }), 'UnsupportedPixelFormat', /Bits Allocated/);
    expectDomainError(() => info({ extra: [{ tag: '00280103', vr: 'US', value: 2 }] }), 'MalformedDicom', /Pixel Representation/);
    expectDomainError(() => info({ extra: [{ tag: '00280008', vr: 'IS', value: '0' }] }), 'MalformedDicom', /Number of Frames/);
    expectDomainError(() => info({ extra: [{ tag: '00280008', vr: 'IS', value: '1A' }] }), 'MalformedDicom', /0028,0008/);
    expectDomainError(() => info({ extra: [{ tag: '00281056', vr: 'CS', value: 'CUBIC' }] }), 'MalformedDicom', /CUBIC/);
    expectDomainError(() => info({ extra: [{ tag: '00280002', vr: 'US', value: 2 }] }), 'UnsupportedPixelFormat', /Samples per Pixel/);
  });

  it('bounds the decoded frame size before allocating (MAX_DECODED_BYTES)', () => {
    // 2 x 3 x 1 sample x 4 bytes of working values = 24 bytes.
    const image = parseDicom(makeImageDicom(base));
    const err = expectDomainError(() => readImageInfo(image, 23), 'ImageTooLarge');
    expect(err.status).toBe(422);
    expect(err.details).toMatchObject({ decodedBytes: 24, limit: 23 });
    expect(readImageInfo(image, 24).rows).toBe(2);
    // 65535 x 65535 declared, with a tiny pixel data element: refused before any allocation.
    const huge = parseDicom(
      makeImageDicom({ ...base, extra: [{ tag: '00280010', vr: 'US', value: 65535 }, { tag: '00280011', vr: 'US', value: 65535 }] }),
    );
    expectDomainError(() => readImageInfo(huge), 'ImageTooLarge');
  });
});
