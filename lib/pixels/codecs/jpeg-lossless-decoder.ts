/**
 * A lossless JPEG decoder: ISO 10918-1 Annex H, Huffman-coded (SOF3), the process of DICOM's
 * JPEG Lossless .57 and its First-Order Prediction subset .70 (PS3.5 A.4.1).
 *
 * Written for speed before V8's optimising tiers have warmed up (the first render in a fresh
 * Lambda container): each scan is decoded by one flat loop over typed arrays with the bit
 * reader and the Huffman look-up inlined, instead of many small calls over generic arrays.
 *
 * Supported: precision 2-16, 1-4 components (interleaved in one scan, or one scan per
 * component), predictors 1-7, point transform, restart intervals, up to four Huffman tables
 * defined anywhere before the scan that uses them. Not supported (refused as `unsupported`):
 * sampling factors other than 1x1 in colour, a height defined later by DNL, other frame types.
 *
 * Restarts: H.1.2.1 resets the prediction at the start of each restart interval (the first
 * sample gets 2^(P-Pt-1), the rest of its first line Ra). Encoders put restarts at line
 * boundaries; one in the middle of a line is read the same way (the rest of that line uses Ra).
 *
 * Hostile input is bounded: the output is width x height x components samples, allocated only
 * when the stream is long enough for it (every sample takes at least one bit); every loop is
 * bounded by that geometry or the stream length; a truncated stream, an invalid code or a
 * malformed segment throws a LosslessJpegError.
 */

/** What the decoder throws; `unsupported` marks a valid stream it does not handle. */
export class LosslessJpegError extends Error {
  constructor(
    message: string,
    readonly unsupported = false,
  ) {
    super(message);
    this.name = 'LosslessJpegError';
  }
}

export interface LosslessJpegImage {
  width: number;
  height: number;
  components: number;
  precision: number;
  /** width x height x components samples, sample-interleaved; Uint16Array when precision > 8. */
  samples: Uint8Array | Uint16Array;
}

/**
 * Bits resolved by one look-up. Most samples of a real image have a short code and a small
 * category, so the look-up gives the whole difference (code + extra bits) at once; a longer
 * code or category falls back to the canonical decoding by code length.
 */
const FAST_BITS = 11;
const FAST_MASK = (1 << FAST_BITS) - 1;

/** A Huffman table (ISO 10918-1 C and F.2.2.3) ready for decoding lossless differences. */
interface HuffmanTable {
  /**
   * 2^FAST_BITS entries indexed by the next FAST_BITS bits: (difference << 6) | (code + extra
   * bits length << 1) | 1 when both fit; (category << 6) | (code length << 1) when only the
   * code fits; 0 when the code is longer.
   */
  fast: Int32Array;
  /** Per code length 1..16 (index 0 unused, 17 a sentinel): the largest code, or -1 when none. */
  maxCode: Int32Array;
  /** Per code length: index into `values` of the first code of that length, minus that code. */
  valOffset: Int32Array;
  values: Uint8Array;
}

const fail = (message: string): never => {
  throw new LosslessJpegError(message);
};

/** The difference coded by category `s` (1-15) and its `s` extra bits `bits` (F.2.2.1, Table F.1): a leading 0 bit means negative. */
const extend = (bits: number, s: number): number => (bits < 1 << (s - 1) ? bits - (1 << s) + 1 : bits);

/**
 * Builds the decoding tables from a DHT's 16 counts (BITS) and symbols (HUFFVAL): Annex C
 * generates HUFFSIZE/HUFFCODE; a code that does not fit in its length means the counts are
 * over-subscribed (not a prefix code), which is refused.
 */
