import { describe, expect, it } from 'vitest';
import { decodeText, parseCharsets } from '../../../lib/dicom/charset.js';

const bytes = (...parts: Array<string | number[]>): Uint8Array =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));

describe('parseCharsets', () => {
  it('splits and normalizes misspellings', () => {
    expect(parseCharsets('ISO-IR 100')).toEqual(['ISO_IR 100']);
    expect(parseCharsets('\\ISO 2022 IR 87')).toEqual(['', 'ISO 2022 IR 87']);
    expect(parseCharsets(undefined)).toEqual([]);
  });
});

describe('decodeText', () => {
  it('default repertoire and ISO_IR 100 (true ISO 8859-1, not windows-1252)', () => {
    expect(decodeText(bytes('Doe^Jane'), [])).toBe('Doe^Jane');
    expect(decodeText(bytes([0x42, 0x75, 0x63, 0x5e, 0x4a, 0xe9, 0x72, 0xf4, 0x6d, 0x65]), ['ISO_IR 100'])).toBe('Buc^Jérôme');
    expect(decodeText(bytes([0x80]), ['ISO_IR 100'])).toBe('\u0080');
  });
  it('UTF-8 (ISO_IR 192)', () => {
    expect(decodeText(new Uint8Array(Buffer.from('Wang^XiaoDong=王^小東', 'utf8')), ['ISO_IR 192'])).toBe('Wang^XiaoDong=王^小東');
  });
  it('Cyrillic, Greek, Hebrew single-byte sets', () => {
    expect(decodeText(bytes([0xbb, 0xee, 0xda]), ['ISO_IR 144'])).toBe('Люк');
    expect(decodeText(bytes([0xc4, 0xe9, 0xef]), ['ISO_IR 126'])).toBe('Διο');
    expect(decodeText(bytes([0xe1, 0xf0]), ['ISO_IR 138'])).toBe('בנ');
  });
  it('GB18030: a 0x5C trail byte is not a value separator', () => {
    const encoded = [0x95, 0x5c]; // a GB18030 character whose second byte is '\'
    const text = decodeText(bytes(encoded), ['GB18030']);
    expect(text).not.toContain('\\');
    expect(text.length).toBe(1);
  });
  it('ISO 2022 IR 87 (JIS X 0208) with escapes, PN groups reset to the default', () => {
    // Yamada^Tarou=山田^太郎 as in PS3.5 Annex H
    const value = bytes(
      'Yamada^Tarou=',
      [0x1b, 0x24, 0x42, 0x3b, 0x33, 0x45, 0x44, 0x1b, 0x28, 0x42],
      '^',
      [0x1b, 0x24, 0x42, 0x42, 0x40, 0x4f, 0x3a, 0x1b, 0x28, 0x42],
    );
    expect(decodeText(value, ['', 'ISO 2022 IR 87'], true)).toBe('Yamada^Tarou=山田^太郎');
  });
  it('ISO 2022 IR 149 (KS X 1001 in G1)', () => {
    // Hong^Gildong=洪^吉洞 from PS3.5 Annex I
    const value = bytes('Hong^Gildong=', [0x1b, 0x24, 0x29, 0x43, 0xfb, 0xf3], '^', [0x1b, 0x24, 0x29, 0x43, 0xd1, 0xce, 0xd4, 0xd7]);
    expect(decodeText(value, ['', 'ISO 2022 IR 149'], true)).toBe('Hong^Gildong=洪^吉洞');
  });
  it('ISO 2022 IR 13 half-width katakana and IR 159 (JIS X 0212)', () => {
    expect(decodeText(bytes([0xd4, 0xcf, 0xc0, 0xde]), ['ISO 2022 IR 13'])).toBe('ﾔﾏﾀﾞ');
    expect(decodeText(bytes([0x1b, 0x24, 0x28, 0x44, 0x30, 0x21, 0x1b, 0x28, 0x42]), ['', 'ISO 2022 IR 159'])).toBe('丂');
  });
  it('unknown terms fall back to ISO 8859-1 instead of failing', () => {
    expect(decodeText(bytes([0x41, 0xe9]), ['ISO_IR 999'])).toBe('Aé');
  });
});
