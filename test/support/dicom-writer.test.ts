import { describe, expect, it } from 'vitest';
import dicomParser from 'dicom-parser';
import { inflateRawSync } from 'node:zlib';
import {
  TS_DEFLATED_LE,
  TS_EXPLICIT_BE,
  TS_EXPLICIT_LE,
  TS_IMPLICIT_LE,
  makeImageDicom,
  writeDicom,
  type WriterElement,
} from './dicom-writer.js';
import { parseDicom } from '../../lib/dicom/parse.js';

const inflater = (arr: Uint8Array, pos: number): Uint8Array => {
  const inflated = inflateRawSync(arr.subarray(pos));
  const out = new Uint8Array(pos + inflated.length);
  out.set(arr.subarray(0, pos));
  out.set(inflated, pos);
  return out;
};
const read = (bytes: Uint8Array) => dicomParser.parseDicom(bytes, { inflater });

const sample: WriterElement[] = [
  { tag: '00100010', vr: 'PN', value: 'Test^Fixture' },
  { tag: '00081030', vr: 'LO', value: 'Odd' }, // odd length: padded with a space
  { tag: '00080018', vr: 'UI', value: '1.2.3.456' }, // odd length: padded with NUL
  { tag: '00080060', vr: 'CS', value: 'CT' },
  { tag: '00281050', vr: 'DS', value: ['40', '-600'] },
  { tag: '00280010', vr: 'US', value: 3 },
  { tag: '00280106', vr: 'SS', value: -5 },
  { tag: '00189327', vr: 'FD', value: 1.25 },
  { tag: '00540081', vr: 'UL', value: 70000 },
  {
    tag: '00081140',
    vr: 'SQ',
    value: [
      [{ tag: '00081155', vr: 'UI', value: '1.2.3' }],
      [{ tag: '00081155', vr: 'UI', value: '1.2.33' }, { tag: '00081150', vr: 'UI', value: '1.2.4' }],
    ],
  },
  { tag: '7FE00010', vr: 'OW', value: [1, 0x1234, 0xfffe] },
];

describe('writeDicom', () => {
  for (const [name, ts] of [
    ['Implicit VR LE', TS_IMPLICIT_LE],
    ['Explicit VR LE', TS_EXPLICIT_LE],
    ['Explicit VR BE', TS_EXPLICIT_BE],
    ['Deflated Explicit VR LE', TS_DEFLATED_LE],
  ] as const) {
    it(`round-trips through dicom-parser in ${name}`, () => {
      const bytes = writeDicom({ transferSyntaxUid: ts, elements: sample });
      expect(String.fromCharCode(...bytes.subarray(128, 132))).toBe('DICM');
      const ds = read(bytes);
      expect(ds.string('x00020010')).toBe(ts);
      expect(ds.string('x00020003')).toBe('1.2.3.456'); // meta copies SOP Instance UID
      expect(ds.string('x00100010')).toBe('Test^Fixture');
      expect(ds.string('x00080018')).toBe('1.2.3.456');
      expect(ds.elements.x00080018.length % 2).toBe(0);
      expect(ds.string('x00281050', 1)).toBe('-600');
      expect(ds.uint16('x00280010')).toBe(3);
      expect(ds.int16('x00280106')).toBe(-5);
      expect(ds.double('x00189327')).toBe(1.25);
      expect(ds.uint32('x00540081')).toBe(70000);
      const items = ds.elements.x00081140.items!;
      expect(items).toHaveLength(2);
      expect(items[1].dataSet!.string('x00081150')).toBe('1.2.4');
      const px = ds.elements.x7fe00010;
      expect(px.length).toBe(6);
      const view = new DataView(ds.byteArray.buffer, ds.byteArray.byteOffset + px.dataOffset, 6);
      const le = ts !== TS_EXPLICIT_BE;
      expect([view.getUint16(0, le), view.getUint16(2, le), view.getUint16(4, le)]).toEqual([1, 0x1234, 0xfffe]);
    });
  }

  it('writes the File Meta group length that covers exactly the 0002 group (PS3.10 7.1)', () => {
    const bytes = writeDicom({ elements: sample });
    const dv = new DataView(bytes.buffer);
    expect(String.fromCharCode(bytes[136], bytes[137])).toBe('UL');
    const groupLength = dv.getUint32(140, true);
    const firstAfterMeta = 144 + groupLength;
    expect(dv.getUint16(firstAfterMeta, true)).toBe(0x0008);
  });

  it('sorts elements by tag and pads text with spaces, UI with NUL', () => {
    const bytes = writeDicom({ transferSyntaxUid: TS_EXPLICIT_LE, elements: sample });
    const ds = read(bytes);
    const offsets = Object.values(ds.elements)
      .filter((e) => !e.tag.startsWith('x0002'))
      .map((e) => ({ tag: e.tag, at: e.dataOffset }));
    const byOffset = [...offsets].sort((a, b) => a.at - b.at).map((e) => e.tag);
    expect(byOffset).toEqual([...byOffset].sort());
    const lo = ds.elements.x00081030;
    expect(lo.length).toBe(4);
    expect(bytes[lo.dataOffset + 3]).toBe(0x20);
    expect(ds.string('x00081030')).toBe('Odd');
    const ui = ds.elements.x00080018;
    expect(bytes[ui.dataOffset + ui.length - 1]).toBe(0x00);
  });

  it('writes SQ and items with undefined length closed by delimiters (PS3.5 7.5)', () => {
    for (const ts of [TS_IMPLICIT_LE, TS_EXPLICIT_LE]) {
      const elements: WriterElement[] = [
        { tag: '00081140', vr: 'SQ', undefinedLength: true, value: [[{ tag: '00081155', vr: 'UI', value: '1.2.3' }], []] },
        { tag: '00100010', vr: 'PN', value: 'After^Sequence' },
      ];
      const ds = read(writeDicom({ transferSyntaxUid: ts, elements }));
      const sq = ds.elements.x00081140;
      expect(sq.hadUndefinedLength).toBe(true);
      expect(sq.items).toHaveLength(2);
      expect(sq.items![0].dataSet!.string('x00081155')).toBe('1.2.3');
      expect(ds.string('x00100010')).toBe('After^Sequence');
    }
  });

  it('writes encapsulated pixel data fragments (PS3.5 A.4)', () => {
    const ds = read(
      writeDicom({
        transferSyntaxUid: '1.2.840.10008.1.2.5',
        elements: [{ tag: '7FE00010', vr: 'OB', value: new Uint8Array(), undefinedLength: true, fragments: [new Uint8Array([1, 2, 3]), new Uint8Array([4, 5])] }],
      }),
    );
    const px = ds.elements.x7fe00010;
    expect(px.encapsulatedPixelData).toBe(true);
    expect(px.fragments!.map((f) => f.length)).toEqual([4, 2]);
  });

  it('writes a bare data set (no meta) and meta without preamble, both readable by parseDicom', () => {
    const bare = writeDicom({ elements: sample, fileMeta: false });
    expect(bare[0] | (bare[1] << 8)).toBe(0x0008);
    expect(parseDicom(bare).dataSet.string('x00100010')).toBe('Test^Fixture');
    const noPreamble = writeDicom({ elements: sample, preamble: false });
    expect(noPreamble[0] | (noPreamble[1] << 8)).toBe(0x0002);
    const parsed = parseDicom(noPreamble);
    expect(parsed.hasPreamble).toBe(false);
    expect(parsed.dataSet.string('x00100010')).toBe('Test^Fixture');
  });
});

