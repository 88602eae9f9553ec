import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizeCreator, privateEntry } from '../../../lib/dicom/private-dictionary.js';
import { PRIVATE_DICTIONARY_SOURCE } from '../../../lib/dicom/private-dictionary-data.js';
import { corpusAvailable, corpusDir, corpusPath, loadManifest } from '../../support/corpus.js';

describe('privateEntry', () => {
  it('knows GE, Siemens (CSA, diffusion, slice timing) and Philips elements', () => {
    expect(privateEntry('GEMS_IDEN_01', 0x0009, 0x1001)).toEqual({ vr: 'LO', vm: '1', name: 'Full fidelity' });
    expect(privateEntry('SIEMENS MR HEADER', 0x0019, 0x1008)).toEqual({ vr: 'CS', vm: '1', name: 'CSA Image Header Type' });
    expect(privateEntry('SIEMENS MR HEADER', 0x0019, 0x100c)).toMatchObject({ vr: 'IS', name: 'B_value' });
    expect(privateEntry('SIEMENS MR HEADER', 0x0019, 0x1029)).toMatchObject({ vr: 'FD', name: 'MosaicRefAcqTimes' });
    expect(privateEntry('SIEMENS CSA HEADER', 0x0029, 0x1010)).toMatchObject({ vr: 'OB', name: 'CSA Image Header Info' });
    expect(privateEntry('Philips MR Imaging DD 001', 0x2005, 0x1080)).toEqual({ vr: 'SQ', vm: '1', name: 'Unknown' });
    expect(privateEntry('Philips Imaging DD 001', 0x2001, 0x1003)?.vr).toBe('FL');
  });

  it('ignores the block byte: the creator may have reserved any block (PS3.5 7.8.1)', () => {
    const inBlock10 = privateEntry('SIEMENS MR HEADER', 0x0019, 0x1008);
    expect(inBlock10).toBeDefined();
    expect(privateEntry('SIEMENS MR HEADER', 0x0019, 0x1108)).toEqual(inBlock10);
    expect(privateEntry('SIEMENS MR HEADER', 0x0019, 0xff08)).toEqual(inBlock10);
  });

  it('matches group masks such as 60xx for any odd group with that high byte', () => {
    expect(privateEntry('PAPYRUS 3.0', 0x6001, 0x1010)).toMatchObject({ vr: 'US', name: 'Overlay Rows' });
    expect(privateEntry('PAPYRUS 3.0', 0x601f, 0x2110)).toMatchObject({ vr: 'US', name: 'Overlay Rows' });
  });

  it('strips insignificant padding of the creator value (PS3.5 6.2), but keeps its case', () => {
    const expected = privateEntry('GEMS_IDEN_01', 0x0009, 0x1001);
    expect(privateEntry('GEMS_IDEN_01 ', 0x0009, 0x1001)).toEqual(expected);
    expect(privateEntry(' GEMS_IDEN_01  ', 0x0009, 0x1001)).toEqual(expected);
    expect(privateEntry('GEMS_IDEN_01\0', 0x0009, 0x1001)).toEqual(expected);
    expect(privateEntry('gems_iden_01', 0x0009, 0x1001)).toBeUndefined();
    expect(normalizeCreator(' SIEMENS CM VA0  ACQU ')).toBe('SIEMENS CM VA0  ACQU');
    // Creators differing only by case are distinct in the source, with different entries.
    expect(privateEntry('SPI Release 1', 0x0009, 0x1008)).toBeDefined();
    expect(privateEntry('SPI RELEASE 1', 0x0009, 0x1008)).toBeUndefined();
  });

  it('answers undefined for unknown creators and elements', () => {
    expect(privateEntry('NO SUCH CREATOR', 0x0009, 0x1001)).toBeUndefined();
    expect(privateEntry('', 0x0009, 0x1001)).toBeUndefined();
    expect(privateEntry('GEMS_IDEN_01', 0x0009, 0x10ff)).toBeUndefined();
    expect(privateEntry('GEMS_IDEN_01', 0x0011, 0x1001)).toBeUndefined();
  });

  it('answers undefined outside private data elements', () => {
    expect(privateEntry('GEMS_IDEN_01', 0x0008, 0x1001)).toBeUndefined(); // even group: standard
    expect(privateEntry('GEMS_IDEN_01', 0x0009, 0x0010)).toBeUndefined(); // the creator element itself
    expect(privateEntry('GEMS_IDEN_01', 0x0009, 0x0001)).toBeUndefined();
    expect(privateEntry('GEMS_IDEN_01', 0x10009, 0x1001)).toBeUndefined();
    expect(privateEntry('GEMS_IDEN_01', 0x0009, 0x11001)).toBeUndefined();
    expect(privateEntry('GEMS_IDEN_01', 0x0009, Number.NaN)).toBeUndefined();
  });

  it('keeps ambiguous VRs for the caller and reads escaped names back', () => {
    expect(privateEntry('TOSHIBA_MEC_OT3', 0x7019, 0x1080)?.vr).toBe('OB or OW');
    expect(privateEntry('GEMS_IDEN_01', 0x0009, 0x10e2)?.name).toBe('Image Type (ORIGINAL\\PROSPECTIVE ...)');
    expect(privateEntry('SIEMENS MED', 0x0019, 0x1001)).toEqual({ vr: 'SS', vm: '1', name: '' });
    expect(PRIVATE_DICTIONARY_SOURCE).toMatch(/^pydicom \d/);
  });
});

