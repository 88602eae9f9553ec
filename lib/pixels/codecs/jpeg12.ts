/**
 * A small TypeScript decoder for Huffman-coded DCT JPEG with 12-bit samples (ISO 10918-1:
 * extended sequential, process 4 = SOF1, and progressive, processes 10/12 = SOF2), for
 * 1.2.840.10008.1.2.4.51 and the retired .53/.55 when the stream is 12-bit. None of the
 * installed packages does 12-bit DCT (libjpeg-turbo-8bit is 8-bit only; jpeg-lossless-decoder-js
 * is lossless only). Greyscale only (one component): 12-bit colour JPEG is refused with 422.
 *
 * The inverse DCT is IJG libjpeg 6b's jidctint.c ("islow", the integer method dcmtk uses), so
 * results match dcmtk's dcmdjpeg closely. A stream that ends before its last block (no EOI,
 * or a marker inside the entropy-coded data) is MalformedDicom, not a half-grey picture.
 */
import { DomainError } from '../../errors.js';
import type { DecodedFrame, FrameInfo } from './frame-types.js';
import { allocate, checkGeometry, signExtend, tsLabel } from './common.js';
import { sofName, type JpegHeader } from './jpeg-markers.js';

const ZIGZAG = new Int32Array([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43,
  36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

class Corrupt extends Error {}

interface Huffman {
  maxcode: Int32Array; // per length 1..17
  valptr: Int32Array;
  mincode: Int32Array;
  values: Uint8Array;
}

function buildHuffman(counts: Uint8Array, values: Uint8Array): Huffman {
  const maxcode = new Int32Array(18).fill(-1);
  const valptr = new Int32Array(17);
  const mincode = new Int32Array(17);
  let code = 0;
  let k = 0;
  for (let l = 1; l <= 16; l++) {
    const n = counts[l - 1];
    if (n) {
      valptr[l] = k;
      mincode[l] = code;
      code += n;
      k += n;
      maxcode[l] = code - 1;
    }
    code <<= 1;
  }
  maxcode[17] = 0x7fffffff;
  return { maxcode, valptr, mincode, values };
}

interface Component {
  id: number;
  h: number;
  v: number;
  tq: number;
  blocksPerLine: number;
  blocksPerColumn: number;
  coefs: Int32Array;
  pred: number;
  dc?: Huffman;
  ac?: Huffman;
}

/** Decodes the stream; throws Corrupt (with a reason) or DomainError. */
function decode(data: Uint8Array, precision: number): { width: number; height: number; samples: Uint16Array } {
  const quant: Int32Array[] = [];
  const dcTables: Huffman[] = [];
  const acTables: Huffman[] = [];
  let restartInterval = 0;
  let progressive = false;
  let width = 0;
  let height = 0;
  let components: Component[] = [];
  let sawEoi = false;
  let pos = 2;

  const u16 = (at: number) => {
    if (at + 1 >= data.length) throw new Corrupt(`truncated at byte ${at}`);
    return (data[at] << 8) | data[at + 1];
  };

  // Entropy-coded data reader state.
  let bitBuf = 0;
  let bitCount = 0;
  let hitMarker = false;
  let at = 0;
  const readBit = (): number => {
    if (bitCount === 0) {
      if (hitMarker || at >= data.length) throw new Corrupt('the entropy-coded data ends before the last block');
      const b = data[at];
      if (b === 0xff) {
        const next = data[at + 1];
        if (next === 0x00) at += 2;
        else {
          hitMarker = true;
          throw new Corrupt(`a marker FF${(next ?? 0).toString(16).toUpperCase()} interrupts the entropy-coded data before the last block`);
        }
      } else at++;
      bitBuf = b;
      bitCount = 8;
    }
    bitCount--;
    return (bitBuf >> bitCount) & 1;
  };
  const receive = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++) v = (v << 1) | readBit();
    return v;
  };
  const extend = (v: number, n: number): number => (n === 0 ? 0 : v < 1 << (n - 1) ? v - (1 << n) + 1 : v);
  const huff = (t: Huffman | undefined): number => {
    if (!t) throw new Corrupt('a scan uses an undefined Huffman table');
    let code = readBit();
    let l = 1;
    while (code > t.maxcode[l]) {
      code = (code << 1) | readBit();
      if (++l > 16) throw new Corrupt('an invalid Huffman code');
    }
    return t.values[t.valptr[l] + code - t.mincode[l]];
  };

  let eobrun = 0;
  let acState = 0;
  let acNext = 0;

  const decodeScan = (scanComps: Component[], ss: number, se: number, ah: number, al: number) => {
    const single = scanComps.length === 1;
    const c0 = scanComps[0];
    // Non-interleaved: one block per MCU over the component's own block grid.
    const mcusPerLine = single ? Math.ceil(Math.ceil((width * c0.h) / hmax) / 8) : Math.ceil(width / (8 * hmax));
    const mcusPerColumn = single ? Math.ceil(Math.ceil((height * c0.v) / vmax) / 8) : Math.ceil(height / (8 * vmax));
    const total = mcusPerLine * mcusPerColumn;
    type BlockFn = (c: Component, off: number) => void;
    let fn: BlockFn;
    if (!progressive) {
      fn = (c, off) => {
        const t = huff(c.dc);
        c.pred += t === 0 ? 0 : extend(receive(t), t);
        c.coefs[off] = c.pred;
        for (let k = 1; k < 64; ) {
          const rs = huff(c.ac);
          const s = rs & 15;
          const r = rs >> 4;
          if (s === 0) {
            if (r < 15) break;
            k += 16;
            continue;
          }
          k += r;
          if (k > 63) throw new Corrupt('an AC coefficient run past the end of a block');
          c.coefs[off + ZIGZAG[k]] = extend(receive(s), s);
          k++;
        }
      };
    } else if (ss === 0) {
      fn =
        ah === 0
          ? (c, off) => {
              const t = huff(c.dc);
              c.pred += t === 0 ? 0 : extend(receive(t), t);
              c.coefs[off] = c.pred * (1 << al);
            }
          : (c, off) => {
              if (readBit()) c.coefs[off] |= 1 << al;
            };
    } else if (ah === 0) {
      fn = (c, off) => {
        if (eobrun > 0) {
          eobrun--;
          return;
        }
        for (let k = ss; k <= se; ) {
          const rs = huff(c.ac);
          const s = rs & 15;
          const r = rs >> 4;
          if (s === 0) {
            if (r < 15) {
              eobrun = receive(r) + (1 << r) - 1;
              break;
            }
            k += 16;
            continue;
          }
          k += r;
          if (k > 63) throw new Corrupt('an AC coefficient run past the end of a block');
          c.coefs[off + ZIGZAG[k]] = extend(receive(s), s) * (1 << al);
          k++;
        }
      };
    } else {
      fn = (c, off) => {
        let r = 0;
        for (let k = ss; k <= se; k++) {
          const z = off + ZIGZAG[k];
          const sign = c.coefs[z] < 0 ? -1 : 1;
          switch (acState) {
            case 0: {
              const rs = huff(c.ac);
              const s = rs & 15;
              r = rs >> 4;
              if (s === 0) {
                if (r < 15) {
                  eobrun = receive(r) + (1 << r);
                  acState = 4;
                } else {
                  r = 16;
                  acState = 1;
                }
              } else {
                if (s !== 1) throw new Corrupt('an invalid successive-approximation AC code');
                acNext = extend(receive(s), s);
                acState = r ? 2 : 3;
              }
              k--; // re-examine this coefficient in the new state
              continue;
            }
            case 1:
            case 2:
              if (c.coefs[z]) c.coefs[z] += sign * (readBit() << al);
              else if (--r === 0) acState = acState === 2 ? 3 : 0;
              break;
            case 3:
              if (c.coefs[z]) c.coefs[z] += sign * (readBit() << al);
              else {
                c.coefs[z] = acNext << al;
                acState = 0;
              }
              break;
            case 4:
              if (c.coefs[z]) c.coefs[z] += sign * (readBit() << al);
              break;
          }
        }
        if (acState === 4 && --eobrun === 0) acState = 0;
      };
    }

    const resetEntropy = () => {
      bitCount = 0;
      eobrun = 0;
      acState = 0;
      for (const c of scanComps) c.pred = 0;
    };
    resetEntropy();
    for (let m = 0; m < total; m++) {
      if (restartInterval && m > 0 && m % restartInterval === 0) {
        // Expect RSTn; the bit buffer is byte-aligned again after it.
        bitCount = 0;
        hitMarker = false;
        while (at < data.length && data[at] === 0xff && data[at + 1] === 0xff) at++;
        if (data[at] !== 0xff || data[at + 1] < 0xd0 || data[at + 1] > 0xd7) throw new Corrupt(`a restart marker is missing before MCU ${m}`);
        at += 2;
        resetEntropy();
      }
      const row = Math.floor(m / mcusPerLine);
      const col = m % mcusPerLine;
      if (single) {
        fn(c0, (row * c0.blocksPerLine + col) * 64);
      } else {
        for (const c of scanComps) {
          for (let v = 0; v < c.v; v++) for (let h = 0; h < c.h; h++) fn(c, ((row * c.v + v) * c.blocksPerLine + col * c.h + h) * 64);
        }
      }
    }
    // Skip to the next marker (padding bits, fill bytes).
    hitMarker = false;
    while (at < data.length && !(data[at] === 0xff && data[at + 1] !== 0x00 && data[at + 1] !== 0xff && !(data[at + 1] >= 0xd0 && data[at + 1] <= 0xd7))) at++;
    pos = at;
  };

  let hmax = 1;
  let vmax = 1;
  while (pos + 1 < data.length) {
    if (data[pos] !== 0xff) throw new Corrupt(`expected a marker at byte ${pos}`);
    const marker = data[pos + 1];
    if (marker === 0xff) {
      pos++;
      continue;
    }
    if (marker === 0xd9) {
      sawEoi = true;
      break;
    }
    const length = u16(pos + 2);
    const seg = pos + 4;
    const end = pos + 2 + length;
    if (end > data.length) throw new Corrupt(`the segment FF${marker.toString(16).toUpperCase()} runs past the end`);
    switch (marker) {
      case 0xdb: {
        for (let p = seg; p < end; ) {
          const pq = data[p] >> 4;
          const tq = data[p] & 15;
          const table = new Int32Array(64);
          p++;
          for (let i = 0; i < 64; i++) {
            table[ZIGZAG[i]] = pq ? (data[p] << 8) | data[p + 1] : data[p];
            p += pq ? 2 : 1;
          }
          if (p > end) throw new Corrupt('a quantization table runs past its segment');
          quant[tq & 3] = table;
        }
        break;
      }
      case 0xc4: {
        for (let p = seg; p < end; ) {
          const tc = data[p] >> 4;
          const th = data[p] & 15;
          const counts = data.subarray(p + 1, p + 17);
          const n = counts.reduce((a, b) => a + b, 0);
          if (p + 17 + n > end) throw new Corrupt('a Huffman table runs past its segment');
          const t = buildHuffman(counts, data.slice(p + 17, p + 17 + n));
          (tc === 0 ? dcTables : acTables)[th & 3] = t;
          p += 17 + n;
        }
        break;
      }
      case 0xdd:
        restartInterval = u16(seg);
        break;
      case 0xc1:
      case 0xc0:
      case 0xc2: {
        progressive = marker === 0xc2;
        if (data[seg] !== precision) throw new Corrupt('inconsistent precision');
        height = u16(seg + 1);
        width = u16(seg + 3);
        const n = data[seg + 5];
        components = [];
        for (let i = 0; i < n; i++) {
          const b = seg + 6 + 3 * i;
          components.push({ id: data[b], h: data[b + 1] >> 4 || 1, v: data[b + 1] & 15 || 1, tq: data[b + 2] & 3, blocksPerLine: 0, blocksPerColumn: 0, coefs: new Int32Array(0), pred: 0 });
        }
        hmax = Math.max(...components.map((c) => c.h));
        vmax = Math.max(...components.map((c) => c.v));
        const mcusX = Math.ceil(width / (8 * hmax));
        const mcusY = Math.ceil(height / (8 * vmax));
        for (const c of components) {
          c.blocksPerLine = mcusX * c.h;
          c.blocksPerColumn = mcusY * c.v;
          c.coefs = new Int32Array(c.blocksPerLine * c.blocksPerColumn * 64);
        }
        break;
      }
      case 0xda: {
        if (!components.length) throw new Corrupt('a scan before the frame header');
        const ns = data[seg];
        const scanComps: Component[] = [];
        for (let i = 0; i < ns; i++) {
          const c = components.find((x) => x.id === data[seg + 1 + 2 * i]);
          if (!c) throw new Corrupt('a scan names an unknown component');
          c.dc = dcTables[data[seg + 2 + 2 * i] >> 4];
          c.ac = acTables[data[seg + 2 + 2 * i] & 15];
          scanComps.push(c);
        }
        const p = seg + 1 + 2 * ns;
        const ss = data[p];
        const se = data[p + 1];
        const ah = data[p + 2] >> 4;
        const al = data[p + 2] & 15;
        if (ss > 63 || se > 63 || ss > se) throw new Corrupt('an invalid spectral selection');
        at = end;
        decodeScan(scanComps, progressive ? ss : 0, progressive ? se : 63, progressive ? ah : 0, progressive ? al : 0);
        continue;
      }
      default:
        break; // APPn, COM, DNL...: skipped
    }
    pos = end;
  }
  if (!sawEoi) throw new Corrupt('the stream has no EOI marker: truncated');
  if (components.length !== 1) throw new DomainError('UnsupportedPixelFormat', `12-bit JPEG with ${components.length} components is not supported (greyscale only).`);

  // Dequantize + inverse DCT (IJG jidctint.c, islow) + level shift and clamp.
  const c = components[0];
  const q = quant[c.tq];
  if (!q) throw new Corrupt('the component uses an undefined quantization table');
  const max = (1 << precision) - 1;
  const center = 1 << (precision - 1);
  const out = new Uint16Array(width * height);
  const block = new Uint16Array(64);
  const ws = new Float64Array(64);
  for (let by = 0; by < c.blocksPerColumn; by++) {
    if (by * 8 >= height) break;
    for (let bx = 0; bx < c.blocksPerLine; bx++) {
      if (bx * 8 >= width) break;
      idctIslow(c.coefs, (by * c.blocksPerLine + bx) * 64, q, ws, block, precision, center, max);
      for (let y = 0; y < 8 && by * 8 + y < height; y++) {
        const rowAt = (by * 8 + y) * width + bx * 8;
        for (let x = 0; x < 8 && bx * 8 + x < width; x++) out[rowAt + x] = block[y * 8 + x];
      }
    }
  }
  return { width, height, samples: out };
}

