/**
 * Tabulates a monotone function over a run of integers without evaluating it at every entry.
 *
 * A greyscale rendering with Rescale Slope/Intercept (PS3.3 C.11.1.1.2) and a window (C.11.2.1.2
 * LINEAR, LINEAR_EXACT or SIGMOID) is monotone in the stored value, and a window clips most of the
 * stored range to the darkest or brightest output: a 16-bit CT windowed at 40/400 has about 400
 * distinct outputs among 65536 stored values. The flat ends are found by binary search on the
 * same function and filled, so the table is exact while costing a few hundred evaluations; this
 * replaced a min/max scan of every pixel that only served to shrink the table.
 */
export type Table = Uint8Array | Uint16Array;

/**
 * table[i] = f(lowest + i) for every i, for f monotone (non-decreasing or non-increasing) over
 * that range. Exact for such f: the entries where f equals its first value form a prefix and the
 * entries where it equals its last value a suffix, so the searches below find their borders.
 */
export function tabulateMonotone(f: (x: number) => number, lowest: number, table: Table): Table {
  const size = table.length;
  if (size === 0) return table;
  const first = f(lowest);
  const last = f(lowest + size - 1);
  // a: the last index whose value equals the first value.
  let lo = 0;
  let hi = size - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (f(lowest + mid) === first) lo = mid;
    else hi = mid - 1;
  }
  const a = lo;
  // b: the first index (after a) whose value equals the last value.
  lo = a;
  hi = size - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (f(lowest + mid) === last) hi = mid;
    else lo = mid + 1;
  }
  const b = lo;
  table.fill(first, 0, a + 1);
  for (let i = a + 1; i < b; i++) table[i] = f(lowest + i);
  table.fill(last, Math.max(b, a + 1));
  return table;
}
