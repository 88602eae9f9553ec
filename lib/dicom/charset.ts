/**
 * Decoding of text values by Specific Character Set (0008,0005): PS3.3 C.12.1.1.2 (Defined
 * Terms), PS3.5 6.1 (repertoires) and 6.1.2.5 (ISO 2022 code extensions).
 *
 * Only SH, LO, ST, LT, UC, UT and PN use the declared character set (PS3.5 6.1.2.3); every
 * other string VR is the default repertoire. Bytes outside ASCII in those are invalid, but we
 * keep them as ISO 8859-1 (lossless, and what pydicom does) instead of failing a header.
 */

/** VRs whose values are affected by Specific Character Set (PS3.5 6.1.2.3 / Table 6.2-1). */
export const CHARSET_VRS: ReadonlySet<string> = new Set(['SH', 'LO', 'ST', 'LT', 'UC', 'UT', 'PN']);

type G0 = 'ascii' | 'romaji' | 'jisx0208' | 'jisx0212';
/** G1 (bytes 0xA0-0xFF; PS3.5 6.1.2.5.1): a TextDecoder label ('latin1' = exact ISO 8859-1). */
type G1 = string | undefined;

interface Extension {
  g0?: G0;
  g1?: G1;
}

/** ISO 2022 terms (PS3.3 Table C.12-3 and C.12-4) -> what they designate. */
const ISO2022_TERMS: Record<string, Extension> = {
  'ISO 2022 IR 6': { g0: 'ascii' },
  'ISO 2022 IR 100': { g0: 'ascii', g1: 'latin1' },
  'ISO 2022 IR 101': { g0: 'ascii', g1: 'iso-8859-2' },
  'ISO 2022 IR 109': { g0: 'ascii', g1: 'iso-8859-3' },
  'ISO 2022 IR 110': { g0: 'ascii', g1: 'iso-8859-4' },
  'ISO 2022 IR 144': { g0: 'ascii', g1: 'iso-8859-5' },
  'ISO 2022 IR 127': { g0: 'ascii', g1: 'iso-8859-6' },
  'ISO 2022 IR 126': { g0: 'ascii', g1: 'iso-8859-7' },
  'ISO 2022 IR 138': { g0: 'ascii', g1: 'iso-8859-8' },
  'ISO 2022 IR 148': { g0: 'ascii', g1: 'iso-8859-9' },
  'ISO 2022 IR 203': { g0: 'ascii', g1: 'iso-8859-15' },
  'ISO 2022 IR 166': { g0: 'ascii', g1: 'windows-874' },
  // JIS X 0201: Romaji in G0, Katakana in G1 (half-width katakana = Shift_JIS single bytes).
  'ISO 2022 IR 13': { g0: 'romaji', g1: 'shift_jis' },
  'ISO 2022 IR 87': { g0: 'jisx0208' },
  'ISO 2022 IR 159': { g0: 'jisx0212' },
  'ISO 2022 IR 149': { g1: 'euc-kr' },
  'ISO 2022 IR 58': { g1: 'gbk' },
};

/** Escape sequences (PS3.3 Table C.12-3/C.12-4), as the bytes after ESC. */
const ESCAPES: Array<[number[], Extension]> = [
  [[0x28, 0x42], { g0: 'ascii' }], // ESC ( B   ISO-IR 6
  [[0x28, 0x4a], { g0: 'romaji' }], // ESC ( J   ISO-IR 14
  [[0x29, 0x49], { g1: 'shift_jis' }], // ESC ) I   ISO-IR 13
  [[0x24, 0x42], { g0: 'jisx0208' }], // ESC $ B   ISO-IR 87
  [[0x24, 0x28, 0x44], { g0: 'jisx0212' }], // ESC $ ( D ISO-IR 159
  [[0x24, 0x29, 0x43], { g1: 'euc-kr' }], // ESC $ ) C ISO-IR 149
  [[0x24, 0x29, 0x41], { g1: 'gbk' }], // ESC $ ) A ISO-IR 58
  [[0x2d, 0x41], { g1: 'latin1' }], // ESC - A   ISO-IR 100
  [[0x2d, 0x42], { g1: 'iso-8859-2' }],
  [[0x2d, 0x43], { g1: 'iso-8859-3' }],
  [[0x2d, 0x44], { g1: 'iso-8859-4' }],
  [[0x2d, 0x4c], { g1: 'iso-8859-5' }],
  [[0x2d, 0x47], { g1: 'iso-8859-6' }],
  [[0x2d, 0x46], { g1: 'iso-8859-7' }],
  [[0x2d, 0x48], { g1: 'iso-8859-8' }],
  [[0x2d, 0x4d], { g1: 'iso-8859-9' }],
  [[0x2d, 0x62], { g1: 'iso-8859-15' }],
  [[0x2d, 0x54], { g1: 'windows-874' }],
];

