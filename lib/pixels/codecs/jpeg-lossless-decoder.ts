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
 * defined anywhere before the scan that uses them. Hostile input is bounded: the output is
 * width x height x components samples, every loop is bounded by that geometry or the stream
 * length, and a truncated stream or an invalid code throws a LosslessJpegError.
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

/** Bits resolved by one look-up in the direct Huffman table (longer codes take the canonical slow path). */
const LOOKUP_BITS = 9;

/** A Huffman table (ISO 10918-1 C and F.2.2.3) ready for decoding. */
interface HuffmanTable {
  /** 2^LOOKUP_BITS entries: (code length << 8) | symbol, or 0 when the code is longer. */
  lookup: Int32Array;
  /** Per code length 1..16 (index 0 unused, 17 a sentinel): the largest code, or -1 when none. */
  maxCode: Int32Array;
  /** Per code length: index into `values` of the first code of that length, minus that code. */
  valOffset: Int32Array;
  values: Uint8Array;
}

const fail = (message: string): never => {
  throw new LosslessJpegError(message);
};

/**
 * Builds the decoding tables from a DHT's 16 counts (BITS) and symbols (HUFFVAL): Annex C
 * generates HUFFSIZE/HUFFCODE; a code that does not fit in its length means the counts are
 * over-subscribed (not a prefix code), which is refused.
 */
function buildTable(counts: Uint8Array, values: Uint8Array): HuffmanTable {
  const lookup = new Int32Array(1 << LOOKUP_BITS);
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
        if (len <= LOOKUP_BITS) {
          const shift = LOOKUP_BITS - len;
          const entry = (len << 8) | values[k];
          for (let j = code << shift, end = (code + 1) << shift; j < end; j++) lookup[j] = entry;
        }
      }
      maxCode[len] = code - 1;
    }
    code <<= 1;
  }
  maxCode[17] = 0x7fffffff; // stops the slow path's search; a code reaching it is invalid
  return { lookup, maxCode, valOffset, values };
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
  const f = frame as Frame;
  if (decoded !== (1 << f.ids.length) - 1) fail('the stream ends before every component was decoded');
  return { width: f.width, height: f.height, components: f.ids.length, precision: f.precision, samples: out as Uint8Array | Uint16Array };
}