function buildTable(counts: Uint8Array, values: Uint8Array): HuffmanTable {
  const fast = new Int32Array(1 << FAST_BITS);
  const maxCode = new Int32Array(18).fill(-1);
  const valOffset = new Int32Array(18);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    const n = counts[len - 1];
    if (n > 0) {
      valOffset[len] = k - code;
      for (let i = 0; i < n; i++, k++, code++) {
        if (code >= 1 << len) fail('a Huffman table (DHT) is over-subscribed: its code lengths do not form a prefix code');
        if (len > FAST_BITS) continue;
        const s = values[k];
        // The category's extra bits (none for 0 and 16, H.1.2.2).
        const extra = s === 0 || s === 16 ? 0 : s;
        if (s <= 16 && len + extra <= FAST_BITS) {
          const total = len + extra;
          const shift = FAST_BITS - total;
          for (let e = 0; e < 1 << extra; e++) {
            const diff = s === 0 ? 0 : s === 16 ? 32768 : extend(e, s);
            const entry = (diff << 6) | (total << 1) | 1;
            for (let j = ((code << extra) | e) << shift, end = (((code << extra) | e) + 1) << shift; j < end; j++) fast[j] = entry;
          }
        } else {
          // Only the code fits; a category above 16 is refused by the decoding loop.
          const shift = FAST_BITS - len;
          for (let j = code << shift, end = (code + 1) << shift; j < end; j++) fast[j] = (s << 6) | (len << 1);
        }
      }
      maxCode[len] = code - 1;
    }
    code <<= 1;
  }
  maxCode[17] = 0x7fffffff; // stops the slow path's search; a code reaching it is invalid
  return { fast, maxCode, valOffset, values };
}

interface Frame {
  precision: number;
  height: number;
  width: number;
  ids: number[];
}

