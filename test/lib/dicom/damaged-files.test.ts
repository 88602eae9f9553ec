/**
 * Damaged files keep the header read before the damage (issue 14): parseDicom records what is
 * damaged and where (ParsedDicom.damage), and the elements before it are those pydicom 2.3 reads
 * before it (pydicom reads such headers too; it is asked when installed).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { vrLookup } from '../../../lib/dicom/dictionary.js';
import { dataSetToJson } from '../../../lib/dicom/json-model.js';
import { parseDicom } from '../../../lib/dicom/parse.js';
import { readImageInfo } from '../../../lib/pixels/image-info.js';
import { decodeFrame } from '../../../lib/pixels/decoders.js';
import {
  type DamagedFixture,
  itemOutsideSequenceFile,
  preambleOnlyFile,
  sequencePastEndFile,
  shortLastFrameEncapsulatedFile,
  truncatedPixelDataFile,
} from '../../support/damaged-fixtures.js';
import { thrown } from './raw-bytes.js';

const parse = (bytes: Uint8Array) => parseDicom(bytes, { vrLookup });
/** Data set tags ('GGGGEEEE'), File Meta left out, in order. */
const tagsOf = (bytes: Uint8Array) => Object.keys(dataSetToJson(parse(bytes))).filter((t) => !t.startsWith('0002'));

const CLASSES: Array<[string, () => DamagedFixture, string, string]> = [
  ['Pixel Data cut short', truncatedPixelDataFile, 'TruncatedPixelData', '7FE00010'],
  ['a sequence of defined length past the end', () => sequencePastEndFile(false), 'SequencePastEnd', '00400275'],
  ['a sequence of undefined length past the end', () => sequencePastEndFile(true), 'SequencePastEnd', '00400275'],
  ['an Item outside a sequence', itemOutsideSequenceFile, 'ItemOutsideSequence', 'FFFEE000'],
  ['a multi-frame encapsulated file cut in its last frame', shortLastFrameEncapsulatedFile, 'TruncatedPixelData', '7FE00010'],
];

describe('parseDicom: damaged files keep the elements before the damage', () => {
  it.each(CLASSES)('%s: its damage, offset and tag; the elements before it, none after', (_name, make, code, tag) => {
    const fixture = make();
    const parsed = parse(fixture.bytes);
    expect(parsed.damage).toEqual([expect.objectContaining({ code, offset: fixture.damageAt, tag })]);
    expect(parsed.damage![0].message).toContain(`byte ${fixture.damageAt}`);
    const tags = tagsOf(fixture.bytes);
    for (const t of fixture.before) expect(tags, t).toContain(t);
    for (const t of fixture.after) expect(tags, t).not.toContain(t);
  });

  it('messages name tags, offsets and lengths, never a value', () => {
    for (const [, make] of CLASSES) {
      const { damage } = parse(make().bytes);
      expect(damage![0].message).not.toMatch(/Damaged|Fixture|DAMAGED-14|procedure|Scheduled/);
    }
  });

  it('without salvage (or on a partial read) damage stays MalformedDicom', () => {
    expect(thrown(() => parseDicom(sequencePastEndFile(true).bytes, { vrLookup, salvage: false }))).toMatchObject({ code: 'MalformedDicom' });
    expect(thrown(() => parseDicom(itemOutsideSequenceFile().bytes, { vrLookup, salvage: false }))).toMatchObject({ code: 'MalformedDicom' });
  });

  it('Pixel Data cut short keeps the bytes there: complete frames decode, the cut one is TruncatedPixelData', async () => {
    const fixture = truncatedPixelDataFile();
    const parsed = parse(fixture.bytes);
    const info = readImageInfo(parsed);
    expect(Array.from((await decodeFrame(parsed, info, 1)).values).slice(0, 3)).toEqual([100, 101, 102]);
    await expect(decodeFrame(parsed, info, 2)).rejects.toMatchObject({
      code: 'TruncatedPixelData',
      status: 422,
      details: { frame: 3, bytesExpected: fixture.frameBytes, bytesPresent: fixture.presentOfLast },
    });
  });

  it('an encapsulated file cut in its last fragment: frames 1-2 decode, frame 3 names the bytes its item declares and those present', async () => {
    const fixture = shortLastFrameEncapsulatedFile();
    const parsed = parse(fixture.bytes);
    const info = readImageInfo(parsed);
    expect(Array.from((await decodeFrame(parsed, info, 0)).values).slice(0, 3)).toEqual([0, 1, 2]);
    expect(Array.from((await decodeFrame(parsed, info, 1)).values).slice(0, 3)).toEqual([64, 65, 66]);
    await expect(decodeFrame(parsed, info, 2)).rejects.toMatchObject({
      code: 'TruncatedPixelData',
      details: { frame: 3, bytesExpected: fixture.lastFragmentLength, bytesPresent: fixture.presentOfLast },
    });
  });

  it('a stream with preamble and "DICM" only is NoDataSet, not an empty header', () => {
    expect(thrown(() => parse(preambleOnlyFile()))).toMatchObject({ code: 'NoDataSet', status: 422, details: { offset: 132 } });
  });
});

/** A Python with pydicom (the Debian package installs it for /usr/bin/python3). */
function pydicomPython(): string | undefined {
  for (const py of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(py, ['-c', 'import pydicom'], { stdio: 'ignore' });
      return py;
    } catch {
      // next
    }
  }
  return undefined;
}

const python = pydicomPython();
const TITLE = python ? 'damaged files against pydicom 2.3' : 'damaged files against pydicom 2.3 (NOT RUN: no python3 with pydicom)';
if (!python) console.warn(`${TITLE}`);

describe.skipIf(!python)(TITLE, () => {
  const dir = mkdtempSync(join(tmpdir(), 'damaged-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The data set tags pydicom reads, or undefined when it refuses the file. */
  const pydicomTags = (bytes: Uint8Array): string[] | undefined => {
    const path = join(dir, 'f.dcm');
    writeFileSync(path, bytes);
    const script = [
      'import json, sys, warnings',
      'warnings.simplefilter("ignore")',
      'import pydicom',
      'try:',
      '    ds = pydicom.dcmread(sys.argv[1])',
      '    print(json.dumps(["%04X%04X" % (t.group, t.element) for t in ds.keys()]))',
      'except Exception:',
      '    print("null")',
    ].join('\n');
    return JSON.parse(execFileSync(python!, ['-c', script, path], { encoding: 'utf8' })) ?? undefined;
  };

  it.each(CLASSES)('%s: the elements before the damage are those pydicom reads before it', (_name, make, _code, tag) => {
    const fixture = make();
    const theirs = pydicomTags(fixture.bytes);
    // pydicom refuses an undefined-length sequence without its delimiters ("No tag to read"): nothing to compare.
    if (theirs === undefined) {
      expect(fixture.after).toContain('00400275');
      return;
    }
    // Elements sort by tag (PS3.5 7.1): those before the damaged element (pydicom reads past an
    // Item outside a sequence; there, those before the element it precedes).
    const limit = tag === 'FFFEE000' ? fixture.after[0] : tag;
    const beforeDamage = (t: string) => t < limit;
    expect(tagsOf(fixture.bytes).filter(beforeDamage)).toEqual(theirs.filter(beforeDamage));
  });
});