const CONST_BITS = 13;
const FIX_0_298631336 = 2446;
const FIX_0_390180644 = 3196;
const FIX_0_541196100 = 4433;
const FIX_0_765366865 = 6270;
const FIX_0_899976223 = 7373;
const FIX_1_175875602 = 9633;
const FIX_1_501321110 = 12299;
const FIX_1_847759065 = 15137;
const FIX_1_961570560 = 16069;
const FIX_2_053119869 = 16819;
const FIX_2_562915447 = 20995;
const FIX_3_072711026 = 25172;

/** DESCALE(x, n) of jdct.h: round and arithmetic shift right, without 32-bit wrap. */
const descale = (x: number, n: number): number => Math.floor((x + 2 ** (n - 1)) / 2 ** n);

function idctIslow(coefs: Int32Array, off: number, q: Int32Array, ws: Float64Array, out: Uint16Array, precision: number, center: number, max: number): void {
  const pass1 = precision === 8 ? 2 : 1;
  const scale = 2 ** CONST_BITS;
  for (let col = 0; col < 8; col++) {
    const i = (k: number) => coefs[off + k * 8 + col] * q[k * 8 + col];
    if (
      coefs[off + 8 + col] === 0 &&
      coefs[off + 16 + col] === 0 &&
      coefs[off + 24 + col] === 0 &&
      coefs[off + 32 + col] === 0 &&
      coefs[off + 40 + col] === 0 &&
      coefs[off + 48 + col] === 0 &&
      coefs[off + 56 + col] === 0
    ) {
      const dc = i(0) * 2 ** pass1;
      for (let k = 0; k < 8; k++) ws[k * 8 + col] = dc;
      continue;
    }
    let z2 = i(2);
    let z3 = i(6);
    const z1 = (z2 + z3) * FIX_0_541196100;
    let tmp2 = z1 + z3 * -FIX_1_847759065;
    let tmp3 = z1 + z2 * FIX_0_765366865;
    z2 = i(0);
    z3 = i(4);
    let tmp0 = (z2 + z3) * scale;
    let tmp1 = (z2 - z3) * scale;
    const tmp10 = tmp0 + tmp3;
    const tmp13 = tmp0 - tmp3;
    const tmp11 = tmp1 + tmp2;
    const tmp12 = tmp1 - tmp2;
    tmp0 = i(7);
    tmp1 = i(5);
    tmp2 = i(3);
    tmp3 = i(1);
    [tmp0, tmp1, tmp2, tmp3] = odd(tmp0, tmp1, tmp2, tmp3);
    const n = CONST_BITS - pass1;
    ws[col] = descale(tmp10 + tmp3, n);
    ws[56 + col] = descale(tmp10 - tmp3, n);
    ws[8 + col] = descale(tmp11 + tmp2, n);
    ws[48 + col] = descale(tmp11 - tmp2, n);
    ws[16 + col] = descale(tmp12 + tmp1, n);
    ws[40 + col] = descale(tmp12 - tmp1, n);
    ws[24 + col] = descale(tmp13 + tmp0, n);
    ws[32 + col] = descale(tmp13 - tmp0, n);
  }
  const clamp = (v: number) => {
    const x = v + center;
    return x < 0 ? 0 : x > max ? max : x;
  };
  for (let row = 0; row < 8; row++) {
    const w = row * 8;
    if (ws[w + 1] === 0 && ws[w + 2] === 0 && ws[w + 3] === 0 && ws[w + 4] === 0 && ws[w + 5] === 0 && ws[w + 6] === 0 && ws[w + 7] === 0) {
      const v = clamp(descale(ws[w], pass1 + 3));
      out.fill(v, w, w + 8);
      continue;
    }
    let z2 = ws[w + 2];
    let z3 = ws[w + 6];
    const z1 = (z2 + z3) * FIX_0_541196100;
    let tmp2 = z1 + z3 * -FIX_1_847759065;
    let tmp3 = z1 + z2 * FIX_0_765366865;
    z2 = ws[w];
    z3 = ws[w + 4];
    let tmp0 = (z2 + z3) * scale;
    let tmp1 = (z2 - z3) * scale;
    const tmp10 = tmp0 + tmp3;
    const tmp13 = tmp0 - tmp3;
    const tmp11 = tmp1 + tmp2;
    const tmp12 = tmp1 - tmp2;
    [tmp0, tmp1, tmp2, tmp3] = odd(ws[w + 7], ws[w + 5], ws[w + 3], ws[w + 1]);
    const n = CONST_BITS + pass1 + 3;
    out[w] = clamp(descale(tmp10 + tmp3, n));
    out[w + 7] = clamp(descale(tmp10 - tmp3, n));
    out[w + 1] = clamp(descale(tmp11 + tmp2, n));
    out[w + 6] = clamp(descale(tmp11 - tmp2, n));
    out[w + 2] = clamp(descale(tmp12 + tmp1, n));
    out[w + 5] = clamp(descale(tmp12 - tmp1, n));
    out[w + 3] = clamp(descale(tmp13 + tmp0, n));
    out[w + 4] = clamp(descale(tmp13 - tmp0, n));
  }
}