describe('makeImageDicom', () => {
  it('writes the Image Pixel module and frame-major, row-major pixel data (PS3.5 8.1.1)', () => {
    const bytes = makeImageDicom({
      rows: 2,
      columns: 3,
      bitsAllocated: 16,
      bitsStored: 12,
      pixelRepresentation: 1,
      frames: 2,
      window: { center: [40, 500], width: [400, 2000], explanation: ['A', 'B'] },
      rescale: { slope: 2, intercept: -1024 },
      pixel: (f, r, c) => (f === 0 ? r * 10 + c : -(r * 10 + c)),
    });
    const ds = read(bytes);
    expect(ds.string('x00100010')).toBe('Test^Fixture');
    expect(ds.uint16('x00280010')).toBe(2);
    expect(ds.uint16('x00280011')).toBe(3);
    expect(ds.uint16('x00280101')).toBe(12);
    expect(ds.uint16('x00280102')).toBe(11);
    expect(ds.uint16('x00280103')).toBe(1);
    expect(ds.intString('x00280008')).toBe(2);
    expect(ds.floatString('x00281050', 1)).toBe(500);
    expect(ds.floatString('x00281053')).toBe(2);
    expect(ds.floatString('x00281052')).toBe(-1024);
    const px = ds.elements.x7fe00010;
    expect(px.length).toBe(2 * 3 * 2 * 2);
    const v = new Int16Array(ds.byteArray.slice(px.dataOffset, px.dataOffset + px.length).buffer);
    expect(Array.from(v)).toEqual([0, 1, 2, 10, 11, 12, 0, -1, -2, -10, -11, -12]);
  });

  it('pads odd-length 8-bit pixel data with one NUL and writes RGB planar when asked', () => {
    const ds = read(
      makeImageDicom({ rows: 1, columns: 3, bitsAllocated: 8, photometric: 'RGB', planarConfiguration: 1, pixel: (_f, _r, c, s) => s * 10 + c }),
    );
    expect(ds.uint16('x00280002')).toBe(3);
    expect(ds.uint16('x00280006')).toBe(1);
    const px = ds.elements.x7fe00010;
    expect(px.length).toBe(10);
    expect(Array.from(ds.byteArray.subarray(px.dataOffset, px.dataOffset + 10))).toEqual([0, 1, 2, 10, 11, 12, 20, 21, 22, 0]);
  });

  it('writes 16-bit pixel data big endian for Explicit VR Big Endian', () => {
    const ds = read(makeImageDicom({ rows: 1, columns: 2, bitsAllocated: 16, transferSyntaxUid: TS_EXPLICIT_BE, pixel: (_f, _r, c) => 0x0102 + c }));
    const px = ds.elements.x7fe00010;
    expect(Array.from(ds.byteArray.subarray(px.dataOffset, px.dataOffset + 4))).toEqual([1, 2, 1, 3]);
    expect(ds.uint16('x00280010')).toBe(1);
  });
});
