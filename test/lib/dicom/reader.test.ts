import { describe, expect, it } from 'vitest';
import { vrLookup } from '../../../lib/dicom/dictionary.js';
import {
  MalformedAt,
  OutOfBytes,
  readDataSet,
  readFileMeta,
  readSequenceItems,
  type Encoding,
  type ReaderOptions,
} from '../../../lib/dicom/reader.js';
import { TS_EXPLICIT_BE, TS_IMPLICIT_LE, writeDicom } from '../../support/dicom-writer.js';
import { UNDEFINED, ascii, cat, explicit, explicitHeader, implicit, item, itemEnd, sequenceEnd, thrown, u16, u32 } from './raw-bytes.js';

const EXPLICIT_LE: Encoding = { implicit: false, littleEndian: true };
const IMPLICIT_LE: Encoding = { implicit: true, littleEndian: true };
const EXPLICIT_BE: Encoding = { implicit: false, littleEndian: false };
const WHOLE: ReaderOptions = { complete: true, vrLookup };

const read = (bytes: Uint8Array, encoding = EXPLICIT_LE, options: Partial<ReaderOptions> = {}) =>
  readDataSet(bytes, 0, encoding, { ...WHOLE, ...options });

describe('readDataSet: encodings (PS3.5 7.1)', () => {
  it('Explicit VR Little Endian: VR, length and value offset of each element, values by the accessors', () => {
    const bytes = cat(explicit('00100010', 'PN', ascii('Doe^J ')), explicit('00280010', 'US', u16(512)));
    const r = read(bytes);
    expect(r.elements.x00100010).toMatchObject({ tag: 'x00100010', vr: 'PN', length: 6, dataOffset: 8 });
    expect(r.elements.x00280010).toMatchObject({ vr: 'US', length: 2, dataOffset: 22 });
    expect(r.end).toBe(bytes.length);
    expect(r.encoding).toEqual(EXPLICIT_LE);
    expect(r.warnings).toEqual([]);
  });

  it('Implicit VR Little Endian: no VR on the element; the dictionary says which elements are sequences', () => {
    const bytes = writeDicom({
      transferSyntaxUid: TS_IMPLICIT_LE,
      fileMeta: false,
      elements: [
        { tag: '00081140', vr: 'SQ', value: [[{ tag: '00081150', vr: 'UI', value: '1.2.3' }]] },
        { tag: '00280010', vr: 'US', value: 7 },
      ],
    });
    const r = read(bytes, IMPLICIT_LE);
    expect(r.elements.x00280010.vr).toBeUndefined();
    expect(r.elements.x00280010).toMatchObject({ length: 2 });
    const items = r.elements.x00081140.items!;
    expect(items).toHaveLength(1);
    expect(items[0].dataSet.string('x00081150')).toBe('1.2.3');
    expect(r.encoding).toEqual(IMPLICIT_LE);
  });

  it('Explicit VR Big Endian: lengths and values read big endian', () => {
    const bytes = writeDicom({
      transferSyntaxUid: TS_EXPLICIT_BE,
      fileMeta: false,
      elements: [
        { tag: '00280010', vr: 'US', value: 0x0102 },
        { tag: '00281050', vr: 'DS', value: '40' },
        { tag: '00400275', vr: 'SQ', value: [[{ tag: '00280011', vr: 'US', value: 0x0304 }]] },
      ],
    });
    const r = read(bytes, EXPLICIT_BE);
    expect(r.elements.x00280010).toMatchObject({ vr: 'US', length: 2, dataOffset: 8 });
    expect(r.elements.x00281050.length).toBe(2);
    expect(r.elements.x00400275.items![0].dataSet.uint16('x00280011')).toBe(0x0304);
    expect(r.encoding).toEqual(EXPLICIT_BE);
  });

  it('a data set written implicit although explicit was declared is read as written, with a warning', () => {
    const bytes = cat(implicit('00100020', ascii('ID12')), implicit('00280010', u16(9)));
    const r = read(bytes, EXPLICIT_LE, { detectEncoding: true });
    expect(r.encoding).toEqual(IMPLICIT_LE);
    expect(r.elements.x00280010).toMatchObject({ length: 2, dataOffset: 20 });
    expect(r.warnings.join()).toMatch(/implicit VR although explicit VR was declared/);
  });

  it('OV, SV and UV have a 2-byte reserved field and a 4-byte length (PS3.5 7.1.2)', () => {
    const bytes = cat(
      explicit('7FE00001', 'OV', new Array(16).fill(1)),
      explicit('00720082', 'SV', new Array(8).fill(2)),
      explicit('00720083', 'UV', new Array(8).fill(3)),
    );
    const r = read(bytes);
    expect(r.elements.x7fe00001).toMatchObject({ vr: 'OV', length: 16, dataOffset: 12 });
    expect(r.elements.x00720082).toMatchObject({ vr: 'SV', length: 8, dataOffset: 40 });
    expect(r.elements.x00720083).toMatchObject({ vr: 'UV', length: 8, dataOffset: 60 });
    expect(r.end).toBe(bytes.length);
  });

  it('an OV length above 0xFFFF is read whole, not as its low 16 bits', () => {
    const bytes = cat(explicitHeader('7FE00001', 'OV', 0x10008), new Array(0x10008).fill(0), explicit('7FE00002', 'OV', u32(5).concat(u32(0))));
    const r = read(bytes);
    expect(r.elements.x7fe00001.length).toBe(0x10008);
    expect(r.elements.x7fe00002.dataOffset).toBe(12 + 0x10008 + 12);
  });
});

