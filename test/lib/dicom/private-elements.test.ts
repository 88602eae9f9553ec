/**
 * Private data elements through the whole header path (reader.ts, json-model.ts): the VR of
 * the private dictionary by the creator of the same data set or item (PS3.5 7.8.1), in
 * Implicit VR files and for elements written as UN in explicit ones (PS3.5 6.2.2), with
 * fixtures this project writes (test/support/dicom-writer.ts).
 */
import { describe, expect, it } from 'vitest';
import { vrLookup } from '../../../lib/dicom/dictionary.js';
import { dataSetToJson, elementToJson, privateEntryAt, type DicomJsonDataSet } from '../../../lib/dicom/json-model.js';
import { NeedMoreBytes, parseDicom } from '../../../lib/dicom/parse.js';
import { PRIVATE_ENTRIES } from '../../../lib/dicom/private-dictionary-data.js';
import { parseTagPath } from '../../../lib/dicom/tag.js';
import {
  TS_EXPLICIT_BE,
  TS_EXPLICIT_LE,
  TS_IMPLICIT_LE,
  implicitValue,
  writeDicom,
  type WriterElement,
} from '../../support/dicom-writer.js';
import { ascii, cat, explicit, implicit } from './raw-bytes.js';

const b64 = (bytes: number[] | string): string => Buffer.from(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Uint8Array.from(bytes)).toString('base64');

const PHILIPS = 'Philips MR Imaging DD 001';

/** Written with their true VRs; the implicit file drops them, the UN variants hide them. */
const ELEMENTS: WriterElement[] = [
  { tag: '00080060', vr: 'CS', value: 'MR' },
  // GE: creator in block 10.
  { tag: '00090010', vr: 'LO', value: 'GEMS_IDEN_01' },
  { tag: '00091001', vr: 'LO', value: 'GE_GENESIS_FF' },
  // Siemens in block 10, GE acquisition in block 11 of the same group: the block decides.
  { tag: '00190010', vr: 'LO', value: 'SIEMENS MR HEADER' },
  { tag: '00190011', vr: 'LO', value: 'GEMS_ACQU_01' },
  { tag: '00191008', vr: 'CS', value: 'IMAGE NUM 4' },
  { tag: '0019100C', vr: 'IS', value: '1000' },
  { tag: '0019100E', vr: 'FD', value: [0.5, -0.5, 0.25] },
  { tag: '00191117', vr: 'SS', value: [-2] },
  // GEMS_ACQU_01 (0019,xx02) is SL: 6 bytes are not whole values, so it stays UN.
  { tag: '00191102', vr: 'OB', value: new Uint8Array([1, 2, 3, 4, 5, 6]) },
  // An unknown creator, and an element whose block has no creator: UN.
  { tag: '00210010', vr: 'LO', value: 'ACME 1.0' },
  { tag: '00211001', vr: 'LO', value: 'acme' },
  { tag: '00291001', vr: 'LO', value: 'orphan' },
  // Philips: a private sequence of defined length, its items with their own creators.
  { tag: '20050010', vr: 'LO', value: PHILIPS },
  { tag: '20050011', vr: 'LO', value: 'Philips MR Imaging DD 005' },
  {
    tag: '20051080',
    vr: 'SQ',
    value: [
      [
        { tag: '00080100', vr: 'SH', value: 'CODE' },
        { tag: '20050010', vr: 'LO', value: PHILIPS },
        { tag: '20051000', vr: 'FL', value: [1.5] },
      ],
      // No creator in this item: the one of the enclosing data set does not count (PS3.5 7.8.1).
      [{ tag: '20051001', vr: 'FL', value: [2.5] }],
    ],
  },
  // (2005,xx0F) of DD 005 is SQ in the dictionary, but this value holds no items: it stays a value.
  { tag: '2005110F', vr: 'OB', value: new Uint8Array(Array.from('no items', (c) => c.charCodeAt(0))) },
  // A private element inside a standard sequence, with its creator in the item.
  {
    tag: '00400275',
    vr: 'SQ',
    value: [
      [
        { tag: '00090010', vr: 'LO', value: 'GEMS_IDEN_01' },
        { tag: '00091001', vr: 'LO', value: 'in item' },
      ],
    ],
  },
  // 'OB or OW' in the dictionary: OW in Implicit VR Little Endian (PS3.5 A.1).
  { tag: '70190010', vr: 'LO', value: 'TOSHIBA_MEC_OT3' },
  { tag: '70191080', vr: 'OB', value: new Uint8Array([1, 2, 3, 4]) },
  { tag: '7FE00010', vr: 'OW', value: [0, 0, 0, 0] },
];

