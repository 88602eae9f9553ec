import { describe, expect, it } from 'vitest';
import { vrLookup } from '../../../lib/dicom/dictionary.js';
import { parseDicom } from '../../../lib/dicom/parse.js';
import { headerWarnings, warningHeaders, withRecorded } from '../../../lib/header/header-warnings.js';
import { sequencePastEndFile, truncatedPixelDataFile } from '../../support/damaged-fixtures.js';

describe('header warnings (issue 14)', () => {
  it('a header read stopping at Pixel Data sees native pixel data running past the object', () => {
    const fixture = truncatedPixelDataFile();
    const parsed = parseDicom(fixture.bytes, { vrLookup, untilPixelData: true });
    expect(headerWarnings(parsed, fixture.bytes.length)).toEqual([
      { code: 'TruncatedPixelData', offset: fixture.damageAt, message: `Pixel data (7FE0,0010) at byte ${fixture.damageAt} declares 96 bytes but the file ends after 76 of them.` },
    ]);
    // The whole object: nothing is missing.
    const whole = parseDicom(fixture.bytes, { vrLookup, untilPixelData: true });
    expect(headerWarnings(whole, fixture.bytes.length + 20)).toEqual([]);
  });

  it('the parse\'s own damage comes first; what the processor recorded is added once per code', () => {
    const fixture = sequencePastEndFile(true);
    const own = headerWarnings(parseDicom(fixture.bytes, { vrLookup, untilPixelData: true }), fixture.bytes.length);
    expect(own.map((w) => w.code)).toEqual(['SequencePastEnd']);
    const merged = withRecorded(own, [
      { code: 'SequencePastEnd', offset: fixture.damageAt },
      { code: 'TruncatedPixelData', offset: 2340 },
    ]);
    expect(merged.map((w) => [w.code, w.offset])).toEqual([
      ['SequencePastEnd', fixture.damageAt],
      ['TruncatedPixelData', 2340],
    ]);
    expect(merged[1].message).toBe('At byte 2340 the pixel data is cut short (found when the file was processed).');
  });

  it('Warning: 299 with agent "-" and a quoted text (RFC 7234 5.5), one per damage, quotes escaped, ASCII only', () => {
    expect(warningHeaders([])).toEqual({});
    const value = warningHeaders([
      { code: 'ItemOutsideSequence', message: 'An Item at byte 8 "here" \\ there é.' },
      { code: 'TruncatedPixelData', message: 'Cut.' },
    ]).warning;
    expect(value).toBe(
      '299 - "The header is incomplete: the file is damaged (ItemOutsideSequence): An Item at byte 8 \\"here\\" \\\\ there ?. Elements read before the damage are given.", ' +
        '299 - "The header is incomplete: the file is damaged (TruncatedPixelData): Cut. Elements read before the damage are given."',
    );
  });
});
