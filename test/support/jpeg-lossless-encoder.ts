/**
 * A test-only lossless JPEG encoder (ISO 10918-1 Annex H, Huffman, SOF3), the oracle for the
 * round trips of lib/pixels/codecs/jpeg-lossless-decoder.ts when the corpus is absent. Slow
 * and simple on purpose: plain arrays, one sample at a time, written from the standard and
 * not from the decoder.
 */

export interface LosslessEncodeOptions {
  width: number;
  height: number;
  components: number;
  /** Sample precision P, 2-16. */
  precision: number;
  /** Selection value Ss, 1-7 (H.1.2.1, Table H.1). */
  predictor: number;
  /** Point transform Pt (Al): the low Pt bits of every sample are dropped. */
  pointTransform?: number;
  /** Restart interval in MCUs (DRI), 0 for none. */
  restartInterval?: number;
  /** 'optimal': built from the differences (K.2); 'fixed': every category 0..16, long codes included. */
  table?: 'optimal' | 'fixed';
  /** One Huffman table per component (destinations 0..n-1) instead of one shared table. */
  tablePerComponent?: boolean;
  /** One scan per component (non-interleaved) instead of one interleaved scan. */
  separateScans?: boolean;
  /** Put the DHT segment(s) before the frame header instead of after it. */
  dhtBeforeSof?: boolean;
  /** Fill bytes (FF) before the RSTn and EOI markers (B.1.1.2). */
  fillBytes?: boolean;
}

/** The category SSSS of a difference already reduced to -32768..32767 (Table H.2). */
function category(diff: number): number {
  if (diff === -32768) return 16;
  let a = Math.abs(diff);
  let s = 0;
  while (a) {
    s++;
    a >>= 1;
  }
  return s;
}

/** For component `c`, the (category, extra bits) of every sample in raster order (H.1.2.1, H.1.2.2). */
function differences(samples: ArrayLike<number>, o: Required<LosslessEncodeOptions>, c: number): Array<[number, number]> {
  const { width, height, components: nc, precision, predictor, pointTransform: pt, restartInterval } = o;
  const at = (x: number, y: number) => samples[(y * width + x) * nc + c] >> pt;
  const out: Array<[number, number]> = [];
  let rx = 0;
  let ry = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const mcu = y * width + x;
      if (restartInterval && mcu > 0 && mcu % restartInterval === 0) {
        rx = x;
        ry = y;
      }
      let px: number;
      if (y === ry && x === rx) px = 1 << (precision - pt - 1);
      else if (y === ry) px = at(x - 1, y);
      else if (x === 0) px = at(x, y - 1);
      else {
        const ra = at(x - 1, y);
        const rb = at(x, y - 1);
        const rc = at(x - 1, y - 1);
        px = [0, ra, rb, rc, ra + rb - rc, ra + ((rb - rc) >> 1), rb + ((ra - rc) >> 1), (ra + rb) >> 1][predictor];
      }
      let diff = (at(x, y) - px) & 0xffff;
      if (diff >= 0x8000) diff -= 0x10000;
      const s = category(diff);
      const extra = s === 0 || s === 16 ? 0 : (diff < 0 ? diff - 1 : diff) & ((1 << s) - 1);
      out.push([s, extra]);
    }
  }
  return out;
}

/** Code lengths limited to 16 bits from symbol frequencies (K.2, Figures K.1-K.3), as BITS and HUFFVAL. */
function optimalTable(freqIn: number[]): { counts: number[]; values: number[] } {
  const freq = [...freqIn, 1]; // the reserved symbol: no real code is all 1 bits
  const n = freq.length;
  const codesize = new Array<number>(n).fill(0);
  const others = new Array<number>(n).fill(-1);
  for (;;) {
    let v1 = -1;
    let v2 = -1;
    for (let i = 0; i < n; i++) if (freq[i] > 0 && (v1 < 0 || freq[i] <= freq[v1])) v1 = i;
    for (let i = 0; i < n; i++) if (freq[i] > 0 && i !== v1 && (v2 < 0 || freq[i] <= freq[v2])) v2 = i;
    if (v2 < 0) break;
    freq[v1] += freq[v2];
    freq[v2] = 0;
    codesize[v1]++;
    let i = v1;
    while (others[i] >= 0) {
      i = others[i];
      codesize[i]++;
    }
    others[i] = v2;
    codesize[v2]++;
    i = v2;
    while (others[i] >= 0) {
      i = others[i];
      codesize[i]++;
    }
  }
  const bits = new Array<number>(40).fill(0);
  for (let i = 0; i < n; i++) if (codesize[i]) bits[codesize[i]]++;
  for (let i = 39; i > 16; i--) {
    while (bits[i] > 0) {
      let j = i - 2;
      while (bits[j] === 0) j--;
      bits[i] -= 2;
      bits[i - 1]++;
      bits[j + 1] += 2;
      bits[j]--;
    }
  }
  let i = 16;
  while (bits[i] === 0) i--;
  bits[i]--; // drop the reserved symbol's code
  const values: number[] = [];
  for (let size = 1; size <= 32; size++) for (let s = 0; s < n - 1; s++) if (codesize[s] === size) values.push(s);
  return { counts: bits.slice(1, 17), values };
}