describe('readDataSet: sequences, items and delimiters (PS3.5 7.5)', () => {
  const seqUndefined = cat(
    explicitHeader('00081140', 'SQ', UNDEFINED),
    item(UNDEFINED),
    explicit('00081150', 'UI', ascii('1.2\0')),
    itemEnd(),
    item(UNDEFINED),
    itemEnd(),
    sequenceEnd(),
    explicit('00280010', 'US', u16(3)),
  );

  it('undefined-length sequence and items end at their delimiters; the next element follows', () => {
    const r = read(seqUndefined);
    const sq = r.elements.x00081140;
    expect(sq).toMatchObject({ vr: 'SQ', hadUndefinedLength: true, dataOffset: 12 });
    // The length found: up to (not including) the Sequence Delimitation Item.
    expect(sq.length).toBe(8 + 12 + 8 + 8 + 8);
    expect(sq.items).toHaveLength(2);
    expect(sq.items![0]).toMatchObject({ tag: 'xfffee000', dataOffset: 20, length: 20, hadUndefinedLength: true });
    expect(sq.items![0].dataSet.string('x00081150')).toBe('1.2');
    expect(Object.keys(sq.items![1].dataSet.elements)).toEqual([]);
    expect(r.elements.x00280010.dataOffset).toBe(seqUndefined.length - 2);
  });

  it('defined-length sequence and items', () => {
    const inner = explicit('00081150', 'UI', ascii('1.2\0'));
    const bytes = cat(explicitHeader('00081140', 'SQ', 8 + inner.length), item(inner.length), inner, explicit('00280010', 'US', u16(3)));
    const r = read(bytes);
    expect(r.elements.x00081140.items![0]).toMatchObject({ dataOffset: 20, length: inner.length });
    expect(r.elements.x00081140.items![0].hadUndefinedLength).toBeUndefined();
    expect(r.elements.x00280010.dataOffset).toBe(bytes.length - 2);
  });

  it('a stray Item Delimitation Item in a defined-length item is skipped', () => {
    const inner = cat(itemEnd(), explicit('00081150', 'UI', ascii('1.2\0')));
    const bytes = cat(explicitHeader('00081140', 'SQ', 8 + inner.length), item(inner.length), inner);
    expect(read(bytes).elements.x00081140.items![0].dataSet.string('x00081150')).toBe('1.2');
  });

  it('a non-sequence value of undefined length ends at a Sequence Delimitation Item', () => {
    const bytes = cat(explicitHeader('00091010', 'UN', UNDEFINED), [1, 2, 3, 4], sequenceEnd(), explicit('00280010', 'US', u16(3)));
    const r = read(bytes);
    expect(r.elements.x00091010).toMatchObject({ length: 4, hadUndefinedLength: true });
    expect(r.elements.x00280010.dataOffset).toBe(bytes.length - 2);
  });

  it('an undefined-length UN that starts with an Item is a sequence of Implicit VR LE items (PS3.5 6.2.2)', () => {
    const bytes = cat(explicitHeader('00091010', 'UN', UNDEFINED), item(UNDEFINED), implicit('00100020', ascii('AB')), itemEnd(), sequenceEnd());
    const sq = read(bytes).elements.x00091010;
    expect(sq.items![0].dataSet.string('x00100020')).toBe('AB');
    expect(sq.items![0].dataSet.elements.x00100020.vr).toBeUndefined();
  });

  it('an undefined-length item without its Item Delimitation Item is MalformedAt the item', () => {
    const bytes = cat(explicitHeader('00081140', 'SQ', UNDEFINED), item(UNDEFINED), explicit('00081150', 'UI', ascii('1.2\0')));
    const e = thrown(() => read(bytes));
    expect(e).toBeInstanceOf(MalformedAt);
    expect(e).toMatchObject({ offset: 12, tag: 'FFFEE000' });
    expect((e as MalformedAt).reason).toMatch(/no Item Delimitation Item/);
  });

  it('a Sequence Delimitation Item ending an undefined-length item is MalformedAt', () => {
    const bytes = cat(explicitHeader('00081140', 'SQ', UNDEFINED), item(UNDEFINED), sequenceEnd());
    expect(thrown(() => read(bytes))).toMatchObject({ offset: 20, tag: 'FFFEE0DD' });
  });

  it('an Item outside a sequence is MalformedAt', () => {
    expect(thrown(() => read(cat(item(0), explicit('00280010', 'US', u16(1)))))).toMatchObject({ offset: 0, tag: 'FFFEE000' });
  });

  it('something other than an Item in a sequence is MalformedAt with its tag', () => {
    const bytes = cat(explicitHeader('00081140', 'SQ', 10), explicit('00280010', 'US', u16(1)));
    expect(thrown(() => read(bytes))).toMatchObject({ offset: 12, tag: '00280010', reason: expect.stringMatching(/expected an Item/) });
  });

  it('sequences nested deeper than 64 levels are MalformedAt', () => {
    const open: number[][] = [];
    for (let i = 0; i < 70; i++) open.push(explicitHeader('00081140', 'SQ', UNDEFINED), item(UNDEFINED));
    expect((thrown(() => read(cat(...open))) as MalformedAt).reason).toMatch(/nested deeper than 64/);
  });
});