/** Single-value terms without code extensions (PS3.3 Table C.12-2 and C.12-5). */
const PLAIN_TERMS: Record<string, string> = {
  'ISO_IR 6': 'latin1',
  'ISO_IR 100': 'latin1',
  'ISO_IR 101': 'iso-8859-2',
  'ISO_IR 109': 'iso-8859-3',
  'ISO_IR 110': 'iso-8859-4',
  'ISO_IR 144': 'iso-8859-5',
  'ISO_IR 127': 'iso-8859-6',
  'ISO_IR 126': 'iso-8859-7',
  'ISO_IR 138': 'iso-8859-8',
  'ISO_IR 148': 'iso-8859-9',
  'ISO_IR 203': 'iso-8859-15',
  'ISO_IR 166': 'windows-874',
  'ISO_IR 13': 'shift_jis',
  'ISO_IR 192': 'utf-8',
  GB18030: 'gb18030',
  GBK: 'gbk',
};

/** Writers misspell terms ('ISO-IR 100', 'ISO_IR100', 'iso_ir 192'); accept what is unambiguous. */
function normalizeTerm(term: string): string {
  const t = term.trim().toUpperCase();
  const m = /^ISO[-_ ]?(2022)?[-_ ]?IR[-_ ]?(\d+)$/.exec(t);
  if (!m) return t;
  return m[1] ? `ISO 2022 IR ${m[2]}` : `ISO_IR ${m[2]}`;
}

/**
 * The Specific Character Set values (0008,0005 split on '\'), normalized; [] when absent.
 * A missing or empty first value means the default repertoire (PS3.3 C.12.1.1.2).
 */
export function parseCharsets(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const values = typeof value === 'string' ? value.split('\\') : [...value];
  return values.map(normalizeTerm);
}

const decoders = new Map<string, TextDecoder>();
function decodeWith(label: string, bytes: Uint8Array): string {
  if (bytes.length === 0) return '';
  // TextDecoder('latin1') is windows-1252; ISO 8859-1 proper maps every byte to its code point.
  if (label === 'latin1') return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  let d = decoders.get(label);
  if (!d) {
    d = new TextDecoder(label, { ignoreBOM: true });
    decoders.set(label, d);
  }
  return d.decode(bytes);
}

/** Decodes with the default repertoire (ASCII; other bytes kept as ISO 8859-1). */
export const decodeAscii = (bytes: Uint8Array): string => decodeWith('latin1', bytes);

const usesExtensions = (charsets: readonly string[]): boolean =>
  charsets.length > 1 || (charsets.length === 1 && charsets[0].startsWith('ISO 2022'));

/**
 * Decodes the bytes of one element's value (all its values, '\'-separated) with the data
 * set's character sets. `pn` enables the PN delimiters '^' and '=' as ISO 2022 reset points.
 * A literal '\' in the result is always a value separator (never the trail byte of a
 * multi-byte character), so callers split the decoded text.
 */
export function decodeText(bytes: Uint8Array, charsets: readonly string[], pn = false): string {
  if (!usesExtensions(charsets)) {
    const term = charsets[0] ?? '';
    // Unknown terms fall back to the default repertoire, like pydicom (warned there, silent here).
    return decodeWith(PLAIN_TERMS[term] ?? 'latin1', bytes);
  }
  return decodeIso2022(bytes, charsets, pn);
}

