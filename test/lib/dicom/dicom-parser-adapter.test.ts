import { describe, expect, it } from 'vitest';
import type { Element } from '../../../lib/dicom/data-set.js';
import { makeDataSet } from '../../../lib/dicom/dicom-parser-adapter.js';
import { ascii, cat, u16, u32 } from './raw-bytes.js';

// Values only: [US 0x0102 big endian][UL 7 little endian][DS "1.5\-2 "][LT "  text  "][IS "12"]
const bytes = cat(u16(0x0102, false), u32(7), ascii('1.5\\-2 '), ascii('  text  '), ascii('12'));
const elements: Record<string, Element> = {
  x00280010: { tag: 'x00280010', vr: 'US', length: 2, dataOffset: 0 },
  x00020000: { tag: 'x00020000', vr: 'UL', length: 4, dataOffset: 2, littleEndian: true },
  x00281050: { tag: 'x00281050', vr: 'DS', length: 7, dataOffset: 6 },
  x00104000: { tag: 'x00104000', vr: 'LT', length: 8, dataOffset: 13 },
  x00200013: { tag: 'x00200013', vr: 'IS', length: 2, dataOffset: 21 },
  x00080016: { tag: 'x00080016', vr: 'UI', length: 0, dataOffset: 23 },
};

describe('makeDataSet (dicom-parser value readers over lib/dicom elements)', () => {
  const ds = makeDataSet(bytes, false, elements);

  it('reads numbers in the data set byte order, File Meta (Element.littleEndian) little endian', () => {
    expect(ds.uint16('x00280010')).toBe(0x0102);
    expect(ds.uint32('x00020000')).toBe(7);
  });

  it('strings: trimmed values, multi-valued by index, DS/IS as numbers, text keeps leading spaces', () => {
    expect(ds.string('x00281050', 1)).toBe('-2');
    expect(ds.numStringValues('x00281050')).toBe(2);
    expect(ds.floatString('x00281050')).toBe(1.5);
    expect(ds.intString('x00200013')).toBe(12);
    expect(ds.text('x00104000')).toBe('  text');
    expect(ds.string('x00104000')).toBe('text');
  });

  it('absent and empty elements answer undefined', () => {
    expect(ds.string('x00100010')).toBeUndefined();
    expect(ds.uint16('x00080016')).toBeUndefined();
    expect(ds.string('x00080016')).toBeUndefined();
  });

  it('keeps the elements and bytes it was given; a copy reads its own fields', () => {
    expect(ds.elements).toBe(elements);
    expect(ds.byteArray).toBe(bytes);
    const moved = cat([0, 0], bytes);
    const shifted = Object.fromEntries(Object.entries(elements).map(([k, e]) => [k, { ...e, dataOffset: e.dataOffset + 2 }]));
    const copy = Object.assign(Object.create(Object.getPrototypeOf(ds)), ds, { byteArray: moved, elements: shifted });
    expect(copy.uint16('x00280010')).toBe(0x0102);
    expect(copy.string('x00281050', 0)).toBe('1.5');
  });
});