type JsonDataSet = Record<string, { vr?: string; Value?: unknown[]; InlineBinary?: string }>;

/**
 * Every private data element of a reference header with its creator, item by item: the
 * creator of (gggg,xxEE) is (gggg,00xx) of the same data set (PS3.5 7.8.1).
 */
function privateElements(dataSet: JsonDataSet, out: Array<{ tag: string; creator: string; vr: string }>): void {
  for (const [tag, element] of Object.entries(dataSet)) {
    const group = parseInt(tag.slice(0, 4), 16);
    const number = parseInt(tag.slice(4), 16);
    if (group % 2 === 1 && number >= 0x1000) {
      const creator = dataSet[`${tag.slice(0, 4)}00${tag.slice(4, 6)}`];
      const value = creator?.Value?.[0];
      if (typeof value === 'string') out.push({ tag, creator: value, vr: element.vr ?? '' });
    }
    if (element.vr === 'SQ') for (const item of (element.Value ?? []) as JsonDataSet[]) privateElements(item, out);
  }
}

const TITLE = corpusAvailable
  ? 'privateEntry against pydicom on the implicit VR corpus files'
  : 'privateEntry against pydicom on the implicit VR corpus files (NOT RUN: ../shared/corpus not found)';

describe.skipIf(!corpusAvailable)(TITLE, () => {
  it('gives the VR pydicom gave every private element (UN where neither knows it)', () => {
    const implicit = loadManifest().files.filter((f) => f.transfer_syntax_uid === '1.2.840.10008.1.2' && f.header_json);
    expect(implicit.length, `implicit VR files in ${corpusDir}`).toBeGreaterThan(0);
    let known = 0;
    let compared = 0;
    for (const file of implicit) {
      const elements: Array<{ tag: string; creator: string; vr: string }> = [];
      privateElements(JSON.parse(readFileSync(corpusPath(file.header_json as string), 'utf8')) as JsonDataSet, elements);
      for (const { tag, creator, vr } of elements) {
        const entry = privateEntry(creator, parseInt(tag.slice(0, 4), 16), parseInt(tag.slice(4), 16));
        expect(entry?.vr ?? 'UN', `${file.path} ${tag}`).toBe(vr);
        compared += 1;
        if (entry) known += 1;
      }
    }
    // The corpus has GE, Philips (a 2005 private sequence) and others in implicit VR files.
    expect(compared).toBeGreaterThan(100);
    expect(known).toBeGreaterThan(100);
  });
});