describe('readDataSet: private elements in Implicit VR (PS3.5 7.8.1)', () => {
  const philips = implicit('20050010', ascii('Philips MR Imaging DD 001 '));
  const next = implicit('00280010', u16(3));

  it('the creator of the same data set decides: a private SQ of defined length is read as items', () => {
    const bytes = cat(philips, implicit('20051080', []), next);
    const r = read(bytes, IMPLICIT_LE);
    // Empty: only the dictionary can say this is a sequence (no item bytes to go by).
    expect(r.elements.x20051080.items).toEqual([]);
    expect(r.elements.x00280010.dataOffset).toBe(bytes.length - 2);
    // Without the creator, or without a dictionary, it is a value.
    expect(read(cat(implicit('20051080', []), next), IMPLICIT_LE).elements.x20051080.items).toBeUndefined();
    expect(read(bytes, IMPLICIT_LE, { vrLookup: undefined }).elements.x20051080.items).toBeUndefined();
  });

  it('a private element the dictionary does not make SQ is a value even when its bytes look like items', () => {
    const inner = implicit('00100020', ascii('AB'));
    const itemBytes = cat(item(inner.length), inner);
    const bytes = cat(implicit('70190010', ascii('TOSHIBA_MEC_OT3 ')), implicit('70191080', [...itemBytes]), next);
    expect(read(bytes, IMPLICIT_LE).elements.x70191080).toMatchObject({ length: itemBytes.length });
    expect(read(bytes, IMPLICIT_LE).elements.x70191080.items).toBeUndefined();
    // An unknown creator: a defined-length value that holds items is still tried as a sequence.
    const unknown = cat(implicit('70190010', ascii('ACME')), implicit('70191080', [...itemBytes]), next);
    expect(read(unknown, IMPLICIT_LE).elements.x70191080.items).toHaveLength(1);
  });

  it('a dictionary SQ whose value holds no items stays a value, and reading goes on', () => {
    const bytes = cat(philips, implicit('20051080', ascii('no items')), next);
    const r = read(bytes, IMPLICIT_LE);
    expect(r.elements.x20051080).toMatchObject({ length: 8 });
    expect(r.elements.x20051080.items).toBeUndefined();
    expect(r.elements.x00280010.dataOffset).toBe(bytes.length - 2);
  });
});