const isPrivateData = (tag: string): boolean => parseInt(tag.slice(0, 4), 16) % 2 === 1 && parseInt(tag.slice(4, 6), 16) >= 0x10;

/** The elements with every private data element written as UN (its Implicit VR LE value, PS3.5 6.2.2). */
function asUn(elements: WriterElement[]): WriterElement[] {
  return elements.map((el) => {
    if (isPrivateData(el.tag)) return { tag: el.tag, vr: 'UN', value: implicitValue(el) };
    if (el.vr === 'SQ') return { ...el, value: (el.value as WriterElement[][]).map(asUn) };
    return el;
  });
}

const json = (bytes: Uint8Array): DicomJsonDataSet => dataSetToJson(parseDicom(bytes, { vrLookup }), { includeFileMeta: false });

const IMPLICIT = writeDicom({ transferSyntaxUid: TS_IMPLICIT_LE, elements: ELEMENTS });
const EXPLICIT_UN = writeDicom({ transferSyntaxUid: TS_EXPLICIT_LE, elements: asUn(ELEMENTS) });
const BIG_ENDIAN_UN = writeDicom({ transferSyntaxUid: TS_EXPLICIT_BE, elements: asUn(ELEMENTS) });

describe('private elements in Implicit VR take the private dictionary VR of their creator (PS3.5 7.8.1)', () => {
  const out = json(IMPLICIT);

  it('GE, Siemens: values with their VRs, by the creator of their block', () => {
    expect(out['00090010']).toEqual({ vr: 'LO', Value: ['GEMS_IDEN_01'] });
    expect(out['00091001']).toEqual({ vr: 'LO', Value: ['GE_GENESIS_FF'] });
    expect(out['00191008']).toEqual({ vr: 'CS', Value: ['IMAGE NUM 4'] });
    expect(out['0019100C']).toEqual({ vr: 'IS', Value: [1000] });
    expect(out['0019100E']).toEqual({ vr: 'FD', Value: [0.5, -0.5, 0.25] });
    expect(out['00191117']).toEqual({ vr: 'SS', Value: [-2] });
  });

  it('a value that does not fit its dictionary VR, an unknown creator, or no creator: UN', () => {
    expect(out['00191102']).toEqual({ vr: 'UN', InlineBinary: b64([1, 2, 3, 4, 5, 6]) });
    expect(out['00211001']).toEqual({ vr: 'UN', InlineBinary: b64('acme') });
    expect(out['00291001']).toEqual({ vr: 'UN', InlineBinary: b64('orphan') });
  });

  it('a private sequence of defined length is read as items; creators count per item', () => {
    expect(out['20051080']).toEqual({
      vr: 'SQ',
      Value: [
        { '00080100': { vr: 'SH', Value: ['CODE'] }, '20050010': { vr: 'LO', Value: [PHILIPS] }, '20051000': { vr: 'FL', Value: [1.5] } },
        { '20051001': { vr: 'UN', InlineBinary: Buffer.from(new Float32Array([2.5]).buffer).toString('base64') } },
      ],
    });
  });

  it('a dictionary SQ whose value holds no items stays UN, and the rest of the file is read', () => {
    expect(out['2005110F']).toEqual({ vr: 'UN', InlineBinary: b64('no items') });
    expect(out['00400275']).toBeDefined();
    expect(out['7FE00010']).toEqual({ vr: 'OW' });
  });

  it('a private element inside a standard sequence, with its creator in the item', () => {
    expect(out['00400275']).toEqual({
      vr: 'SQ',
      Value: [{ '00090010': { vr: 'LO', Value: ['GEMS_IDEN_01'] }, '00091001': { vr: 'LO', Value: ['in item'] } }],
    });
  });

  it("resolves 'OB or OW' as for standard elements (PS3.5 A.1)", () => {
    expect(out['70191080']).toEqual({ vr: 'OW', InlineBinary: b64([1, 2, 3, 4]) });
  });

  it('the tag route finds private elements, nested ones too', () => {
    const parsed = parseDicom(IMPLICIT, { vrLookup });
    expect(elementToJson(parsed, '00091001')).toEqual({ vr: 'LO', Value: ['GE_GENESIS_FF'] });
    expect(elementToJson(parsed, parseTagPath('20051080.0.20051000'))).toEqual({ vr: 'FL', Value: [1.5] });
    expect(elementToJson(parsed, parseTagPath('(0040,0275).0.(0009,1001)'))).toEqual({ vr: 'LO', Value: ['in item'] });
  });
});

