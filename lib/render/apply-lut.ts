/**
 * The per-pixel table lookup, the render's hottest loop. One kernel per stored-value array
 * type, so each loop's element loads stay monomorphic: a single generic loop over the union
 * of typed arrays measured about 4 ns per pixel here, these about 1.
 */
import type { StoredValues } from '../pixels/native-frame.js';

type Out = Uint8Array | Uint16Array;

function fromInt16(s: Int16Array, lowest: number, lut: Out, out: Out): void {
  for (let i = 0; i < s.length; i++) out[i] = lut[s[i] - lowest];
}
function fromUint16(s: Uint16Array, lowest: number, lut: Out, out: Out): void {
  for (let i = 0; i < s.length; i++) out[i] = lut[s[i] - lowest];
}
/**
 * The 8-bit output of 16-bit cells, the commonest render (a windowed CT, DX or MR to an 8-bit
 * PNG, lib/render/native-cells.ts): every array of one type, and four pixels a step. Measured on
 * 4 Mpixels: 7.5 ms in the loop above (its table and output are 8- or 16-bit), 5.6 with the
 * types fixed, 3.4 with four a step.
 */
function fromUint16To8(s: Uint16Array, lowest: number, lut: Uint8Array, out: Uint8Array): void {
  const n = s.length;
  let i = 0;
  if (lowest === 0) {
    for (; i + 3 < n; i += 4) {
      out[i] = lut[s[i]];
      out[i + 1] = lut[s[i + 1]];
      out[i + 2] = lut[s[i + 2]];
      out[i + 3] = lut[s[i + 3]];
    }
  }
  for (; i < n; i++) out[i] = lut[s[i] - lowest];
}
function fromUint8(s: Uint8Array, lowest: number, lut: Out, out: Out): void {
  for (let i = 0; i < s.length; i++) out[i] = lut[s[i] - lowest];
}
function fromInt8(s: Int8Array, lowest: number, lut: Out, out: Out): void {
  for (let i = 0; i < s.length; i++) out[i] = lut[s[i] - lowest];
}
function fromInt32(s: Int32Array, lowest: number, lut: Out, out: Out): void {
  for (let i = 0; i < s.length; i++) out[i] = lut[s[i] - lowest];
}
function fromAny(s: ArrayLike<number>, lowest: number, lut: Out, out: Out): void {
  for (let i = 0; i < s.length; i++) out[i] = lut[s[i] - lowest];
}

/** out[i] = lut[stored[i] - lowest] for every pixel. */
export function applyLut(stored: StoredValues, lowest: number, lut: Out, out: Out): void {
  if (stored instanceof Int16Array) fromInt16(stored, lowest, lut, out);
  else if (stored instanceof Uint16Array) {
    if (lut instanceof Uint8Array && out instanceof Uint8Array) fromUint16To8(stored, lowest, lut, out);
    else fromUint16(stored, lowest, lut, out);
  }
  else if (stored instanceof Uint8Array) fromUint8(stored, lowest, lut, out);
  else if (stored instanceof Int8Array) fromInt8(stored, lowest, lut, out);
  else if (stored instanceof Int32Array) fromInt32(stored, lowest, lut, out);
  else fromAny(stored, lowest, lut, out);
}

function rangeInt16(s: Int16Array): [number, number] {
  let lo = 32767;
  let hi = -32768;
  for (let i = 0; i < s.length; i++) {
    const v = s[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}
function rangeUint16(s: Uint16Array): [number, number] {
  let lo = 65535;
  let hi = 0;
  for (let i = 0; i < s.length; i++) {
    const v = s[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

function rangeInt32(s: Int32Array): [number, number] {
  let lo = 2147483647;
  let hi = -2147483648;
  for (let i = 0; i < s.length; i++) {
    const v = s[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/**
 * The smallest and largest stored value of a 16-bit frame, so the table covers only the values
 * that occur (a CT uses a few thousand of 65536); undefined for other types (tabulate all).
 */
export function storedRange(stored: StoredValues): [number, number] | undefined {
  if (stored.length === 0) return undefined;
  if (stored instanceof Int16Array) return rangeInt16(stored);
  if (stored instanceof Uint16Array) return rangeUint16(stored);
  // Int32Array holds decoded cells of up to 16 bits here (the caller tabulates only those).
  if (stored instanceof Int32Array) return rangeInt32(stored);
  return undefined;
}
