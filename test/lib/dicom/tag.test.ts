import { describe, expect, it } from 'vitest';
import { formatTagPath, parseTag, parseTagPath } from '../../../lib/dicom/tag.js';

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