describe('private elements written as UN in Explicit VR (PS3.5 6.2.2)', () => {
  it('read as in the Implicit VR file: the dictionary VR, the value Implicit VR Little Endian', () => {
    expect(json(EXPLICIT_UN)).toEqual(json(IMPLICIT));
  });

  it('in a big endian file too: a UN value is little endian whatever the transfer syntax (PS3.5 6.2.2 Note)', () => {
    expect(json(BIG_ENDIAN_UN)).toEqual(json(IMPLICIT));
  });

  it('an explicit VR other than UN is kept, whatever the dictionary says', () => {
    const bytes = writeDicom({
      elements: [
        { tag: '00090010', vr: 'LO', value: 'GEMS_IDEN_01' },
        { tag: '00091001', vr: 'OB', value: new Uint8Array([1, 2]) },
      ],
    });
    expect(json(bytes)['00091001']).toEqual({ vr: 'OB', InlineBinary: b64([1, 2]) });
  });

  it('an undefined-length UN whose dictionary VR is not SQ is read as a sequence when it holds items, never as that VR', () => {
    const item = implicitValue({ tag: '00091001', vr: 'SQ', undefinedLength: true, value: [[{ tag: '00100020', vr: 'LO', value: 'X' }]] });
    const bytes = writeDicom({
      elements: [
        { tag: '00090010', vr: 'LO', value: 'GEMS_IDEN_01' },
        { tag: '00091001', vr: 'UN', value: item },
      ],
    });
    // The writer writes UN with a defined length; make it undefined (PS3.5 7.1.1) by hand.
    const at = Buffer.from(bytes).indexOf(Buffer.from([0x09, 0x00, 0x01, 0x10, 0x55, 0x4e]));
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(at + 8, 0xffffffff, true);
    expect(json(bytes)['00091001']).toEqual({ vr: 'SQ', Value: [{ '00100020': { vr: 'LO', Value: ['X'] } }] });
  });
});

describe('a ranged header read gives the JSON of the whole file', () => {
  for (const [name, bytes] of [['implicit', IMPLICIT], ['explicit UN', EXPLICIT_UN], ['big endian UN', BIG_ENDIAN_UN]] as const) {
    it(`${name}: every prefix that parses gives the same JSON`, () => {
      const whole = dataSetToJson(parseDicom(bytes, { vrLookup, untilPixelData: true }));
      let parsedPrefixes = 0;
      for (let n = 132; n <= bytes.length; n += 2) {
        let parsed;
        try {
          parsed = parseDicom(bytes.subarray(0, n), { vrLookup, untilPixelData: true, complete: false });
        } catch (e) {
          if (e instanceof NeedMoreBytes) continue;
          throw e;
        }
        parsedPrefixes += 1;
        expect(dataSetToJson(parsed), `prefix of ${n} bytes`).toEqual(whole);
      }
      expect(parsedPrefixes).toBeGreaterThan(0);
    });
  }
});

