import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { parseDicom } from '../../../lib/dicom/parse.js';
import { renderPixels, renderPng, type RenderRequest } from '../../../lib/render/render-frame.js';
import { DomainError } from '../../../lib/errors.js';
import { TS_EXPLICIT_BE, TS_IMPLICIT_LE, makeImageDicom, type MakeImageOptions } from '../../support/dicom-writer.js';

const grey8: RenderRequest = { frame: 1, bitDepth: 8 };
const render = (o: MakeImageOptions, req: Partial<RenderRequest> = {}) =>
  renderPixels(parseDicom(makeImageDicom(o)), { ...grey8, ...req });
const row = (values: number[]) => (_f: number, _r: number, c: number) => values[c];

function expectError(fn: () => unknown, code: string, status: number): DomainError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).code).toBe(code);
    expect((e as DomainError).status).toBe(status);
    return e as DomainError;
  }
  throw new Error(`expected ${code}`);
}

// CT-like fixture: 16-bit signed, HU = SV - 1024, soft-tissue window c=40 w=400.
// Borders: 40 - 0.5 -/+ 199.5 = -160 .. 239; y = ((HU - 39.5) / 399 + 0.5) * 255, truncated.
const ctStored = [0, 864, 1024, 1064, 1263, 1264, 3000];
const ctExpected = [
  0, // HU -1024 <= -160
  0, // HU -160 <= left border
  Math.trunc(((0 - 39.5) / 399 + 0.5) * 255), // HU 0 -> 102
  Math.trunc(((40 - 39.5) / 399 + 0.5) * 255), // HU 40 -> 127
  Math.trunc(((239 - 39.5) / 399 + 0.5) * 255), // HU 239 -> 255 (top of ramp)
  255, // HU 240 > right border
  255,
];
const ct = (o: Partial<MakeImageOptions> = {}): MakeImageOptions => ({
  rows: 1,
  columns: ctStored.length,
  bitsAllocated: 16,
  pixelRepresentation: 1,
  rescale: { slope: 1, intercept: -1024 },
  window: { center: 40, width: 400 },
  pixel: row(ctStored),
  ...o,
});

