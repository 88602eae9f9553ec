import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { vrLookup } from '../../../lib/dicom/dictionary.js';
import { NeedMoreBytes, parseDicom } from '../../../lib/dicom/parse.js';
import { TS } from '../../../lib/dicom/transfer-syntax.js';
import { TS_DEFLATED_LE, TS_EXPLICIT_BE, TS_EXPLICIT_LE, TS_IMPLICIT_LE, writeDicom, type WriterElement } from '../../support/dicom-writer.js';
import { ascii, cat, explicit, explicitHeader, implicit, thrown, u16 } from './raw-bytes.js';

const ELEMENTS: WriterElement[] = [
  { tag: '00080016', vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' },
  { tag: '00100010', vr: 'PN', value: 'Doe^Jane' },
  { tag: '00280010', vr: 'US', value: 0x0102 },
  { tag: '00281050', vr: 'DS', value: ['40', '-5.5'] },
  { tag: '00400275', vr: 'SQ', value: [[{ tag: '00321060', vr: 'LO', value: 'CT HEAD' }]] },
];
const PIXELS: WriterElement = { tag: '7FE00010', vr: 'OW', value: [1, 2, 3, 4] };
const AFTER: WriterElement = { tag: 'FFFCFFFC', vr: 'OB', value: new Uint8Array(4) };

describe('parseDicom: transfer syntaxes (PS3.5 A.1-A.5)', () => {
  it.each([
    ['Implicit VR Little Endian', TS_IMPLICIT_LE],
    ['Explicit VR Little Endian', TS_EXPLICIT_LE],
    ['Explicit VR Big Endian', TS_EXPLICIT_BE],
    ['Deflated Explicit VR Little Endian', TS_DEFLATED_LE],
  ])('%s: values, a sequence item and File Meta read through the data set', (_name, ts) => {
    const parsed = parseDicom(writeDicom({ transferSyntaxUid: ts, elements: [...ELEMENTS, PIXELS] }), { vrLookup });
    const ds = parsed.dataSet;
    expect(parsed.transferSyntaxUid).toBe(ts);
    expect(ds.string('x00100010')).toBe('Doe^Jane');
    expect(ds.uint16('x00280010')).toBe(0x0102);
    expect(ds.floatString('x00281050', 1)).toBe(-5.5);
    expect(ds.numStringValues('x00281050')).toBe(2);
    expect(ds.elements.x00400275.items![0].dataSet.string('x00321060')).toBe('CT HEAD');
    expect(ds.string('x00020010')).toBe(ts);
    expect(parsed.pixelElement?.tag).toBe('x7fe00010');
    expect(parsed.dataSetEncoding).toEqual({ implicit: ts === TS_IMPLICIT_LE, littleEndian: ts !== TS_EXPLICIT_BE });
    expect(parsed.inflated).toBe(ts === TS_DEFLATED_LE);
    expect(ds.byteArray).toBe(parsed.byteArray);
  });

  it('Big Endian: File Meta numbers are still read little endian (PS3.10 7.1)', () => {
    const parsed = parseDicom(writeDicom({ transferSyntaxUid: TS_EXPLICIT_BE, elements: ELEMENTS }));
    const groupLength = parsed.dataSet.uint32('x00020000')!;
    // The group length is the byte count from the end of its element to the data set.
    expect(132 + 12 + groupLength).toBe(parsed.dataSetOffset);
    expect(parsed.dataSet.elements.x00020000.littleEndian).toBe(true);
    expect(parsed.dataSet.elements.x00280010.littleEndian).toBeUndefined();
  });

  it('Deflated: offsets refer to the inflated stream', () => {
    const parsed = parseDicom(writeDicom({ transferSyntaxUid: TS_DEFLATED_LE, elements: ELEMENTS }));
    expect(parsed.byteArray.length).toBeGreaterThan(parsed.dataSetOffset!);
    const pn = parsed.dataSet.elements.x00100010;
    expect(new TextDecoder().decode(parsed.byteArray.subarray(pn.dataOffset, pn.dataOffset + pn.length))).toBe('Doe^Jane');
  });

  it('Deflated: inflating past maxInflatedBytes is ImageTooLarge (a decompression bomb)', () => {
    const big = writeDicom({ transferSyntaxUid: TS_DEFLATED_LE, elements: [{ tag: '00091010', vr: 'OB', value: new Uint8Array(200_000) }] });
    expect(thrown(() => parseDicom(big, { maxInflatedBytes: 10_000 }))).toMatchObject({ code: 'ImageTooLarge' });
  });

  it('Deflated: a stream that does not inflate is MalformedDicom', () => {
    const file = writeDicom({ transferSyntaxUid: TS_DEFLATED_LE, elements: ELEMENTS });
    const meta = parseDicom(file).dataSetOffset!;
    file.fill(0xff, meta, meta + 8);
    expect(thrown(() => parseDicom(file))).toMatchObject({ code: 'MalformedDicom' });
  });
});

describe('parseDicom: layouts (PS3.10 7.1)', () => {
  it('preamble and "DICM"', () => {
    const parsed = parseDicom(writeDicom({ elements: ELEMENTS }));
    expect(parsed).toMatchObject({ hasPreamble: true, hasFileMeta: true });
  });

  it('File Meta without a preamble', () => {
    const parsed = parseDicom(writeDicom({ elements: ELEMENTS, preamble: false }));
    expect(parsed).toMatchObject({ hasPreamble: false, hasFileMeta: true, transferSyntaxUid: TS.ExplicitVRLittleEndian });
    expect(parsed.dataSet.string('x00100010')).toBe('Doe^Jane');
  });

  it.each([
    ['Explicit VR Little Endian', TS_EXPLICIT_LE],
    ['Implicit VR Little Endian', TS_IMPLICIT_LE],
    ['Explicit VR Big Endian', TS_EXPLICIT_BE],
  ])('a bare data set (no File Meta) in %s: the transfer syntax is inferred', (_name, ts) => {
    const parsed = parseDicom(writeDicom({ transferSyntaxUid: ts, elements: ELEMENTS, fileMeta: false }), { vrLookup });
    expect(parsed).toMatchObject({ hasPreamble: false, hasFileMeta: false, transferSyntaxUid: ts });
    expect(parsed.dataSet.uint16('x00280010')).toBe(0x0102);
  });

  it('no Transfer Syntax UID in File Meta: inferred from the data set, with a warning', () => {
    const meta = cat(explicit('00020000', 'UL', [10, 0, 0, 0]), explicit('00020002', 'UI', ascii('1.2\0')));
    const parsed = parseDicom(cat(new Array(128).fill(0), ascii('DICM'), meta, implicit('00280010', u16(5))));
    expect(parsed.transferSyntaxUid).toBe(TS.ImplicitVRLittleEndian);
    expect(parsed.warnings!.join()).toMatch(/no Transfer Syntax UID/);
    expect(parsed.dataSet.uint16('x00280010')).toBe(5);
  });

  it('not DICOM: NotDicom', () => {
    expect(thrown(() => parseDicom(new TextEncoder().encode('%PDF-1.7 '.repeat(30))))).toMatchObject({ code: 'NotDicom' });
    expect(thrown(() => parseDicom(new Uint8Array([1, 2, 3])))).toMatchObject({ code: 'NotDicom' });
  });
});

describe('parseDicom: malformed and partial input', () => {
  it('a lying length is MalformedDicom naming the file offset and tag', () => {
    const file = writeDicom({ elements: ELEMENTS });
    const at = parseDicom(file).dataSet.elements.x00100010.dataOffset - 8;
    file[at + 6] = 0xff;
    file[at + 7] = 0x7f;
    const e = thrown(() => parseDicom(file));
    expect(e).toMatchObject({ code: 'MalformedDicom', status: 422, details: { offset: at, tag: '00100010' } });
    expect((e as Error).message).toMatch(new RegExp(`byte ${at}, tag 00100010`));
  });

  it('a lying length in a deflated data set names an offset in the inflated data set', () => {
    const file = writeDicom({ transferSyntaxUid: TS_DEFLATED_LE, elements: ELEMENTS });
    const metaEnd = parseDicom(file).dataSetOffset!;
    const dataSet = cat(explicit('00080016', 'UI', ascii('1.2\0')), explicitHeader('00100010', 'PN', 500), ascii('Doe^'));
    const lying = cat(file.subarray(0, metaEnd), deflateRawSync(dataSet));
    expect(thrown(() => parseDicom(lying))).toMatchObject({
      code: 'MalformedDicom',
      details: { offset: metaEnd + 12, tag: '00100010', offsetIn: 'inflated data set' },
    });
  });

  it('a truncated prefix (complete: false) is NeedMoreBytes with the offset to read up to', () => {
    const file = writeDicom({ elements: [...ELEMENTS, PIXELS] });
    const pn = parseDicom(file).dataSet.elements.x00100010;
    const e = thrown(() => parseDicom(file.subarray(0, pn.dataOffset + 2), { complete: false, untilPixelData: true }));
    expect(e).toBeInstanceOf(NeedMoreBytes);
    expect((e as NeedMoreBytes).needed).toBe(pn.dataOffset + pn.length);
    expect(thrown(() => parseDicom(file.subarray(0, 5), { complete: false }))).toMatchObject({ needed: 132 });
    expect(thrown(() => parseDicom(file.subarray(0, 140), { complete: false }))).toBeInstanceOf(NeedMoreBytes);
  });

  it('a prefix that reaches the pixel element is enough (untilPixelData); one without it is NeedMoreBytes', () => {
    const file = writeDicom({ elements: [...ELEMENTS, PIXELS, AFTER] });
    const whole = parseDicom(file);
    const pixelValueAt = whole.pixelElement!.dataOffset;
    const head = parseDicom(file.subarray(0, pixelValueAt), { complete: false, untilPixelData: true, vrLookup });
    expect(head.stoppedAtPixelData).toBe(true);
    expect(head.pixelElement).toMatchObject({ tag: 'x7fe00010', length: 8, dataOffset: pixelValueAt });
    expect(head.dataSet.elements.xfffcfffc).toBeUndefined();
    expect(whole.dataSet.elements.xfffcfffc).toBeDefined();
    expect(whole.stoppedAtPixelData).toBe(false);
    const noPixels = writeDicom({ elements: ELEMENTS });
    expect(thrown(() => parseDicom(noPixels, { complete: false, untilPixelData: true }))).toBeInstanceOf(NeedMoreBytes);
  });

  it('Float Pixel Data is the pixel element when there is no Pixel Data', () => {
    const file = writeDicom({ elements: [...ELEMENTS, { tag: '7FE00008', vr: 'OF', value: [1.5, 2.5] }] });
    expect(parseDicom(file).pixelElement).toMatchObject({ tag: 'x7fe00008', vr: 'OF', length: 8 });
  });
});