/** Decodes a whole lossless JPEG stream (SOI ... EOI). */
export function decodeLosslessJpeg(data: Uint8Array): LosslessJpegImage {
  const len = data.length;
  if (len < 4 || data[0] !== 0xff || data[1] !== 0xd8) fail('the stream does not start with SOI');
  const tables: Array<HuffmanTable | undefined> = [undefined, undefined, undefined, undefined];
  let frame: Frame | undefined;
  let out: Uint8Array | Uint16Array | undefined;
  let restartInterval = 0;
  let decoded = 0; // bit set of the frame's components decoded by some scan
  let pos = 2;
  for (;;) {
    // Next marker; fill bytes (FF FF ...) may precede it (B.1.1.2).
    if (pos + 1 >= len) fail('the stream ends before EOI');
    if (data[pos] !== 0xff) fail(`expected a marker at byte ${pos}`);
    let marker = data[pos + 1];
    while (marker === 0xff && pos + 2 < len) marker = data[++pos + 1];
    pos += 2;
    if (marker === 0xd9) break; // EOI
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue; // RSTn outside a scan, TEM: no segment
    if (pos + 2 > len) fail('a marker segment is truncated');
    const segLen = (data[pos] << 8) | data[pos + 1];
    const seg = pos + 2;
    const segEnd = pos + segLen;
    if (segLen < 2 || segEnd > len) fail(`the segment of marker FF${marker.toString(16).toUpperCase()} runs past the end of the stream`);
    pos = segEnd;
    if (marker === 0xc4) {
      // DHT (B.2.4.2): one or more tables.
      let at = seg;
      while (at < segEnd) {
        if (at + 17 > segEnd) fail('a Huffman table (DHT) is truncated');
        const tc = data[at] >> 4;
        const th = data[at] & 15;
        const counts = data.subarray(at + 1, at + 17);
        let total = 0;
        for (let i = 0; i < 16; i++) total += counts[i];
        if (total > 256 || at + 17 + total > segEnd) fail('a Huffman table (DHT) is truncated or holds more than 256 codes');
        if (th > 3) fail(`a Huffman table (DHT) has the destination ${th}; 0-3 are allowed`);
        const table = buildTable(counts, data.slice(at + 17, at + 17 + total));
        // Lossless scans use only the first class (Tc = 0, H.1.2.2); other classes are ignored.
        if (tc === 0) tables[th] = table;
        at += 17 + total;
      }
    } else if (marker === 0xdd) {
      if (segLen < 4) fail('the restart interval segment (DRI) is too short');
      restartInterval = (data[seg] << 8) | data[seg + 1];
    } else if (marker === 0xc3) {
      if (frame) fail('the stream has a second frame header');
      if (segLen < 8) fail('the frame header (SOF3) is too short');
      const precision = data[seg];
      const height = (data[seg + 1] << 8) | data[seg + 2];
      const width = (data[seg + 3] << 8) | data[seg + 4];
      const n = data[seg + 5];
      if (segLen < 8 + 3 * n) fail('the frame header (SOF3) is shorter than its component list');
      if (precision < 2 || precision > 16) fail(`the sample precision is ${precision}; 2 to 16 are allowed`);
      if (n < 1 || n > 4) fail(`the frame has ${n} components; 1 to 4 are allowed`);
      if (width < 1 || height < 1) fail(`the frame is ${width} x ${height}; a number of lines defined later (DNL) is not supported`);
      const ids: number[] = [];
      for (let c = 0; c < n; c++) {
        const id = data[seg + 6 + 3 * c];
        if (ids.includes(id)) fail(`the frame header lists component ${id} twice`);
        ids.push(id);
        const hv = data[seg + 7 + 3 * c];
        // Sampling factors other than 1 change the order of samples in an interleaved scan
        // (A.2.3); DICOM's lossless colour uses 1x1, and one component alone ignores them.
        if (n > 1 && hv !== 0x11) throw new LosslessJpegError(`component ${id} has sampling factors ${hv >> 4}x${hv & 15}; only 1x1 is supported for colour`, true);
      }
      // Every sample takes at least one bit (a Huffman code is 1-16 bits long): a body too
      // small for the declared size is refused before the output is allocated.
      if (width * height * n > 8 * len) fail(`the ${width} x ${height} x ${n} frame cannot fit in ${len} bytes: the stream is truncated`);
      frame = { precision, height, width, ids };
      out = precision > 8 ? new Uint16Array(width * height * n) : new Uint8Array(width * height * n);
    } else if (marker === 0xda) {
      if (!frame || !out) fail('a scan (SOS) comes before the frame header (SOF3)');
      const f = frame as Frame;
      const ns = data[seg];
      if (ns < 1 || ns > 4 || segLen !== 6 + 2 * ns) fail('the scan header (SOS) is malformed');
      const compIndex = new Int32Array(ns);
      const scanTables: HuffmanTable[] = [];
      for (let k = 0; k < ns; k++) {
        const ci = f.ids.indexOf(data[seg + 1 + 2 * k]);
        if (ci < 0) fail(`the scan refers to component ${data[seg + 1 + 2 * k]}, which the frame does not have`);
        if (decoded & (1 << ci)) fail(`component ${f.ids[ci]} is in more than one scan`);
        decoded |= 1 << ci;
        compIndex[k] = ci;
        const table = tables[data[seg + 2 + 2 * k] >> 4];
        if (!table) fail(`the scan uses Huffman table ${data[seg + 2 + 2 * k] >> 4}, which no DHT defined before it`);
        scanTables.push(table as HuffmanTable);
      }
      const at = seg + 1 + 2 * ns;
      const predictor = data[at];
      const pt = data[at + 2] & 15;
      if (predictor < 1 || predictor > 7) fail(`the scan's predictor (Ss) is ${predictor}; 1 to 7 are allowed`);
      if (pt >= f.precision) fail(`the point transform (Al) ${pt} is not less than the precision ${f.precision}`);
      pos = decodeScan(data, segEnd, out as Uint8Array | Uint16Array, f, compIndex, scanTables, predictor, pt, restartInterval);
    } else if ((marker >= 0xc0 && marker <= 0xcf && marker !== 0xc8 && marker !== 0xcc) || marker === 0xdc) {
      // Other frame types (DCT, arithmetic coding, hierarchical) and DNL.
      throw new LosslessJpegError(`the marker FF${marker.toString(16).toUpperCase()} is not part of a Huffman lossless (SOF3) stream`, true);
    }
    // APPn, COM, DQT, DAC and others: skipped.
  }
  if (!frame || !out) return fail('the stream has no frame header (SOF3)');
  const f = frame;
  if (decoded !== (1 << f.ids.length) - 1) fail('the stream ends before every component was decoded');
  return { width: f.width, height: f.height, components: f.ids.length, precision: f.precision, samples: out };
}