describe('renderPixels / renderPng', () => {
  it('CT: rescale then the file window (PS3.3 C.11.1, C.11.2.1.2.1), implicit and big endian alike', () => {
    expect(ctExpected.slice(2, 4)).toEqual([102, 127]);
    for (const transferSyntaxUid of [undefined, TS_IMPLICIT_LE, TS_EXPLICIT_BE]) {
      const r = render(ct({ transferSyntaxUid }));
      expect(Array.from(r.data)).toEqual(ctExpected);
      expect(r.window).toEqual({ center: 40, width: 400, fn: 'linear' });
    }
  });

  it('MONOCHROME1: the same window, inverted before truncation (dcmtk-identical)', () => {
    const r = render(ct({ photometric: 'MONOCHROME1' }));
    // trunc(255 - y), not 255 - trunc(y): HU 0 gives 255 - 102.27 = 152.7 -> 152.
    const expected = [255, 255, Math.trunc(255 - ((0 - 39.5) / 399 + 0.5) * 255), Math.trunc(255 - ((40 - 39.5) / 399 + 0.5) * 255), 0, 0, 0];
    expect(expected.slice(2, 4)).toEqual([152, 127]);
    expect(Array.from(r.data)).toEqual(expected);
  });

  it('without a window uses min-max of the modality values: min -> 0, max -> 255', () => {
    // Stored 10..20, rescale x2 - 5: modality 15..35, window c = 25.5, w = 21.
    const r = render({ rows: 1, columns: 4, bitsAllocated: 8, rescale: { slope: 2, intercept: -5 }, pixel: row([10, 15, 20, 12]) });
    expect(r.window).toEqual({ center: 25.5, width: 21, fn: 'linear' });
    // y = ((m - 25) / 20 + 0.5) * 255: m=25 -> 127.5, m=19 -> 51.
    expect(Array.from(r.data)).toEqual([0, 127, 255, 51]);
  });

  it('an 8-bit image with window 128/256 renders unchanged; 16-bit output scales by 257', () => {
    const values = [0, 1, 64, 127, 128, 200, 255];
    const o: MakeImageOptions = { rows: 1, columns: values.length, bitsAllocated: 8, window: { center: 128, width: 256 }, pixel: row(values) };
    expect(Array.from(render(o).data)).toEqual(values);
    const r16 = render(o, { bitDepth: 16 });
    expect(r16.data).toBeInstanceOf(Uint16Array);
    // ((x - 127.5) / 255 + 0.5) * 65535 = 257 x
    expect(Array.from(r16.data)).toEqual(values.map((v) => v * 257));
  });

  it('ignores garbage above High Bit (Bits Stored 12)', () => {
    const values = [0, 100, 2048, 4095];
    const clean = render({ rows: 1, columns: 4, bitsAllocated: 16, bitsStored: 12, pixel: row(values) });
    const dirty = render({ rows: 1, columns: 4, bitsAllocated: 16, bitsStored: 12, pixel: row(values.map((v) => v | 0xf000)) });
    expect(Array.from(dirty.data)).toEqual(Array.from(clean.data));
    expect(clean.window).toEqual({ center: 2048, width: 4096, fn: 'linear' });
    // min-max 0..4095: y = ((x - 2047.5) / 4095 + 0.5) * 255
    expect(Array.from(clean.data)).toEqual([0, Math.trunc((100 / 4095) * 255), Math.trunc((2048 / 4095) * 255), 255]);
  });

  it('renders signed 8-bit data', () => {
    const r = render({ rows: 1, columns: 3, bitsAllocated: 8, pixelRepresentation: 1, pixel: row([-128, 0, 127]) });
    expect(r.window).toEqual({ center: 0, width: 256, fn: 'linear' });
    expect(Array.from(r.data)).toEqual([0, Math.trunc((128 / 255) * 255), 255]);
  });

  it('renders a requested window and function instead of the file window', () => {
    const r = render(ct(), { window: { center: 0, width: 100, fn: 'sigmoid' } });
    const hu = ctStored.map((s) => s - 1024);
    expect(Array.from(r.data)).toEqual(hu.map((x) => Math.trunc(255 / (1 + Math.exp((-4 * x) / 100)))));
    const exact = render(ct(), { window: { center: 0, width: 100, fn: 'linear-exact' } });
    expect(Array.from(exact.data)).toEqual(hu.map((x) => (x <= -50 ? 0 : x > 50 ? 255 : Math.trunc((x / 100 + 0.5) * 255))));
  });

  it('uses the file VOI LUT Function (0028,1056)', () => {
    const r = render(ct({ extra: [{ tag: '00281056', vr: 'CS', value: 'SIGMOID' }] }));
    expect(r.window?.fn).toBe('sigmoid');
    expect(r.data[2]).toBe(Math.trunc(255 / (1 + Math.exp((-4 * (0 - 40)) / 400))));
  });

  it('renders the requested frame of a multi-frame image; out of range is FrameNotFound 404', () => {
    const o: MakeImageOptions = {
      rows: 1,
      columns: 2,
      bitsAllocated: 8,
      frames: 2,
      window: { center: 128, width: 256 },
      pixel: (f, _r, c) => (f === 0 ? 10 + c : 200 + c),
    };
    expect(Array.from(render(o, { frame: 1 }).data)).toEqual([10, 11]);
    const second = render(o, { frame: 2 });
    expect(Array.from(second.data)).toEqual([200, 201]);
    expect(second.frame).toBe(2);
    const err = expectError(() => render(o, { frame: 3 }), 'FrameNotFound', 404);
    expect(err.message).toMatch(/2 frame/);
    expectError(() => render(o, { frame: 0 }), 'FrameNotFound', 404);
    expectError(() => render(o, { frame: 1.5 }), 'InvalidParameter', 400);
  });

  it('renders 8-bit RGB as RGB; refuses other colour models with 422', () => {
    const r = render({ rows: 1, columns: 2, bitsAllocated: 8, photometric: 'RGB', planarConfiguration: 1, pixel: (_f, _r, c, s) => c * 100 + s * 10 });
    expect(r.channels).toBe(3);
    expect(Array.from(r.data)).toEqual([0, 10, 20, 100, 110, 120]);
    expectError(
      () => render({ rows: 1, columns: 2, bitsAllocated: 8, samplesPerPixel: 3, extra: [{ tag: '00280004', vr: 'CS', value: 'YBR_FULL' }], pixel: () => 0 }),
      'UnsupportedPhotometricInterpretation',
      422,
    );
    expectError(
      () => render({ rows: 1, columns: 2, bitsAllocated: 8, extra: [{ tag: '00280004', vr: 'CS', value: 'PALETTE COLOR' }], pixel: () => 0 }),
      'UnsupportedPhotometricInterpretation',
      422,
    );
  });

  it('refuses a bad bit depth', () => {
    expectError(() => render(ct(), { bitDepth: 12 as never }), 'InvalidParameter', 400);
  });

  it('renderPng returns a PNG whose pixels are the rendering', () => {
    const out = renderPng(parseDicom(makeImageDicom(ct({ rows: 2, pixel: (_f, r, c) => ctStored[(c + r) % ctStored.length] }))), grey8);
    expect([out.width, out.height, out.frame, out.bitDepth]).toEqual([ctStored.length, 2, 1, 8]);
    const img = PNG.sync.read(Buffer.from(out.png));
    const expectedRow1 = ctStored.map((_, c) => ctExpected[(c + 1) % ctStored.length]);
    for (let c = 0; c < ctStored.length; c++) {
      expect(img.data[c * 4]).toBe(ctExpected[c]);
      expect(img.data[(ctStored.length + c) * 4]).toBe(expectedRow1[c]);
    }
    const out16 = renderPng(parseDicom(makeImageDicom(ct())), { frame: 1, bitDepth: 16 });
    const img16 = PNG.sync.read(Buffer.from(out16.png), { skipRescale: true });
    expect((img16.data as unknown as Uint16Array)[2 * 4]).toBe(Math.trunc(((0 - 39.5) / 399 + 0.5) * 65535));
  });

  it('renders a 512 x 512 CT frame quickly (lookup table over the stored range)', () => {
    const parsed = parseDicom(
      makeImageDicom(ct({ rows: 512, columns: 512, pixel: (_f, r, c) => ((r * 7 + c * 13) % 4096) - 1000 })),
    );
    renderPixels(parsed, grey8); // warm-up
    const t0 = performance.now();
    const runs = 10;
    for (let i = 0; i < runs; i++) renderPixels(parsed, grey8);
    const ms = (performance.now() - t0) / runs;
    console.info(`render 512x512 CT (decode + LUT, no PNG): ${ms.toFixed(2)} ms`);
    expect(ms).toBeLessThan(50);
  });
});