describe('readDataSet: lengths past the end', () => {
  it('an element length past the end of the bytes is MalformedAt with its offset and tag', () => {
    const bytes = cat(explicit('00080016', 'UI', ascii('1.2\0')), explicit('00100010', 'PN', ascii('Doe^'), 0x7fff));
    const e = thrown(() => read(bytes));
    expect(e).toBeInstanceOf(MalformedAt);
    expect(e).toMatchObject({ offset: 12, tag: '00100010' });
    expect((e as Error).message).toMatch(/at byte 12, tag 00100010/);
  });

  it('an element length past the end of its item is MalformedAt', () => {
    const inner = explicit('00081150', 'UI', ascii('1.2\0'), 40);
    const bytes = cat(explicitHeader('00081140', 'SQ', 8 + inner.length), item(inner.length), inner, new Array(40).fill(0));
    expect(thrown(() => read(bytes))).toMatchObject({ offset: 20, tag: '00081150', reason: expect.stringMatching(/past the end of its item/) });
  });

  it('an item length past the end of its sequence is MalformedAt the item', () => {
    const inner = explicit('00081150', 'UI', ascii('1.2\0'));
    const bytes = cat(explicitHeader('00081140', 'SQ', 8 + inner.length), item(inner.length + 8), inner, new Array(8).fill(0));
    expect(thrown(() => read(bytes))).toMatchObject({ offset: 12, tag: 'FFFEE000', reason: expect.stringMatching(/item length/) });
  });

  it('a sequence length past the end of the bytes is MalformedAt the sequence', () => {
    const bytes = cat(explicitHeader('00081140', 'SQ', 1000), item(0));
    expect(thrown(() => read(bytes))).toMatchObject({ offset: 0, tag: '00081140' });
  });

  it('an unknown VR in Explicit VR is MalformedAt', () => {
    const bytes = cat(explicit('00080016', 'UI', ascii('1.2\0')), explicit('00100010', 'ZZ', ascii('ab')));
    expect(thrown(() => read(bytes))).toMatchObject({ offset: 12, tag: '00100010', reason: expect.stringMatching(/unknown VR "ZZ"/) });
  });

  it('partial bytes (complete: false): OutOfBytes with the offset that must be held', () => {
    const bytes = cat(explicit('00080016', 'UI', ascii('1.2\0')), explicit('00100010', 'PN', ascii('Doe^'), 100));
    const e = thrown(() => read(bytes, EXPLICIT_LE, { complete: false }));
    expect(e).toBeInstanceOf(OutOfBytes);
    expect((e as OutOfBytes).needed).toBe(20 + 100);
    // Fewer than 8 bytes of the next header: the next header is needed.
    const cut = thrown(() => read(bytes.subarray(0, 15), EXPLICIT_LE, { complete: false }));
    expect(cut).toMatchObject({ needed: 20 });
  });

  it('trailing bytes shorter than an element header end a complete top-level data set', () => {
    const r = read(cat(explicit('00280010', 'US', u16(1)), [0, 0, 0]));
    expect(Object.keys(r.elements)).toEqual(['x00280010']);
  });

  it('a duplicate element: the first is kept, with a warning', () => {
    const r = read(cat(explicit('00280010', 'US', u16(1)), explicit('00280010', 'US', u16(2))));
    expect(r.elements.x00280010.dataOffset).toBe(8);
    expect(r.warnings.join()).toMatch(/duplicate element 00280010/);
  });
});