/**
 * Decodes one scan's entropy-coded data starting at `start` into `out` and returns the
 * offset of the marker that follows it. Each scan is decoded by one flat loop in which the bit
 * reader, the Huffman look-up, the difference's extra bits (F.2.2.1, H.1.2.2) and the
 * prediction (H.1.2.1) are inlined, because calls and generic arrays are what is slow before
 * V8's optimising tiers have compiled the loop. There are two loops, each in a function of its
 * own so that the optimising compiler has a small function to compile while the loop runs:
 * one component per scan (every grey-scale image; the previous sample stays in a local) and
 * interleaved components.
 */
function decodeScan(
  data: Uint8Array,
  start: number,
  out: Uint8Array | Uint16Array,
  f: Frame,
  compIndex: Int32Array,
  scanTables: HuffmanTable[],
  predictor: number,
  pt: number,
  restartInterval: number,
): number {
  const nc = f.ids.length;
  // Reconstruction is modulo 2^16 (H.1.2.1); an 8-bit output keeps the low 8 bits.
  const mask = out instanceof Uint16Array ? 0xffff : 0xff;
  // Start of scan and of each restart interval: 2^(P-Pt-1) (H.1.2.1).
  const initial = 1 << (f.precision - pt - 1);
  let pos =
    compIndex.length === 1
      ? decodeOneComponent(data, start, out, f.width, f.height, nc, compIndex[0], scanTables[0], predictor, initial, mask, restartInterval)
      : decodeInterleaved(data, start, out, f.width, f.height, nc, compIndex, scanTables, predictor, initial, mask, restartInterval);
  if (pt !== 0) {
    // Point transform (H.1.2.1): the samples were coded divided by 2^Pt.
    for (let i = 0; i < out.length; i += nc) {
      for (let k = 0; k < compIndex.length; k++) out[i + compIndex[k]] <<= pt;
    }
  }
  const len = data.length;
  // Skip to the marker that ends the scan (any bytes before it are padding the reader never needed).
  while (pos < len && !(data[pos] === 0xff && pos + 1 < len && data[pos + 1] !== 0x00)) pos++;
  return pos;
}

/** The offset after the RSTn marker at or after `pos` (F.1.2.3: bytes before it are padding); a missing marker throws. */
function afterRestartMarker(data: Uint8Array, pos: number): number {
  const len = data.length;
  while (pos < len && !(data[pos] === 0xff && data[pos + 1] !== 0x00 && data[pos + 1] !== 0xff)) pos++;
  if (pos + 1 >= len || data[pos + 1] < 0xd0 || data[pos + 1] > 0xd7) fail('an expected restart marker (RSTn) is missing');
  return pos + 2;
}

/**
 * A code longer than FAST_BITS at the top of the 16 bits `peek`: canonical decoding by code
 * length (F.2.2.3, MAXCODE/VALPTR), as (length << 8) | symbol. A code longer than 16 bits throws.
 */
function longCode(table: HuffmanTable, peek: number): number {
  const maxCode = table.maxCode;
  let l = FAST_BITS + 1;
  let code = peek >>> (16 - l);
  while (code > maxCode[l]) code = peek >>> (16 - ++l);
  if (l > 16) fail('the entropy-coded data holds an invalid Huffman code');
  return (l << 8) | table.values[table.valOffset[l] + code];
}

