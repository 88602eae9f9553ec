/**
 * Hand-made DICOM bytes for reader and parser tests: headers written field by field, so a
 * test can write a lying length, a missing delimiter or a wrong VR where it wants one
 * (test/support/dicom-writer.ts writes only well-formed data).
 */
export type Bytes = Array<number[] | Uint8Array>;

export const cat = (...parts: Bytes): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

export const u16 = (v: number, le = true): number[] => (le ? [v & 0xff, (v >> 8) & 0xff] : [(v >> 8) & 0xff, v & 0xff]);
export const u32 = (v: number, le = true): number[] => {
  const b = [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
  return le ? b : b.reverse();
};
const tagBytes = (tag: string, le: boolean): number[] => [...u16(parseInt(tag.slice(0, 4), 16), le), ...u16(parseInt(tag.slice(4), 16), le)];
export const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

const LONG = new Set('OB OD OF OL OV OW SQ SV UC UN UR UT UV'.split(' '));

/** An Explicit VR element header ('GGGGEEEE', VR, length: 2 or 4 bytes by VR, PS3.5 7.1.2). */
export const explicitHeader = (tag: string, vr: string, length: number, le = true): number[] =>
  LONG.has(vr) ? [...tagBytes(tag, le), ...ascii(vr), 0, 0, ...u32(length, le)] : [...tagBytes(tag, le), ...ascii(vr), ...u16(length, le)];
/** An Explicit VR element whose length is its value's (unless `length` says otherwise). */
export const explicit = (tag: string, vr: string, value: number[], length = value.length, le = true): number[] => [
  ...explicitHeader(tag, vr, length, le),
  ...value,
];
/** An Implicit VR element (PS3.5 7.1.3). */
export const implicit = (tag: string, value: number[], length = value.length, le = true): number[] => [...tagBytes(tag, le), ...u32(length, le), ...value];

export const UNDEFINED = 0xffffffff;
/** Item (FFFE,E000), Item Delimitation (FFFE,E00D), Sequence Delimitation (FFFE,E0DD): no VR (PS3.5 7.5). */
export const item = (length: number, le = true): number[] => [...tagBytes('FFFEE000', le), ...u32(length, le)];
export const itemEnd = (le = true): number[] => [...tagBytes('FFFEE00D', le), ...u32(0, le)];
export const sequenceEnd = (le = true): number[] => [...tagBytes('FFFEE0DD', le), ...u32(0, le)];

/** The error `f` throws (the test fails when it throws none). */
export function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}
