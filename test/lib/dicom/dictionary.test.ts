import { describe, expect, it } from 'vitest';
import { dictionaryVrOf, lookupTag, tagForKeyword, vrLookup } from '../../../lib/dicom/dictionary.js';

describe('lookupTag', () => {
  it('finds standard elements with VR, VM, keyword, retired', () => {
    expect(lookupTag('00100010')).toEqual({ tag: '00100010', vr: 'PN', vm: '1', keyword: 'PatientName', retired: false });
    expect(lookupTag('00280034')?.vm).toBe('2');
    expect(lookupTag('00080040')?.retired).toBe(true); // Data Set Type (retired)
  });
  it('knows File Meta and ambiguous VRs', () => {
    expect(lookupTag('00020010')?.keyword).toBe('TransferSyntaxUID');
    expect(lookupTag('00280106')?.vr).toBe('US or SS');
    expect(lookupTag('7fe00010')?.vr).toBe('OB or OW');
  });
  it('matches repeating groups (50xx, 60xx, 1000xxx0)', () => {
    expect(lookupTag('60003000')).toMatchObject({ tag: '60003000', vr: 'OB or OW', keyword: 'OverlayData' });
    expect(lookupTag('601E0010')?.keyword).toBe('OverlayRows');
    expect(lookupTag('50020005')?.keyword).toBe('CurveDimensions');
    expect(lookupTag('10000120')?.keyword).toBe('EscapeTriplet');
  });
  it('group length is UL; private elements unknown except creators (LO)', () => {
    expect(lookupTag('00080000')?.vr).toBe('UL');
    expect(lookupTag('00091001')).toBeUndefined();
    expect(lookupTag('60013000')).toBeUndefined(); // odd group: private, not an overlay
    expect(lookupTag('00090010')).toMatchObject({ vr: 'LO', keyword: 'PrivateCreator' });
    expect(lookupTag('00080002')).toBeUndefined();
    expect(lookupTag('zz')).toBeUndefined();
  });
  it('has the whole dictionary', () => {
    expect(lookupTag('00400275')?.vr).toBe('SQ');
    expect(lookupTag('FFFEE000')?.vr).toBe('NONE');
  });
});

describe('tagForKeyword', () => {
  it('maps keywords to tags, repeating groups to their first group', () => {
    expect(tagForKeyword('PatientName')).toBe('00100010');
    expect(tagForKeyword('OverlayData')).toBe('60003000');
    expect(tagForKeyword('patientname')).toBeUndefined();
  });
});

describe('vrLookup (dicom-parser implicit VR)', () => {
  it('answers with parseable VRs', () => {
    expect(vrLookup('x00100010')).toBe('PN');
    expect(vrLookup('x00400275')).toBe('SQ');
    expect(vrLookup('x00280106')).toBe('US');
    expect(vrLookup('x7fe00010')).toBe('OB');
    expect(vrLookup('x00190000')).toBe('UL');
    expect(vrLookup('x00191001')).toBeUndefined();
    expect(vrLookup('x00190010')).toBe('LO');
    expect(vrLookup('xfffee00d')).toBeUndefined();
    expect(vrLookup('x00989999')).toBeUndefined();
    expect(vrLookup('x00991099')).toBeUndefined();
  });
  it('answers a private data element from the private dictionary when given its creator (PS3.5 7.8.1)', () => {
    expect(vrLookup('x00091001', 'GEMS_IDEN_01')).toBe('LO');
    expect(vrLookup('x00191108', 'SIEMENS MR HEADER')).toBe('CS'); // any block
    expect(vrLookup('x20051080', 'Philips MR Imaging DD 001')).toBe('SQ');
    expect(vrLookup('x70191080', 'TOSHIBA_MEC_OT3')).toBe('OB'); // 'OB or OW': the first choice
    expect(vrLookup('x00091001', 'NO SUCH CREATOR')).toBeUndefined();
    expect(vrLookup('x00091001')).toBeUndefined();
  });
});

describe('dictionaryVrOf', () => {
  it('gives the VR lookupTag gives, for standard, repeating, group length, private and unknown tags', () => {
    for (const tag of ['00100010', '00280106', '7fe00010', '60003000', '50020005', '00190000', '00190010', '00191001', 'FFFEE000', '00989999', 'zz', '0009100']) {
      expect(dictionaryVrOf(tag), tag).toBe(lookupTag(tag)?.vr);
    }
  });
});
