import { describe, expect, it } from 'vitest';
import {
  parseSummary,
  parseTrailingMetadata,
  parseWarningsMetadata,
  serializeSummary,
  summaryMetadata,
  summaryWarnings,
  type FileSummary,
} from '../../../lib/files/summary.js';

const ready: FileSummary = {
  status: 'ready',
  size: 10,
  sha256: 'ab'.repeat(32),
  rows: 4,
  uploadedAt: '2026-01-01T00:00:00.000Z',
  processedAt: '2026-01-01T00:00:01.000Z',
};
const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

describe('summary', () => {
  it('round-trips, writing only the allowed fields', () => {
    const withExtra = { ...ready, patientName: 'Doe^Jane' } as FileSummary;
    const bytes = serializeSummary(withExtra);
    expect(new TextDecoder().decode(bytes)).not.toContain('Doe');
    expect(parseSummary(bytes)).toEqual(ready);
  });

  it('drops unknown fields when reading', () => {
    expect(parseSummary(enc({ ...ready, patientName: 'Doe^Jane' }))).toEqual(ready);
  });

  it.each([
    ['empty', new Uint8Array(0)],
    ['truncated', new TextEncoder().encode('{"status":"ready"')],
    ['an unknown status', enc({ ...ready, status: 'done' })],
    ['a bad hash', enc({ ...ready, sha256: 'xyz' })],
    ['a rejection without reason', enc({ ...ready, status: 'rejected' })],
    ['a rejection with an unknown code', enc({ ...ready, status: 'rejected', reason: { code: 'Nope', message: 'x' } })],
  ])('reads %s as no summary', (_name, bytes) => {
    expect(parseSummary(bytes)).toBeUndefined();
  });

  it('reads a rejection with its reason', () => {
    const rejected = { ...ready, status: 'rejected', reason: { code: 'NotDicom', message: 'Not DICOM.' } };
    expect(parseSummary(enc(rejected))).toEqual(rejected);
  });

  it('keeps the range of the elements after the pixel data only as a range', () => {
    const trailing = { ...ready, trailingOffset: 1000, trailingEnd: 1200 };
    expect(parseSummary(serializeSummary(trailing))).toEqual(trailing);
    expect(parseSummary(enc({ ...ready, trailingOffset: 1000 }))).toEqual(ready);
    expect(parseSummary(enc({ ...ready, trailingOffset: 1200, trailingEnd: 1000 }))).toEqual(ready);
    expect(parseSummary(enc({ ...ready, trailingOffset: '1000', trailingEnd: 1200 }))).toEqual(ready);
  });

  it('carries it in the metadata for the header route (one HEAD): the range, or none', () => {
    expect(summaryMetadata({ ...ready, trailingOffset: 1000, trailingEnd: 1200 }, { size: 10 }).trailing).toBe('1000-1200');
    expect(summaryMetadata(ready, { size: 10 }).trailing).toBe('none');
    expect(summaryMetadata({ ...ready, status: 'rejected' }, { size: 10 })).not.toHaveProperty('trailing');
    expect(parseTrailingMetadata('1000-1200')).toEqual({ offset: 1000, end: 1200 });
    expect(parseTrailingMetadata('none')).toBe('none');
    for (const unknown of [undefined, '', '1200-1000', '-1-5', '1e3-2000', 'all']) expect(parseTrailingMetadata(unknown)).toBeUndefined();
  });

  it('keeps a damaged file\'s warnings (code, sentence, offset) and carries codes and offsets in the metadata (issue 14)', () => {
    const damage = [{ code: 'TruncatedPixelData', offset: 1488, message: 'Pixel data (7FE0,0010) at byte 1488 declares 8192 bytes but the file ends after 8130 of them.', tag: '7FE00010' }];
    const damaged: FileSummary = { ...ready, ...summaryWarnings(damage) };
    expect(damaged.warnings).toEqual([{ code: 'TruncatedPixelData', offset: 1488, message: damage[0].message }]);
    expect(parseSummary(serializeSummary(damaged))).toEqual(damaged);
    const metadata = summaryMetadata(damaged, { size: 10, etag: '"e"' });
    expect(metadata.warnings).toBe('TruncatedPixelData@1488');
    expect(parseWarningsMetadata(metadata.warnings)).toEqual([{ code: 'TruncatedPixelData', offset: 1488 }]);
    expect(summaryMetadata(ready, { size: 10 }).warnings).toBeUndefined();
    expect(summaryWarnings(undefined)).toEqual({});
    expect(parseWarningsMetadata('x y@1,Bad@-1,SequencePastEnd@446')).toEqual([{ code: 'SequencePastEnd', offset: 446 }]);
    expect(parseWarningsMetadata('nonsense')).toBeUndefined();
    // A summary whose warnings are not {code, message} objects is not this version's.
    expect(parseSummary(enc({ ...ready, warnings: 'broken' }))).toBeUndefined();
    expect(parseSummary(enc({ ...ready, warnings: [{ code: 1 }] }))).toBeUndefined();
  });
});