function initialState(charsets: readonly string[]): Required<Extension> {
  const first = charsets[0] ? ISO2022_TERMS[charsets[0]] : undefined;
  // Value 1 empty: the default repertoire in G0 and nothing in G1 (PS3.3 C.12.1.1.2); stray
  // G1 bytes are then kept as ISO 8859-1, as pydicom does.
  return { g0: first?.g0 ?? 'ascii', g1: first?.g1 ?? PLAIN_TERMS[charsets[0]] ?? 'latin1' };
}

const ESC = 0x1b;

/**
 * ISO 2022 decoding (PS3.5 6.1.2.5): escape sequences designate G0 (bytes 0x21-0x7E) or G1
 * (0xA1-0xFE) sets; at CR, LF, FF, TAB, the value separator '\' and PN's '^' and '=' the
 * sets of value 1 are active again (PS3.5 6.1.2.5.3). Multi-byte G0 sets (JIS X 0208/0212)
 * are decoded through EUC-JP, multi-byte G1 sets (KS X 1001, GB 2312) through EUC-KR / GBK.
 */
function decodeIso2022(bytes: Uint8Array, charsets: readonly string[], pn: boolean): string {
  const initial = initialState(charsets);
  let g0: G0 = initial.g0;
  let g1: string = initial.g1;
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b === ESC) {
      const match = ESCAPES.find(([seq]) => seq.every((c, k) => bytes[i + 1 + k] === c));
      if (match) {
        g0 = match[1].g0 ?? g0;
        g1 = match[1].g1 ?? g1;
        i += 1 + match[0].length;
      } else {
        out += '\u001b';
        i += 1;
      }
      continue;
    }
    const singleByteG0 = g0 === 'ascii' || g0 === 'romaji';
    if (singleByteG0 && isDelimiter(b, pn)) {
      out += String.fromCharCode(b);
      g0 = initial.g0;
      g1 = initial.g1;
      i += 1;
      continue;
    }
    // A run of bytes that decode the same way: G1 bytes, or G0 bytes up to the next ESC/delimiter.
    let j = i;
    if (b >= 0x80) {
      while (j < bytes.length && bytes[j] >= 0x80) j++;
      out += decodeWith(g1, bytes.subarray(i, j));
    } else if (singleByteG0) {
      while (j < bytes.length && bytes[j] < 0x80 && bytes[j] !== ESC && !isDelimiter(bytes[j], pn)) j++;
      const text = decodeWith('latin1', bytes.subarray(i, j));
      // JIS X 0201 Romaji differs from ASCII in two positions: YEN SIGN and OVERLINE.
      out += g0 === 'romaji' ? text.replace(/\\/g, '\u00a5').replace(/~/g, '\u203e') : text;
    } else {
      while (j < bytes.length && bytes[j] < 0x80 && bytes[j] !== ESC && bytes[j] !== 0x0d && bytes[j] !== 0x0a) j++;
      out += decodeJisG0(g0 as 'jisx0208' | 'jisx0212', bytes.subarray(i, j));
    }
    i = j;
  }
  return out;
}

const isDelimiter = (b: number, pn: boolean): boolean =>
  b === 0x5c || b === 0x0d || b === 0x0a || b === 0x0c || b === 0x09 || (pn && (b === 0x5e || b === 0x3d));

/** JIS X 0208 / 0212 in G0 (7-bit byte pairs) re-encoded as EUC-JP, which TextDecoder knows. */
function decodeJisG0(g0: 'jisx0208' | 'jisx0212', bytes: Uint8Array): string {
  const pairs = bytes.length >> 1;
  const prefix = g0 === 'jisx0212' ? 1 : 0;
  const euc = new Uint8Array(pairs * (2 + prefix));
  for (let p = 0, o = 0; p < pairs; p++) {
    if (prefix) euc[o++] = 0x8f;
    euc[o++] = bytes[2 * p] | 0x80;
    euc[o++] = bytes[2 * p + 1] | 0x80;
  }
  const tail = bytes.length % 2 ? '\ufffd' : '';
  return decodeWith('euc-jp', euc) + tail;
}