/** Every category 0..16 with lengths 2..16: codes starting with a 1 bit are unused. */
const FIXED_TABLE = {
  counts: [0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3],
  values: Array.from({ length: 17 }, (_, s) => s),
};

/** HUFFSIZE/HUFFCODE (Annex C) as a symbol -> [code, length] map. */
function codes(table: { counts: number[]; values: number[] }): Map<number, [number, number]> {
  const map = new Map<number, [number, number]>();
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < table.counts[len - 1]; i++) map.set(table.values[k++], [code++, len]);
    code <<= 1;
  }
  return map;
}

const segment = (marker: number, body: number[]): number[] => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body];

/** Encodes sample-interleaved `samples` (width x height x components, each < 2^precision). */
export function encodeLosslessJpeg(samples: ArrayLike<number>, options: LosslessEncodeOptions): Uint8Array {
  const o: Required<LosslessEncodeOptions> = {
    pointTransform: 0,
    restartInterval: 0,
    table: 'optimal',
    tablePerComponent: false,
    separateScans: false,
    dhtBeforeSof: false,
    fillBytes: false,
    ...options,
  };
  const nc = o.components;
  const diffs = Array.from({ length: nc }, (_, c) => differences(samples, o, c));
  const tableCount = o.tablePerComponent ? nc : 1;
  const tables = Array.from({ length: tableCount }, (_, t) => {
    if (o.table === 'fixed') return FIXED_TABLE;
    const freq = new Array<number>(17).fill(0);
    for (let c = 0; c < nc; c++) if (!o.tablePerComponent || c === t) for (const [s] of diffs[c]) freq[s]++;
    return optimalTable(freq);
  });
  const dht: number[] = [];
  tables.forEach((t, th) => dht.push(...segment(0xc4, [th, ...t.counts, ...t.values])));
  const sof = segment(0xc3, [
    o.precision,
    o.height >> 8,
    o.height & 0xff,
    o.width >> 8,
    o.width & 0xff,
    nc,
    ...Array.from({ length: nc }, (_, c) => [c + 1, 0x11, 0]).flat(),
  ]);
  const bytes: number[] = [0xff, 0xd8];
  if (o.dhtBeforeSof) bytes.push(...dht, ...sof);
  else bytes.push(...sof, ...dht);
  if (o.restartInterval) bytes.push(...segment(0xdd, [o.restartInterval >> 8, o.restartInterval & 0xff]));
  const scans = o.separateScans ? Array.from({ length: nc }, (_, c) => [c]) : [Array.from({ length: nc }, (_, c) => c)];
  for (const scan of scans) {
    bytes.push(...segment(0xda, [scan.length, ...scan.flatMap((c) => [c + 1, (o.tablePerComponent ? c : 0) << 4]), o.predictor, 0, o.pointTransform]));
    const maps = scan.map((c) => codes(tables[o.tablePerComponent ? c : 0]));
    let acc = 0;
    let cnt = 0;
    const put = (value: number, length: number) => {
      for (let b = length - 1; b >= 0; b--) {
        acc = (acc << 1) | ((value >> b) & 1);
        if (++cnt === 8) {
          bytes.push(acc);
          if (acc === 0xff) bytes.push(0); // byte stuffing (F.1.2.3)
          acc = 0;
          cnt = 0;
        }
      }
    };
    const flush = () => {
      if (cnt) put(0x7f, 8 - cnt); // pad with 1 bits (F.1.2.3)
    };
    const mcus = o.width * o.height;
    for (let m = 0; m < mcus; m++) {
      if (o.restartInterval && m > 0 && m % o.restartInterval === 0) {
        flush();
        if (o.fillBytes) bytes.push(0xff, 0xff);
        bytes.push(0xff, 0xd0 + ((m / o.restartInterval - 1) & 7));
      }
      scan.forEach((c, k) => {
        const [s, extra] = diffs[c][m];
        const [code, length] = maps[k].get(s)!;
        put(code, length);
        if (s !== 0 && s !== 16) put(extra, s);
      });
    }
    flush();
  }
  if (o.fillBytes) bytes.push(0xff);
  bytes.push(0xff, 0xd9);
  return new Uint8Array(bytes);
}