/** The loop for a scan of one component (`c`, its index in the frame). */
function decodeOneComponent(
  data: Uint8Array,
  start: number,
  out: Uint8Array | Uint16Array,
  width: number,
  height: number,
  nc: number,
  c: number,
  table: HuffmanTable,
  predictor: number,
  initial: number,
  mask: number,
  restartInterval: number,
): number {
  const len = data.length;
  const stride = width * nc;
  let pos = start;
  let acc = 0; // bit buffer: the low `cnt` bits are unread, most significant first
  let cnt = 0;
  let virt = 0; // zero bytes fed past a marker or the end of the data
  let mcusLeft = restartInterval;
  // Where the current restart interval began: its first line uses Ra, its first MCU the initial value.
  let rx = 0;
  let ry = 0;
  const fast = table.fast;
  for (let y = 0; y < height; y++) {
    let o = y * stride + c;
    let ra = 0;
    for (let x = 0; x < width; x++, o += nc) {
      if (restartInterval !== 0) {
        if (mcusLeft === 0) {
          // RSTn (F.1.2.3, H.2): the bits left in the last byte are padding; the reader
          // and the predictors restart.
          if (virt * 8 > cnt) fail('the entropy-coded data is truncated');
          pos = afterRestartMarker(data, pos);
          acc = 0;
          cnt = 0;
          virt = 0;
          mcusLeft = restartInterval;
          rx = x;
          ry = y;
        }
        mcusLeft--;
      }
      // Fill the bit buffer to at least 25 bits: a code of up to 16 bits, then a refill only for long extra bits.
      while (cnt <= 24) {
        let b = 0;
        if (pos < len) {
          b = data[pos];
          if (b === 0xff) {
            if (pos + 1 < len && data[pos + 1] === 0) pos += 2; // a stuffed zero byte (F.1.2.3)
            else {
              b = 0; // a marker: this scan's data has ended; feed zeros, counted in virt
              virt++;
            }
          } else pos++;
        } else virt++;
        acc = (acc << 8) | b;
        cnt += 8;
      }
      const entry = fast[(acc >>> (cnt - FAST_BITS)) & FAST_MASK];
      let diff: number;
      if ((entry & 1) !== 0) {
        cnt -= (entry >> 1) & 31;
        diff = entry >> 6;
      } else {
        let s: number;
        if (entry !== 0) {
          cnt -= (entry >> 1) & 31;
          s = entry >> 6;
        } else {
          // A code longer than FAST_BITS (rare): decoded out of line.
          const lengthAndSymbol = longCode(table, (acc >>> (cnt - 16)) & 0xffff);
          cnt -= lengthAndSymbol >> 8;
          s = lengthAndSymbol & 0xff;
        }
        if (s === 0) diff = 0;
        else if (s < 16) {
          if (cnt < s) {
            while (cnt <= 24) {
              let b = 0;
              if (pos < len) {
                b = data[pos];
                if (b === 0xff) {
                  if (pos + 1 < len && data[pos + 1] === 0) pos += 2; // a stuffed zero byte (F.1.2.3)
                  else {
                    b = 0; // a marker: this scan's data has ended; feed zeros, counted in virt
                    virt++;
                  }
                } else pos++;
              } else virt++;
              acc = (acc << 8) | b;
              cnt += 8;
            }
          }
          cnt -= s;
          diff = (acc >>> cnt) & ((1 << s) - 1);
          if (diff < 1 << (s - 1)) diff -= (1 << s) - 1; // a leading 0 bit: negative (F.2.2.1, Table F.1)
        } else if (s === 16) diff = 32768; // H.1.2.2: no extra bits
        else return fail(`the entropy-coded data decodes to the category ${s}; lossless allows 0 to 16`);
      }
      let px: number;
      if (y === ry) px = x === rx ? initial : ra;
      else if (x === 0) px = out[o - stride];
      else if (predictor === 1) px = ra;
      else {
        const rb = out[o - stride];
        const rc = out[o - stride - nc];
        switch (predictor) {
          case 2:
            px = rb;
            break;
          case 3:
            px = rc;
            break;
          case 4:
            px = ra + rb - rc;
            break;
          case 5:
            px = ra + ((rb - rc) >> 1);
            break;
          case 6:
            px = rb + ((ra - rc) >> 1);
            break;
          default:
            px = (ra + rb) >> 1;
        }
      }
      ra = (px + diff) & mask;
      out[o] = ra;
    }
    // A stream cut short is detected at the line where its data ran out, not after decoding zeros for the rest.
    if (virt * 8 > cnt) fail('the entropy-coded data is truncated');
  }
  return pos;
}

