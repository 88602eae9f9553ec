import { describe, expect, it } from 'vitest';
import { vrLookup } from '../../../lib/dicom/dictionary.js';
import { dataSetToJson, elementToJson } from '../../../lib/dicom/json-model.js';
import { parseDicom } from '../../../lib/dicom/parse.js';
import { parseTagPath } from '../../../lib/dicom/tag.js';
import { TS_EXPLICIT_BE, TS_EXPLICIT_LE, TS_IMPLICIT_LE, makeImageDicom, writeDicom, type WriterElement } from '../../support/dicom-writer.js';

const ELEMENTS: WriterElement[] = [
  { tag: '00080005', vr: 'CS', value: 'ISO_IR 100' },
  { tag: '00080008', vr: 'CS', value: ['ORIGINAL', 'PRIMARY', '', 'AXIAL'] },
  { tag: '00080016', vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' },
  { tag: '00081160', vr: 'IS', value: ['1', ' 22 '] },
  { tag: '00100010', vr: 'PN', value: 'Müller^Jürgen==Mueller^Juergen' },
  { tag: '00104000', vr: 'LT', value: '  indented\\text' },
  { tag: '00200037', vr: 'DS', value: ['1', '0', '0', '0', '1.5e0', '-0'] },
  { tag: '00209165', vr: 'AT', value: [0x00100010, 0x7fe00010] },
  { tag: '00280030', vr: 'DS', value: [] as string[] },
  { tag: '00281050', vr: 'DS', value: '40 ' },
  { tag: '00185100', vr: 'CS', value: 'HFS' },
  { tag: '00181310', vr: 'US', value: [0, 256, 256, 0] },
  { tag: '00189327', vr: 'FD', value: [1.25, -2] },
  { tag: '00081161', vr: 'UL', value: [1, 4294967295] },
  { tag: '00091001', vr: 'LO', value: 'private' },
  { tag: '00090010', vr: 'LO', value: 'ACME 1.0' },
  {
    tag: '00400275',
    vr: 'SQ',
    value: [
      [
        { tag: '00321060', vr: 'LO', value: 'First' },
        { tag: '00400008', vr: 'SQ', value: [[{ tag: '00080100', vr: 'SH', value: 'CODE1' }]] },
      ],
      [{ tag: '00321060', vr: 'LO', value: 'Second' }],
    ],
  },
  { tag: '00660023', vr: 'OW', value: new Uint8Array([1, 2, 3, 4]) },
];

const parse = (bytes: Uint8Array) => parseDicom(bytes, { vrLookup });

describe('dataSetToJson', () => {
  for (const [name, ts] of [['Explicit VR LE', TS_EXPLICIT_LE], ['Implicit VR LE', TS_IMPLICIT_LE]] as const) {
    describe(name, () => {
      const json = dataSetToJson(parse(writeDicom({ transferSyntaxUid: ts, elements: ELEMENTS })));

      it('uses uppercase GGGGEEEE keys and always a vr', () => {
        for (const [key, element] of Object.entries(json)) {
          expect(key).toMatch(/^[0-9A-F]{8}$/);
          expect(element.vr).toMatch(/^[A-Z]{2}$/);
        }
      });
      it('splits multi-valued strings; empty values are null (PS3.18 F.2.5)', () => {
        expect(json['00080008']).toEqual({ vr: 'CS', Value: ['ORIGINAL', 'PRIMARY', null, 'AXIAL'] });
      });
      it('numbers for IS/DS, trimmed', () => {
        expect(json['00081160']).toEqual({ vr: 'IS', Value: [1, 22] });
        expect(json['00200037'].Value).toEqual([1, 0, 0, 0, 1.5, -0]);
        expect(json['00281050']).toEqual({ vr: 'DS', Value: [40] });
      });
      it('empty elements have no Value', () => {
        expect(json['00280030']).toEqual({ vr: 'DS' });
      });
      it('PN as component groups, decoded with the character set (ISO_IR 100)', () => {
        // The writer encodes ISO_IR 100; an empty Ideographic group is left out.
        expect(json['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'Müller^Jürgen', Phonetic: 'Mueller^Juergen' }] });
      });
      it('keeps leading spaces and backslashes in LT', () => {
        expect(json['00104000']).toEqual({ vr: 'LT', Value: ['  indented\\text'] });
      });
      it('AT as GGGGEEEE strings, binary numbers as all their values', () => {
        expect(json['00209165']).toEqual({ vr: 'AT', Value: ['00100010', '7FE00010'] });
        expect(json['00181310']).toEqual({ vr: 'US', Value: [0, 256, 256, 0] });
        expect(json['00189327']).toEqual({ vr: 'FD', Value: [1.25, -2] });
        expect(json['00081161']).toEqual({ vr: 'UL', Value: [1, 4294967295] });
      });
      it('UI without padding', () => {
        expect(json['00080016'].Value).toEqual(['1.2.840.10008.5.1.4.1.1.7']);
      });
      it('nested sequences to any depth', () => {
        expect(json['00400275']).toEqual({
          vr: 'SQ',
          Value: [
            { '00321060': { vr: 'LO', Value: ['First'] }, '00400008': { vr: 'SQ', Value: [{ '00080100': { vr: 'SH', Value: ['CODE1'] } }] } },
            { '00321060': { vr: 'LO', Value: ['Second'] } },
          ],
        });
      });
      it('binary as InlineBinary base64', () => {
        expect(json['00660023']).toEqual({ vr: 'OW', InlineBinary: Buffer.from([1, 2, 3, 4]).toString('base64') });
      });
      it('private creator is LO; private data of a creator the dictionary lacks is UN in implicit VR', () => {
        expect(json['00090010']).toEqual({ vr: 'LO', Value: ['ACME 1.0'] });
        if (ts === TS_IMPLICIT_LE) expect(json['00091001']).toEqual({ vr: 'UN', InlineBinary: Buffer.from('private ').toString('base64') });
        else expect(json['00091001']).toEqual({ vr: 'LO', Value: ['private'] });
      });
      it('includes File Meta unless asked not to', () => {
        expect(json['00020010'].Value).toEqual([ts]);
        const noMeta = dataSetToJson(parse(writeDicom({ transferSyntaxUid: ts, elements: ELEMENTS })), { includeFileMeta: false });
        expect(Object.keys(noMeta).some((k) => k.startsWith('0002'))).toBe(false);
      });
    });
  }

  it('big endian: numbers read big endian, OW words swapped to little endian (F.2.7)', () => {
    const json = dataSetToJson(
      parse(
        writeDicom({
          transferSyntaxUid: TS_EXPLICIT_BE,
          elements: [
            { tag: '00181310', vr: 'US', value: [1, 258] },
            { tag: '00660023', vr: 'OW', value: [0x0102, 0x0304] },
          ],
        }),
      ),
    );
    expect(json['00181310'].Value).toEqual([1, 258]);
    expect(json['00660023'].InlineBinary).toBe(Buffer.from([0x02, 0x01, 0x04, 0x03]).toString('base64'));
  });

  it('resolves US or SS by Pixel Representation in implicit VR (PS3.5 Annex A)', () => {
    const bytes = makeImageDicom({
      rows: 2,
      columns: 2,
      bitsAllocated: 16,
      pixelRepresentation: 1,
      pixel: () => 1,
      transferSyntaxUid: TS_IMPLICIT_LE,
      extra: [{ tag: '00280106', vr: 'SS', value: -5 }],
    });
    const json = dataSetToJson(parse(bytes));
    expect(json['00280106']).toEqual({ vr: 'SS', Value: [-5] });
    // Pixel data is listed without its value; OW in implicit VR.
    expect(json['7FE00010']).toEqual({ vr: 'OW' });
    const withUri = dataSetToJson(parse(bytes), { bulkDataUri: (p) => `https://x/bulk/${p}` });
    expect(withUri['7FE00010']).toEqual({ vr: 'OW', BulkDataURI: 'https://x/bulk/7FE00010' });
  });

  it('binary values over the inline limit become a BulkDataURI or are left out', () => {
    const parsed = parse(writeDicom({ elements: [{ tag: '00660023', vr: 'OW', value: new Uint8Array(100) }] }));
    expect(dataSetToJson(parsed, { inlineBinaryLimit: 10 })['00660023']).toEqual({ vr: 'OW' });
    expect(dataSetToJson(parsed, { inlineBinaryLimit: 10, bulkDataUri: (p) => `u:${p}` })['00660023']).toEqual({ vr: 'OW', BulkDataURI: 'u:00660023' });
  });
});

describe('elementToJson', () => {
  const parsed = parse(writeDicom({ elements: ELEMENTS }));
  it('finds top-level and nested elements', () => {
    expect(elementToJson(parsed, '00100010')?.vr).toBe('PN');
    expect(elementToJson(parsed, parseTagPath('00400275.1.00321060'))).toEqual({ vr: 'LO', Value: ['Second'] });
    expect(elementToJson(parsed, parseTagPath('00400275.0.00400008.0.00080100'))).toEqual({ vr: 'SH', Value: ['CODE1'] });
  });
  it('undefined for absent elements, items, or non-sequences', () => {
    expect(elementToJson(parsed, '00100020')).toBeUndefined();
    expect(elementToJson(parsed, parseTagPath('00400275.5.00321060'))).toBeUndefined();
    expect(elementToJson(parsed, parseTagPath('00100010.0.00321060'))).toBeUndefined();
  });
});

describe('sequences read from UN (PS3.5 6.2.2) with lying inner lengths', () => {
  it('read no value past the sequence, so the JSON does not depend on what follows it (found by the fuzzer)', () => {
    // One implicit VR item holding LUT Data (0028,3002) that claims 100 bytes but has 6.
    const item = new Uint8Array(8 + 8 + 6);
    const dv = new DataView(item.buffer);
    dv.setUint16(0, 0xfffe, true);
    dv.setUint16(2, 0xe000, true);
    dv.setUint32(4, 14, true);
    dv.setUint16(8, 0x0028, true);
    dv.setUint16(10, 0x3002, true);
    dv.setUint32(12, 100, true);
    item.set([1, 0, 2, 0, 3, 0], 16);
    const withSequence = (after: WriterElement[]) =>
      writeDicom({ elements: [{ tag: '00283000', vr: 'UN', value: item }, ...after] });
    const alone = withSequence([]);
    const followed = withSequence([{ tag: '00291010', vr: 'OB', value: new Uint8Array(64).fill(0x55) }]);
    const sequenceJson = (bytes: Uint8Array) => dataSetToJson(parseDicom(bytes, { vrLookup }))['00283000'];
    expect(sequenceJson(followed)).toEqual(sequenceJson(alone));
    expect(sequenceJson(alone)).toMatchObject({ vr: 'SQ', Value: [{ '00283002': { Value: [1, 2, 3] } }] });
  });
});

describe('AT values (PS3.18 F.2.3: tags as 8 hex digits)', () => {
  it('groups from 8000 up too', () => {
    const parsed = parseDicom(writeDicom({ elements: [{ tag: '04000020', vr: 'AT', value: [0xfffafffa, 0x00100010] }] }));
    expect(dataSetToJson(parsed)['04000020']).toEqual({ vr: 'AT', Value: ['FFFAFFFA', '00100010'] });
  });
});