/** The odd part of jidctint.c, shared by both passes. */
function odd(t0: number, t1: number, t2: number, t3: number): [number, number, number, number] {
  let z1 = t0 + t3;
  let z2 = t1 + t2;
  let z3 = t0 + t2;
  let z4 = t1 + t3;
  const z5 = (z3 + z4) * FIX_1_175875602;
  t0 *= FIX_0_298631336;
  t1 *= FIX_2_053119869;
  t2 *= FIX_3_072711026;
  t3 *= FIX_1_501321110;
  z1 *= -FIX_0_899976223;
  z2 *= -FIX_2_562915447;
  z3 *= -FIX_1_961570560;
  z4 *= -FIX_0_390180644;
  z3 += z5;
  z4 += z5;
  return [t0 + z1 + z3, t1 + z2 + z4, t2 + z2 + z3, t3 + z1 + z4];
}

export async function decodeJpeg12(encoded: Uint8Array, info: FrameInfo, header: JpegHeader): Promise<DecodedFrame> {
  if (header.componentIds.length !== 1) {
    throw new DomainError(
      'UnsupportedPixelFormat',
      `12-bit JPEG colour (${header.componentIds.length} components, ${tsLabel(info.transferSyntaxUid)}) cannot be decoded: libjpeg-turbo-8bit is 8-bit only and the 12-bit decoder here does greyscale only.`,
    );
  }
  checkGeometry(`12-bit JPEG ${sofName(header.sof)}`, info, { width: header.width, height: header.height, components: 1, bitsPerSample: 12 });
  let decoded: { width: number; height: number; samples: Uint16Array };
  try {
    decoded = decode(encoded, 12);
  } catch (e) {
    if (e instanceof DomainError) throw e;
    if (e instanceof Corrupt || e instanceof RangeError || e instanceof TypeError) {
      throw new DomainError('MalformedDicom', `The 12-bit JPEG bitstream of this frame could not be decoded (${tsLabel(info.transferSyntaxUid)}): ${e.message}.`);
    }
    throw e;
  }
  const count = info.rows * info.columns;
  const pixels = allocate(info, count);
  pixels.set(decoded.samples);
  signExtend(pixels, info);
  return { pixels, samplesPerPixel: 1, photometric: info.photometric, planar: false };
}