describe('privateEntryAt (a private element\'s name, for the header route)', () => {
  const parsed = parseDicom(IMPLICIT, { vrLookup });
  it('by the creator of the element\'s own data set or item', () => {
    expect(privateEntryAt(parsed, parseTagPath('00091001'))).toEqual({ vr: 'LO', vm: '1', name: 'Full fidelity' });
    expect(privateEntryAt(parsed, parseTagPath('0019100C'))).toMatchObject({ name: 'B_value' });
    expect(privateEntryAt(parsed, parseTagPath('00400275.0.00091001'))).toMatchObject({ name: 'Full fidelity' });
  });
  it('undefined for standard elements, unknown creators, blocks without creator, absent elements', () => {
    expect(privateEntryAt(parsed, parseTagPath('00080060'))).toBeUndefined();
    expect(privateEntryAt(parsed, parseTagPath('00211001'))).toBeUndefined();
    expect(privateEntryAt(parsed, parseTagPath('20051080.1.20051001'))).toBeUndefined();
    expect(privateEntryAt(parsed, parseTagPath('00191099'))).toBeUndefined();
  });
});

/** One (creator, tag in block 10) of the private dictionary for each VR it uses; a group mask 'ggxx' as group gg01. */
function oneEntryPerVr(): Array<{ creator: string; tag: string; vr: string }> {
  const found = new Map<string, { creator: string; tag: string; vr: string }>();
  let creator = '';
  for (const line of PRIVATE_ENTRIES.split('\n')) {
    if (line.startsWith('@')) creator = line.slice(1);
    else if (/^[0-9a-f]{2}(xx|[0-9a-f]{2})xx[0-9a-f]{2} /i.test(line)) {
      const vr = line.split(' ')[1];
      const group = line[2] === 'x' ? `${line.slice(0, 2)}01` : line.slice(0, 4);
      if (!found.has(vr)) found.set(vr, { creator, tag: `${group}10${line.slice(6, 8)}`.toUpperCase(), vr });
    }
  }
  return [...found.values()];
}

describe('a private value that does not fit its dictionary VR never fails (PS3.5 6.2.2: it stays UN)', () => {
  const entries = oneEntryPerVr();
  const FIXED: Record<string, number> = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8, AT: 4, OW: 2, OF: 4, 'OB/OW': 2 };

  it('covers every VR of the dictionary', () => {
    expect(entries.map((e) => e.vr)).toEqual(expect.arrayContaining(['US', 'SS', 'UL', 'FL', 'FD', 'AT', 'SQ', 'OW', 'OF', 'PN', 'DA', 'UN']));
  });

  for (const { creator, tag, vr } of entries) {
    it(`${vr} (${creator} ${tag}): lengths 0 to 9, implicit and explicit UN`, () => {
      const group = tag.slice(0, 4);
      for (let length = 0; length <= 9; length++) {
        const value = Array.from({ length }, (_, i) => (i * 37 + 0x41) & 0xff);
        const name = ascii(creator.length % 2 ? `${creator} ` : creator);
        // Bare data sets (no File Meta) that start with a standard element, as parse.ts tells them.
        const files = [
          cat(implicit('00080060', ascii('MR')), implicit(`${group}0010`, name), implicit(tag, value), implicit('7FE00010', [0, 0])),
          cat(explicit('00080060', 'CS', ascii('MR')), explicit(`${group}0010`, 'LO', name), explicit(tag, 'UN', value), explicit('7FE00010', 'OW', [0, 0])),
        ];
        for (const [i, bytes] of files.entries()) {
          const parsed = parseDicom(bytes, { vrLookup });
          const out = dataSetToJson(parsed)[tag];
          expect(out, `${i ? 'explicit' : 'implicit'} length ${length}`).toBeDefined();
          expect(elementToJson(parsed, tag)).toEqual(out);
          const size = FIXED[vr];
          if (size && length % size !== 0) expect(out.vr).toBe('UN');
          else if (vr !== 'SQ' && vr !== 'UN') expect(out.vr).toBe(vr === 'OB/OW' ? 'OW' : vr);
        }
      }
    });
  }
});