/** The loop for a scan of interleaved components, 1x1 sampling: one sample of each per MCU (A.2.3). */
function decodeInterleaved(
  data: Uint8Array,
  start: number,
  out: Uint8Array | Uint16Array,
  width: number,
  height: number,
  nc: number,
  compIndex: Int32Array,
  scanTables: HuffmanTable[],
  predictor: number,
  initial: number,
  mask: number,
  restartInterval: number,
): number {
  const len = data.length;
  const stride = width * nc;
  const ns = compIndex.length;
  let pos = start;
  let acc = 0; // bit buffer: the low `cnt` bits are unread, most significant first
  let cnt = 0;
  let virt = 0; // zero bytes fed past a marker or the end of the data
  let mcusLeft = restartInterval;
  // Where the current restart interval began: its first line uses Ra, its first MCU the initial value.
  let rx = 0;
  let ry = 0;
  const fasts = scanTables.map((t) => t.fast);
  for (let y = 0; y < height; y++) {
    const rowBase = y * stride;
    for (let x = 0; x < width; x++) {
      if (restartInterval !== 0) {
        if (mcusLeft === 0) {
          // RSTn (F.1.2.3, H.2): the bits left in the last byte are padding; the reader
          // and the predictors restart.
          if (virt * 8 > cnt) fail('the entropy-coded data is truncated');
          pos = afterRestartMarker(data, pos);
          acc = 0;
          cnt = 0;
          virt = 0;
          mcusLeft = restartInterval;
          rx = x;
          ry = y;
        }
        mcusLeft--;
      }
      const pixel = rowBase + x * nc;
      for (let k = 0; k < ns; k++) {
        // Fill the bit buffer to at least 25 bits: a code of up to 16 bits, then a refill only for long extra bits.
        while (cnt <= 24) {
          let b = 0;
          if (pos < len) {
            b = data[pos];
            if (b === 0xff) {
              if (pos + 1 < len && data[pos + 1] === 0) pos += 2; // a stuffed zero byte (F.1.2.3)
              else {
                b = 0; // a marker: this scan's data has ended; feed zeros, counted in virt
                virt++;
              }
            } else pos++;
          } else virt++;
          acc = (acc << 8) | b;
          cnt += 8;
        }
        const entry = fasts[k][(acc >>> (cnt - FAST_BITS)) & FAST_MASK];
        let diff: number;
        if ((entry & 1) !== 0) {
          cnt -= (entry >> 1) & 31;
          diff = entry >> 6;
        } else {
          let s: number;
          if (entry !== 0) {
            cnt -= (entry >> 1) & 31;
            s = entry >> 6;
          } else {
            // A code longer than FAST_BITS (rare): decoded out of line.
            const lengthAndSymbol = longCode(scanTables[k], (acc >>> (cnt - 16)) & 0xffff);
            cnt -= lengthAndSymbol >> 8;
            s = lengthAndSymbol & 0xff;
          }
          if (s === 0) diff = 0;
          else if (s < 16) {
            if (cnt < s) {
              while (cnt <= 24) {
                let b = 0;
                if (pos < len) {
                  b = data[pos];
                  if (b === 0xff) {
                    if (pos + 1 < len && data[pos + 1] === 0) pos += 2; // a stuffed zero byte (F.1.2.3)
                    else {
                      b = 0; // a marker: this scan's data has ended; feed zeros, counted in virt
                      virt++;
                    }
                  } else pos++;
                } else virt++;
                acc = (acc << 8) | b;
                cnt += 8;
              }
            }
            cnt -= s;
            diff = (acc >>> cnt) & ((1 << s) - 1);
            if (diff < 1 << (s - 1)) diff -= (1 << s) - 1; // a leading 0 bit: negative (F.2.2.1, Table F.1)
          } else if (s === 16) diff = 32768; // H.1.2.2: no extra bits
          else return fail(`the entropy-coded data decodes to the category ${s}; lossless allows 0 to 16`);
        }
        const o = pixel + compIndex[k];
        let px: number;
        if (y === ry) {
          px = x === rx ? initial : out[o - nc];
        } else if (x === 0) {
          px = out[o - stride];
        } else {
          const ra = out[o - nc];
          const rb = out[o - stride];
          const rc = out[o - stride - nc];
          switch (predictor) {
            case 1:
              px = ra;
              break;
            case 2:
              px = rb;
              break;
            case 3:
              px = rc;
              break;
            case 4:
              px = ra + rb - rc;
              break;
            case 5:
              px = ra + ((rb - rc) >> 1);
              break;
            case 6:
              px = rb + ((ra - rc) >> 1);
              break;
            default:
              px = (ra + rb) >> 1;
          }
        }
        out[o] = (px + diff) & mask;
      }
    }
    if (virt * 8 > cnt) fail('the entropy-coded data is truncated');
  }
  return pos;
}