/**
 * Decodes one scan's entropy-coded data starting at `start` into `out` and returns the
 * offset of the marker that follows it. One flat loop: bit reader, Huffman look-up, the
 * difference's extra bits (F.2.2.1, H.1.2.2) and the prediction (H.1.2.1) are inlined.
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
  const len = data.length;
  const width = f.width;
  const height = f.height;
  const nc = f.ids.length;
  const ns = compIndex.length;
  const stride = width * nc;
  // Start of scan and of each restart interval: 2^(P-Pt-1) (H.1.2.1).
  const initial = 1 << (f.precision - pt - 1);
  // Per scan component: its Huffman tables, flattened so the loop indexes typed arrays.
  const t0 = scanTables[0];
  const t1 = scanTables[ns > 1 ? 1 : 0];
  const t2 = scanTables[ns > 2 ? 2 : 0];
  const t3 = scanTables[ns > 3 ? 3 : 0];
  let pos = start;
  let acc = 0; // bit buffer: the low `cnt` bits are unread, most significant first
  let cnt = 0;
  let virt = 0; // zero bytes fed past a marker or the end of the data
  let mcusLeft = restartInterval;
  // Where the current restart interval began: its first line uses Ra, its first MCU the initial value.
  let rx = 0;
  let ry = 0;
  for (let y = 0; y < height; y++) {
    const rowBase = y * stride;
    for (let x = 0; x < width; x++) {
      if (restartInterval !== 0) {
        if (mcusLeft === 0) {
          // RSTn (F.1.2.3, H.2): the bits left in the last byte are padding; the reader
          // and the predictors restart.
          if (virt * 8 > cnt) fail('the entropy-coded data is truncated');
          while (pos < len && !(data[pos] === 0xff && data[pos + 1] !== 0x00 && data[pos + 1] !== 0xff)) pos++;
          if (pos + 1 >= len || data[pos + 1] < 0xd0 || data[pos + 1] > 0xd7) fail('an expected restart marker (RSTn) is missing');
          pos += 2;
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
        const table = k === 0 ? t0 : k === 1 ? t1 : k === 2 ? t2 : t3;
        // Fill to at least 25 bits: a code (<= 16 bits) then up to 9 extra bits without refilling.
        while (cnt <= 24) {
          let b = 0;
          if (pos < len) {
            b = data[pos];
            if (b === 0xff) {
              if (pos + 1 < len && data[pos + 1] === 0) pos += 2; // stuffed zero (F.1.2.3)
              else {
                b = 0; // a marker: the scan's data ended; feed zeros
                virt++;
              }
            } else pos++;
          } else virt++;
          acc = (acc << 8) | b;
          cnt += 8;
        }
        const peek = (acc >>> (cnt - 16)) & 0xffff;
        let entry = table.lookup[peek >>> (16 - LOOKUP_BITS)];
        let s: number;
        if (entry !== 0) {
          cnt -= entry >> 8;
          s = entry & 0xff;
        } else {
          // Codes longer than LOOKUP_BITS: canonical decoding by length (F.2.2.3).
          const maxCode = table.maxCode;
          let l = LOOKUP_BITS + 1;
          let code = peek >>> (16 - l);
          while (code > maxCode[l]) code = peek >>> (16 - ++l);
          if (l > 16) fail('the entropy-coded data holds an invalid Huffman code');
          cnt -= l;
          entry = table.valOffset[l] + code;
          s = table.values[entry];
        }
        let diff: number;
        if (s === 0) diff = 0;
        else if (s < 16) {
          if (cnt < s) {
            // Refill (at most 2 bytes needed).
            while (cnt <= 24) {
              let b = 0;
              if (pos < len) {
                b = data[pos];
                if (b === 0xff) {
                  if (pos + 1 < len && data[pos + 1] === 0) pos += 2;
                  else {
                    b = 0;
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
          // A leading 0 bit means a negative difference (F.2.2.1, Table F.1).
          if (diff < 1 << (s - 1)) diff -= (1 << s) - 1;
        } else if (s === 16) diff = 32768; // H.1.2.2: no extra bits
        else return fail(`the entropy-coded data decodes to the category ${s}; lossless allows 0 to 16`);
        const o = pixel + compIndex[k];
        let px: number;
        if (y === ry) {
          px = x === rx ? initial : out[o - nc];
        } else if (x === 0) {
          px = out[o - stride];
        } else {
          switch (predictor) {
            case 1:
              px = out[o - nc];
              break;
            case 2:
              px = out[o - stride];
              break;
            case 3:
              px = out[o - stride - nc];
              break;
            case 4:
              px = out[o - nc] + out[o - stride] - out[o - stride - nc];
              break;
            case 5:
              px = out[o - nc] + ((out[o - stride] - out[o - stride - nc]) >> 1);
              break;
            case 6:
              px = out[o - stride] + ((out[o - nc] - out[o - stride - nc]) >> 1);
              break;
            default:
              px = (out[o - nc] + out[o - stride]) >> 1;
          }
        }
        // Reconstruction modulo 2^16 (H.1.2.1).
        out[o] = (px + diff) & 0xffff;
      }
    }
    // A stream cut short is detected at the line where its data ran out, not after decoding zeros for the rest.
    if (virt * 8 > cnt) fail('the entropy-coded data is truncated');
  }
  if (pt !== 0) {
    // Point transform (H.1.2.1): the samples were coded divided by 2^Pt.
    for (let y = 0, i = 0; y < height; y++) {
      for (let x = 0; x < width; x++, i += nc) {
        for (let k = 0; k < ns; k++) out[i + compIndex[k]] <<= pt;
      }
    }
  }
  // Skip to the marker that ends the scan (any bytes before it are padding the reader never needed).
  while (pos < len && !(data[pos] === 0xff && pos + 1 < len && data[pos + 1] !== 0x00)) pos++;
  // Fill bytes: the marker loop starts at an FF.
  return pos;
}
