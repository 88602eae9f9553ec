import { describe, expect, it } from 'vitest';
import {
  FIRST_PIXEL_TAG,
  PIXEL_TAGS,
  VALID_VRS,
  elementKey,
  formatTagPath,
  isPixelTag,
  keyOfTag,
  parseTag,
  parseTagList,
  parseTagPath,
  tagName,
  tagOfKey,
  tagOfNumber,
} from '../../../lib/dicom/tag.js';

describe('parseTag', () => {
  it.each(['00100010', '0010,0010', '(0010,0010)', 'x00100010', '(0010, 0010)', 'PatientName'])('accepts %s', (spec) => {
    expect(parseTag(spec)).toBe('00100010');
  });
  it('accepts any case and returns uppercase', () => {
    expect(parseTag('7fe00010')).toBe('7FE00010');
    expect(parseTag('X7FE00010')).toBe('7FE00010');
  });
  it.each(['', '0010', '0010,001', '(0010,0010', 'NotAKeyword', '0010.0010', 'x'.repeat(200), 'Patient Name!'])(
    'rejects %s with InvalidTag',
    (spec) => {
      expect(() => parseTag(spec)).toThrow(expect.objectContaining({ code: 'InvalidTag', status: 400 }));
    },
  );
  it('names the accepted spellings and echoes only short printable specs', () => {
    const short = (() => { try { parseTag('Foo'); } catch (e) { return (e as Error).message; } })();
    expect(short).toContain('"Foo"');
    expect(short).toContain('(0010,0010)');
    const long = (() => { try { parseTag('y'.repeat(100)); } catch (e) { return (e as Error).message; } })();
    expect(long).not.toContain('yyyy');
  });
});

describe('parseTagPath', () => {
  it('parses sequence, item, element', () => {
    expect(parseTagPath('00400275.0.00321060')).toEqual([{ tag: '00400275', item: 0 }, { tag: '00321060' }]);
    expect(parseTagPath('RequestAttributesSequence.2.RequestedProcedureDescription')).toEqual([
      { tag: '00400275', item: 2 },
      { tag: '00321060' },
    ]);
  });
  it('a single tag is a path of one step', () => {
    expect(parseTagPath('PatientName')).toEqual([{ tag: '00100010' }]);
  });
  it.each(['00400275.0', '00400275.x.00321060', '00400275.-1.00321060', '', '00400275..00321060'])('rejects %s', (spec) => {
    expect(() => parseTagPath(spec)).toThrow(expect.objectContaining({ code: 'InvalidTag' }));
  });
  it('formats back', () => {
    expect(formatTagPath(parseTagPath('(0040,0275).1.x00321060'))).toBe('00400275.1.00321060');
  });
});

describe('parseTagList (repeated ?tag= values)', () => {
  it('accepts every spelling parseTag accepts, group,element ones too, in separate values', () => {
    expect(parseTagList(['0028,0011', '(0028,0010)', 'x00100010', 'PatientID', '7fe00010'])).toEqual([
      '00280011',
      '00280010',
      '00100010',
      '00100020',
      '7FE00010',
    ]);
  });
  it('splits a value at the commas between tags, not at the one inside gggg,eeee', () => {
    expect(parseTagList(['Rows,0028,0011,(0010,0010),00100020'])).toEqual(['00280010', '00280011', '00100010', '00100020']);
    expect(parseTagList(['(0028, 0011) , Rows'])).toEqual(['00280011', '00280010']);
  });
  it('drops repeats and empty entries, keeps first-seen order', () => {
    expect(parseTagList(['Rows', '', '0028,0010,', ',00280010'])).toEqual(['00280010']);
  });
  it.each([['0010,00ZZ'], ['(0028,0010'], ['0028'], ['Rows,NotAKeyword']])('rejects %s with InvalidTag', (value) => {
    expect(() => parseTagList([value])).toThrow(expect.objectContaining({ code: 'InvalidTag', status: 400 }));
  });
});

describe('tag forms', () => {
  it('element keys, JSON model tags, PS3.6 names and AT numbers', () => {
    expect(elementKey(0x7fe0, 0x10)).toBe('x7fe00010');
    expect(keyOfTag('7FE00010')).toBe('x7fe00010');
    expect(tagOfKey('xfffee000')).toBe('FFFEE000');
    expect(tagName('x0028000a')).toBe('(0028,000A)');
    expect(tagOfNumber(0x00100010)).toBe('00100010');
    // Groups from 8000 up are negative as 32-bit signed numbers.
    expect(tagOfNumber((0xfffa << 16) | 0xfffa)).toBe('FFFAFFFA');
  });
  it('the pixel data tags (PS3.3 C.7.6.3, C.7.6.24), as keys or tags', () => {
    expect([...PIXEL_TAGS].sort()).toEqual(['x7fe00008', 'x7fe00009', 'x7fe00010']);
    expect(isPixelTag('x7fe00009')).toBe(true);
    expect(isPixelTag('7FE00010')).toBe(true);
    expect(isPixelTag('7fe00008')).toBe(true);
    expect(isPixelTag('x7fe00001')).toBe(false);
    expect(FIRST_PIXEL_TAG).toBe('7FE00008');
  });
  it('VALID_VRS: the 34 VRs of PS3.5 Table 6.2-1', () => {
    expect(VALID_VRS.size).toBe(34);
    expect(VALID_VRS.has('OV') && VALID_VRS.has('UV') && VALID_VRS.has('SV')).toBe(true);
    expect(VALID_VRS.has('ZZ')).toBe(false);
  });
});
