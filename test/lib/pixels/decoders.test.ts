import { describe, expect, it } from 'vitest';
import { parseDicom } from '../../../lib/dicom/parse.js';
import { readImageInfo } from '../../../lib/pixels/image-info.js';
import { FRAME_DECODERS, decodeFrame, decoderFor } from '../../../lib/pixels/decoders.js';
import { DomainError } from '../../../lib/errors.js';
import { makeImageElements, writeDicom } from '../../support/dicom-writer.js';

describe('transfer syntax -> frame decoder table', () => {
  it('has exactly the native transfer syntaxes in this issue', () => {
    expect(Object.keys(FRAME_DECODERS).sort()).toEqual(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.2']);
  });

  it('refuses every other transfer syntax with UnsupportedTransferSyntax (422) naming UID and name', () => {
    for (const [uid, name] of [
      ['1.2.840.10008.1.2.4.50', 'JPEG Baseline (Process 1)'],
      ['1.2.840.10008.1.2.5', 'RLE Lossless'],
      ['1.2.840.10008.1.2.4.90', 'JPEG 2000 (Lossless Only)'],
      ['1.2.3.4.5', 'unknown transfer syntax'],
    ]) {
      try {
        decoderFor(uid);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(DomainError);
        expect((e as DomainError).code).toBe('UnsupportedTransferSyntax');
        expect((e as DomainError).status).toBe(422);
        expect((e as DomainError).message).toContain(uid);
        expect((e as DomainError).message).toContain(name);
      }
    }
  });

  it('refuses an encapsulated JPEG object end to end', () => {
    const elements = makeImageElements({ rows: 2, columns: 2, bitsAllocated: 8, pixel: () => 0 }).map((e) =>
      e.tag === '7FE00010' ? { ...e, value: new Uint8Array([0xff, 0xd8, 0xff, 0xd9]), undefinedLength: true } : e,
    );
    const parsed = parseDicom(writeDicom({ transferSyntaxUid: '1.2.840.10008.1.2.4.50', elements }));
    expect(() => decodeFrame(parsed, readImageInfo(parsed), 0)).toThrow(/1\.2\.840\.10008\.1\.2\.4\.50 \(JPEG Baseline/);
  });

  it('refuses encapsulated pixel data under a native transfer syntax as MalformedDicom', () => {
    const elements = makeImageElements({ rows: 2, columns: 2, bitsAllocated: 8, pixel: () => 0 }).map((e) =>
      e.tag === '7FE00010' ? { ...e, value: new Uint8Array([1, 2, 3, 4]), undefinedLength: true } : e,
    );
    const parsed = parseDicom(writeDicom({ elements }));
    try {
      decodeFrame(parsed, readImageInfo(parsed), 0);
      expect.unreachable();
    } catch (e) {
      expect((e as DomainError).code).toBe('MalformedDicom');
      expect((e as DomainError).message).toMatch(/encapsulated/);
    }
  });
});
