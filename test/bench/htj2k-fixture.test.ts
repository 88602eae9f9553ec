import { describe, expect, it } from 'vitest';
import { cr2048Htj2kOptions, ct512Htj2kOptions, type Htj2kImageOptions, makeHtj2kDicom, TS_HTJ2K_LOSSLESS } from '../../bench/htj2k-fixture.js';
import { vrLookup } from '../../lib/dicom/dictionary.js';
import { parseDicom } from '../../lib/dicom/parse.js';
import { decodeFrame } from '../../lib/pixels/decoders.js';
import { encapsulatedFrame } from '../../lib/pixels/encapsulated.js';
import { readImageInfo } from '../../lib/pixels/image-info.js';
import { readJ2kHeader } from '../../lib/pixels/codecs/j2k-codestream.js';

/** The generated files must decode, through the service's own path, to exactly the values encoded. */
async function roundTrip(o: Htj2kImageOptions): Promise<void> {
  const parsed = parseDicom(await makeHtj2kDicom(o), { vrLookup });
  expect(parsed.transferSyntaxUid).toBe(TS_HTJ2K_LOSSLESS);
  const header = readJ2kHeader(encapsulatedFrame(parsed, 0, 1));
  expect(header).toMatchObject({ width: o.columns, height: o.rows, components: 1, precision: o.bitsStored, signed: o.signed, htj2k: true });
  const decoded = await decodeFrame(parsed, readImageInfo(parsed), 0);
  const expected = o.signed ? Int16Array.from(new Int16Array(o.values.buffer, o.values.byteOffset, o.values.length)) : o.values;
  expect(decoded.values.length).toBe(o.rows * o.columns);
  let mismatches = 0;
  for (let i = 0; i < expected.length; i++) if (decoded.values[i] !== expected[i]) mismatches++;
  expect(mismatches).toBe(0);
  // Not a flat image: the bench would otherwise time a trivial codestream.
  expect(new Set(expected).size).toBeGreaterThan(100);
}

describe('bench HTJ2K fixtures (bench/htj2k-fixture.ts)', () => {
  it('CT 512x512 16-bit signed round-trips losslessly', async () => {
    await roundTrip(ct512Htj2kOptions());
  });

  it('2048x2048 12-bit unsigned round-trips losslessly', async () => {
    await roundTrip(cr2048Htj2kOptions());
  });
});