describe('readDataSet: pixel data', () => {
  const header = explicit('00280010', 'US', u16(1));
  const after = explicit('FFFCFFFC', 'OB', [0, 0]);

  it('stopAtPixelData: stops at the first top-level pixel element, its header read, its value not', () => {
    for (const tag of ['7FE00010', '7FE00008', '7FE00009']) {
      const bytes = cat(header, explicitHeader(tag, tag === '7FE00010' ? 'OW' : 'OF', 1000));
      const r = read(bytes, EXPLICIT_LE, { stopAtPixelData: true, complete: false });
      expect(r.stoppedAt).toMatchObject({ tag: `x${tag.toLowerCase()}`, length: 1000, dataOffset: 22 });
      expect(r.end).toBe(22);
    }
  });

  it('without stopAtPixelData the value is skipped by its length and later elements are read', () => {
    const bytes = cat(header, explicit('7FE00010', 'OW', [1, 2, 3, 4]), after);
    const r = read(bytes);
    expect(r.stoppedAt).toBeUndefined();
    expect(r.elements.xfffcfffc.dataOffset).toBe(bytes.length - 2);
  });

  it('a pixel tag inside an item does not stop the read', () => {
    const inner = explicit('7FE00010', 'OW', [1, 2]);
    const bytes = cat(explicitHeader('00081140', 'SQ', 8 + inner.length), item(inner.length), inner, header);
    const r = read(bytes, EXPLICIT_LE, { stopAtPixelData: true });
    expect(r.stoppedAt).toBeUndefined();
    expect(r.elements.x00280010).toBeDefined();
  });

  it('encapsulated Pixel Data (PS3.5 A.4): Basic Offset Table, fragments, length up to and with the delimiter', () => {
    const bytes = cat(
      explicitHeader('7FE00010', 'OB', UNDEFINED),
      item(8), u32(0), u32(10),
      item(2), [0xaa, 0xbb],
      item(4), [1, 2, 3, 4],
      sequenceEnd(),
      after,
    );
    const r = read(bytes);
    const px = r.elements.x7fe00010;
    expect(px).toMatchObject({ encapsulatedPixelData: true, basicOffsetTable: [0, 10], hadUndefinedLength: true, dataOffset: 12 });
    expect(px.fragments).toEqual([
      { offset: 0, position: 36, length: 2 },
      { offset: 10, position: 46, length: 4 },
    ]);
    expect(px.length).toBe(bytes.length - 12 - after.length);
    expect(r.elements.xfffcfffc).toBeDefined();
  });

  it('encapsulated Pixel Data without a Basic Offset Table item or delimiter is MalformedAt', () => {
    expect(thrown(() => read(cat(explicitHeader('7FE00010', 'OB', UNDEFINED), explicit('00280010', 'US', u16(1)), new Array(8).fill(0))))).toMatchObject({
      offset: 12,
      tag: '7FE00010',
    });
    expect(thrown(() => read(cat(explicitHeader('7FE00010', 'OB', UNDEFINED), item(0), item(2), [1, 2])))).toMatchObject({ tag: '7FE00010' });
  });
});

describe('readSequenceItems (a sequence inside a UN value, PS3.5 6.2.2)', () => {
  const lying = cat(item(14), implicit('00283002', [1, 0, 2, 0, 3, 0], 100));

  it('strict: a length past the value is MalformedAt', () => {
    expect(() => readSequenceItems(lying, { tag: 'x00283000', dataOffset: 0, length: lying.length }, IMPLICIT_LE, WHOLE)).toThrow(MalformedAt);
  });

  it('lenient: the length is cut to the item, the values that are there are kept', () => {
    const items = readSequenceItems(lying, { tag: 'x00283000', dataOffset: 0, length: lying.length }, IMPLICIT_LE, { ...WHOLE, lenient: true });
    expect(items).toHaveLength(1);
    expect(items[0].dataSet.elements.x00283002).toMatchObject({ dataOffset: 16, length: 6 });
    expect(items[0].dataSet.uint16('x00283002', 2)).toBe(3);
  });

  it('lenient: an item length past the sequence is cut to it', () => {
    const bytes = cat(item(40), implicit('00100020', ascii('AB')));
    const items = readSequenceItems(bytes, { tag: 'x00091010', dataOffset: 0, length: bytes.length }, IMPLICIT_LE, { ...WHOLE, lenient: true });
    expect(items[0]).toMatchObject({ length: 10 });
    expect(items[0].dataSet.string('x00100020')).toBe('AB');
  });
});

describe('readFileMeta (PS3.10 7.1)', () => {
  const meta = cat(explicit('00020000', 'UL', u32(26)), explicit('00020010', 'UI', ascii('1.2.840.10008.1.2\0')));

  it('reads group 0002 and stops at the data set; its elements are marked little endian', () => {
    const r = readFileMeta(cat(meta, explicit('00080016', 'UI', ascii('1.2\0'))), 0, true);
    expect(Object.keys(r.elements)).toEqual(['x00020000', 'x00020010']);
    expect(r.end).toBe(meta.length);
    expect(r.elements.x00020010).toMatchObject({ vr: 'UI', length: 18, littleEndian: true });
  });

  it('a group length past the end of the file is MalformedAt (truncated)', () => {
    const bytes = cat(explicit('00020000', 'UL', u32(500)), explicit('00020010', 'UI', ascii('1.2.840.10008.1.2\0')));
    expect((thrown(() => readFileMeta(bytes, 0, true)) as MalformedAt).reason).toMatch(/Group Length.*truncated/);
  });

  it('partial bytes: OutOfBytes', () => {
    expect(thrown(() => readFileMeta(meta.subarray(0, 20), 0, false))).toBeInstanceOf(OutOfBytes);
  });
});
