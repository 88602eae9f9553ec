import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { parseDicom } from '../../../lib/dicom/parse.js';
import { renderPixels, renderPng, type RenderRequest } from '../../../lib/render/render-frame.js';
import { DomainError } from '../../../lib/errors.js';
import { createHash } from 'node:crypto';
import {
  TS_EXPLICIT_BE,
  TS_IMPLICIT_LE,
  makeFloatImageDicom,
  makeImageDicom,
  makeImageElements,
  makeOverlayElements,
  makeRetiredOverlayElements,
  writeDicom,
  type MakeImageOptions,
} from '../../support/dicom-writer.js';

const grey8: RenderRequest = { frame: 1, bitDepth: 8 };
const render = (o: MakeImageOptions, req: Partial<RenderRequest> = {}) =>
  renderPixels(parseDicom(makeImageDicom(o)), { ...grey8, ...req });
const row = (values: number[]) => (_f: number, _r: number, c: number) => values[c];

async function expectError(fn: () => unknown, code: string, status: number): Promise<DomainError> {
  try {
    await fn();
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
  it('CT: rescale then the file window (PS3.3 C.11.1, C.11.2.1.2.1), implicit and big endian alike', async () => {
    expect(ctExpected.slice(2, 4)).toEqual([102, 127]);
    for (const transferSyntaxUid of [undefined, TS_IMPLICIT_LE, TS_EXPLICIT_BE]) {
      const r = await render(ct({ transferSyntaxUid }));
      expect(Array.from(r.data)).toEqual(ctExpected);
      expect(r.window).toEqual({ center: 40, width: 400, fn: 'linear' });
    }
  });

  it('MONOCHROME1: the same window, inverted before truncation (dcmtk-identical)', async () => {
    const r = await render(ct({ photometric: 'MONOCHROME1' }));
    // trunc(255 - y), not 255 - trunc(y): HU 0 gives 255 - 102.27 = 152.7 -> 152.
    const expected = [255, 255, Math.trunc(255 - ((0 - 39.5) / 399 + 0.5) * 255), Math.trunc(255 - ((40 - 39.5) / 399 + 0.5) * 255), 0, 0, 0];
    expect(expected.slice(2, 4)).toEqual([152, 127]);
    expect(Array.from(r.data)).toEqual(expected);
  });

  it('without a window uses min-max of the modality values: min -> 0, max -> 255', async () => {
    // Stored 10..20, rescale x2 - 5: modality 15..35, window c = 25.5, w = 21.
    const r = await render({ rows: 1, columns: 4, bitsAllocated: 8, rescale: { slope: 2, intercept: -5 }, pixel: row([10, 15, 20, 12]) });
    expect(r.window).toEqual({ center: 25.5, width: 21, fn: 'linear' });
    // y = ((m - 25) / 20 + 0.5) * 255: m=25 -> 127.5, m=19 -> 51.
    expect(Array.from(r.data)).toEqual([0, 127, 255, 51]);
  });

  it('an 8-bit image with window 128/256 renders unchanged; 16-bit output scales by 257', async () => {
    const values = [0, 1, 64, 127, 128, 200, 255];
    const o: MakeImageOptions = { rows: 1, columns: values.length, bitsAllocated: 8, window: { center: 128, width: 256 }, pixel: row(values) };
    expect(Array.from((await render(o)).data)).toEqual(values);
    const r16 = await render(o, { bitDepth: 16 });
    expect(r16.data).toBeInstanceOf(Uint16Array);
    // ((x - 127.5) / 255 + 0.5) * 65535 = 257 x
    expect(Array.from(r16.data)).toEqual(values.map((v) => v * 257));
  });

  it('ignores garbage above High Bit (Bits Stored 12)', async () => {
    const values = [0, 100, 2048, 4095];
    const clean = await render({ rows: 1, columns: 4, bitsAllocated: 16, bitsStored: 12, pixel: row(values) });
    const dirty = await render({ rows: 1, columns: 4, bitsAllocated: 16, bitsStored: 12, pixel: row(values.map((v) => v | 0xf000)) });
    expect(Array.from(dirty.data)).toEqual(Array.from(clean.data));
    expect(clean.window).toEqual({ center: 2048, width: 4096, fn: 'linear' });
    // min-max 0..4095: y = ((x - 2047.5) / 4095 + 0.5) * 255
    expect(Array.from(clean.data)).toEqual([0, Math.trunc((100 / 4095) * 255), Math.trunc((2048 / 4095) * 255), 255]);
  });

  it('renders signed 8-bit data', async () => {
    const r = await render({ rows: 1, columns: 3, bitsAllocated: 8, pixelRepresentation: 1, pixel: row([-128, 0, 127]) });
    expect(r.window).toEqual({ center: 0, width: 256, fn: 'linear' });
    expect(Array.from(r.data)).toEqual([0, Math.trunc((128 / 255) * 255), 255]);
  });

  it('renders a requested window and function instead of the file window', async () => {
    const r = await render(ct(), { window: { center: 0, width: 100, fn: 'sigmoid' } });
    const hu = ctStored.map((s) => s - 1024);
    expect(Array.from(r.data)).toEqual(hu.map((x) => Math.trunc(255 / (1 + Math.exp((-4 * x) / 100)))));
    const exact = await render(ct(), { window: { center: 0, width: 100, fn: 'linear-exact' } });
    expect(Array.from(exact.data)).toEqual(hu.map((x) => (x <= -50 ? 0 : x > 50 ? 255 : Math.trunc((x / 100 + 0.5) * 255))));
  });

  it('uses the file VOI LUT Function (0028,1056)', async () => {
    const r = await render(ct({ extra: [{ tag: '00281056', vr: 'CS', value: 'SIGMOID' }] }));
    expect(r.window?.fn).toBe('sigmoid');
    expect(r.data[2]).toBe(Math.trunc(255 / (1 + Math.exp((-4 * (0 - 40)) / 400))));
  });

  it('renders the requested frame of a multi-frame image; out of range is FrameNotFound 404', async () => {
    const o: MakeImageOptions = {
      rows: 1,
      columns: 2,
      bitsAllocated: 8,
      frames: 2,
      window: { center: 128, width: 256 },
      pixel: (f, _r, c) => (f === 0 ? 10 + c : 200 + c),
    };
    expect(Array.from((await render(o, { frame: 1 })).data)).toEqual([10, 11]);
    const second = await render(o, { frame: 2 });
    expect(Array.from(second.data)).toEqual([200, 201]);
    expect(second.frame).toBe(2);
    const err = await expectError(() => render(o, { frame: 3 }), 'FrameNotFound', 404);
    expect(err.message).toMatch(/2 frame/);
    await expectError(() => render(o, { frame: 0 }), 'FrameNotFound', 404);
    await expectError(() => render(o, { frame: 1.5 }), 'InvalidParameter', 400);
  });

  it('refuses, with 400 naming why, what colour would ignore (window=, voi=) or fake (bitDepth=16 of 8-bit colour)', async () => {
    const rgb8: MakeImageOptions = { rows: 1, columns: 2, bitsAllocated: 8, photometric: 'RGB', pixel: (_f, _r, c, s) => c * 100 + s * 10 };
    const deep = await expectError(() => render(rgb8, { bitDepth: 16 }), 'InvalidParameter', 400);
    expect(deep.message).toMatch(/^A 16-bit PNG \(bitDepth=16\) is for greyscale images.*this image is RGB with 8-bit samples, rendered as 8-bit RGB/);
    const win = await expectError(() => render(rgb8, { window: { center: 40, width: 400, fn: 'linear' } }), 'InvalidParameter', 400);
    expect(win.message).toMatch(/^The window parameter applies to greyscale images; this image is RGB/);
    expect((await expectError(() => render(rgb8, { voi: 1 }), 'InvalidParameter', 400)).message).toMatch(/^The voi parameter applies to greyscale images/);
    const ybr = { ...rgb8, photometric: undefined, samplesPerPixel: 3, extra: [{ tag: '00280004', vr: 'CS', value: 'YBR_FULL' }] } as MakeImageOptions;
    expect((await expectError(() => render(ybr, { bitDepth: 16 }), 'InvalidParameter', 400)).message).toContain('YBR_FULL');
    // PALETTE COLOR: 8-bit entries are refused at 16 bits; 16-bit entries fill a 16-bit PNG.
    const palette = (bits: 8 | 16, entry: number): MakeImageOptions => ({
      rows: 1,
      columns: 1,
      bitsAllocated: 8,
      pixel: () => 0,
      extra: [
        { tag: '00280004', vr: 'CS', value: 'PALETTE COLOR' },
        ...['1101', '1102', '1103'].map((t) => ({ tag: `0028${t}`, vr: 'US' as const, value: [1, 0, bits] })),
        ...['1201', '1202', '1203'].map((t) => ({ tag: `0028${t}`, vr: 'OW' as const, value: [entry] })),
      ],
    });
    expect((await expectError(() => render(palette(8, 200), { bitDepth: 16 }), 'InvalidParameter', 400)).message).toContain('8-bit palette entries');
    await expectError(() => render(palette(16, 0x1234), { window: { center: 1, width: 2, fn: 'linear' } }), 'InvalidParameter', 400);
    expect(Array.from((await render(palette(16, 0x1234), { bitDepth: 16 })).data)).toEqual([0x1234, 0x1234, 0x1234]);
    // Colour deeper than 8 bits is really 16-bit; 8-bit output of 8-bit colour is unchanged.
    const rgb16: MakeImageOptions = { rows: 1, columns: 1, bitsAllocated: 16, photometric: 'RGB', pixel: (_f, _r, _c, s) => [0x1234, 0x8001, 0xfffe][s] };
    expect(Array.from((await render(rgb16, { bitDepth: 16 })).data)).toEqual([0x1234, 0x8001, 0xfffe]);
    expect(Array.from((await render(rgb8)).data)).toEqual([0, 10, 20, 100, 110, 120]);
  });

  it('renders 8-bit RGB as RGB; refuses colour models it does not know with 422', async () => {
    const r = await render({ rows: 1, columns: 2, bitsAllocated: 8, photometric: 'RGB', planarConfiguration: 1, pixel: (_f, _r, c, s) => c * 100 + s * 10 });
    expect(r.channels).toBe(3);
    expect(Array.from(r.data)).toEqual([0, 10, 20, 100, 110, 120]);
    for (const photometric of ['CMYK', 'ARGB', 'HSV']) {
      const err = await expectError(
        () => render({ rows: 1, columns: 2, bitsAllocated: 8, samplesPerPixel: 3, extra: [{ tag: '00280004', vr: 'CS', value: photometric }], pixel: () => 0 }),
        'UnsupportedPhotometricInterpretation',
        422,
      );
      expect(err.message).toContain(photometric);
    }
    // PALETTE COLOR without its lookup tables is malformed, not a guess.
    await expectError(
      () => render({ rows: 1, columns: 2, bitsAllocated: 8, extra: [{ tag: '00280004', vr: 'CS', value: 'PALETTE COLOR' }], pixel: () => 0 }),
      'MalformedDicom',
      422,
    );
  });

  it('refuses a bad bit depth', async () => {
    await expectError(() => render(ct(), { bitDepth: 12 as never }), 'InvalidParameter', 400);
  });

  it('renderPng returns a PNG whose pixels are the rendering', async () => {
    const out = await renderPng(parseDicom(makeImageDicom(ct({ rows: 2, pixel: (_f, r, c) => ctStored[(c + r) % ctStored.length] }))), grey8);
    expect([out.width, out.height, out.frame, out.bitDepth]).toEqual([ctStored.length, 2, 1, 8]);
    const img = PNG.sync.read(Buffer.from(out.png));
    const expectedRow1 = ctStored.map((_, c) => ctExpected[(c + 1) % ctStored.length]);
    for (let c = 0; c < ctStored.length; c++) {
      expect(img.data[c * 4]).toBe(ctExpected[c]);
      expect(img.data[(ctStored.length + c) * 4]).toBe(expectedRow1[c]);
    }
    const out16 = await renderPng(parseDicom(makeImageDicom(ct())), { frame: 1, bitDepth: 16 });
    const img16 = PNG.sync.read(Buffer.from(out16.png), { skipRescale: true });
    expect((img16.data as unknown as Uint16Array)[2 * 4]).toBe(Math.trunc(((0 - 39.5) / 399 + 0.5) * 65535));
  });

  it('renders a 512 x 512 CT frame quickly (lookup table over the stored range)', async () => {
    const parsed = parseDicom(
      makeImageDicom(ct({ rows: 512, columns: 512, pixel: (_f, r, c) => ((r * 7 + c * 13) % 4096) - 1000 })),
    );
    await renderPixels(parsed, grey8); // warm-up
    const t0 = performance.now();
    const runs = 10;
    for (let i = 0; i < runs; i++) await renderPixels(parsed, grey8);
    const ms = (performance.now() - t0) / runs;
    console.info(`render 512x512 CT (decode + LUT, no PNG): ${ms.toFixed(2)} ms`);
    expect(ms).toBeLessThan(50);
  });
});

describe('issue 3: VOI choice, window=none, presentation, functional groups, float, size bound', () => {
  const voiLut = (first: number, bits: number, data: number[]) => [
    { tag: '00283002', vr: 'US', value: [data.length, first, bits] },
    { tag: '00283006', vr: 'US', value: data },
  ];

  it('voi=<n> counts windows first, then VOI LUTs; past the end is 404 VoiNotFound', async () => {
    const o = ct({ window: { center: [40, 500], width: [400, 2000] }, extra: [{ tag: '00283010', vr: 'SQ', value: [voiLut(1024, 16, [0, 32768, 65535])] }] });
    expect((await render(o)).voi).toEqual({ kind: 'window', source: 'file' });
    expect((await render(o, { voi: 2 })).window).toEqual({ center: 500, width: 2000, fn: 'linear' });
    const lut = await render(o, { voi: 3 });
    expect(lut.voi).toEqual({ kind: 'lut', index: 0 });
    // VOI LUT input is the modality value (HU); first mapped 1024 -> HU 1024 is entry 0.
    // HU below 1024 take entry 0 (-> 0); stored 3000 = HU 1976 is past the table: last entry (-> 255).
    expect(Array.from(lut.data)).toEqual([0, 0, 0, 0, 0, 0, 255]);
    const err = await expectError(() => render(o, { voi: 4 }), 'VoiNotFound', 404);
    expect(err.message).toMatch(/2 window\(s\).*1 VOI LUT/);
  });

  it('without a window the file VOI LUT applies: 16-bit entry e -> e * 256 / 65536 (dcmtk scaling)', async () => {
    const r = await render({ rows: 1, columns: 4, bitsAllocated: 8, pixel: row([0, 1, 2, 3]), extra: [{ tag: '00283010', vr: 'SQ', value: [voiLut(0, 16, [0, 257, 32896, 65535])] }] });
    expect(r.voi).toEqual({ kind: 'lut', index: 0 });
    expect(Array.from(r.data)).toEqual([0, 1, 128, 255]);
  });

  it('Presentation LUT Shape INVERSE inverts MONOCHROME2 once; with MONOCHROME1 it is the same single inversion', async () => {
    const plain = await render(ct());
    const inverse = await render(ct({ extra: [{ tag: '20500020', vr: 'CS', value: 'INVERSE' }] }));
    const mono1 = await render(ct({ photometric: 'MONOCHROME1' }));
    const both = await render(ct({ photometric: 'MONOCHROME1', extra: [{ tag: '20500020', vr: 'CS', value: 'INVERSE' }] }));
    expect(Array.from(inverse.data)).toEqual(Array.from(mono1.data));
    expect(Array.from(both.data)).toEqual(Array.from(mono1.data));
    expect(Array.from(inverse.data)).not.toEqual(Array.from(plain.data));
  });

  it('window=none with bitDepth=16 writes the modality values losslessly, with scale/offset in tEXt', async () => {
    const r = await render(ct({ rescale: { slope: 0.5, intercept: -1024 } }), { bitDepth: 16, window: 'none' });
    expect(r.voi).toEqual({ kind: 'none' });
    const scale = Number(r.text!['dicom:scale']);
    const offset = Number(r.text!['dicom:offset']);
    expect(Array.from(r.data).map((v) => v * scale + offset)).toEqual(ctStored.map((s) => s * 0.5 - 1024));
    // Signed data below 0 is shifted by the frame minimum.
    const signed = await render({ rows: 1, columns: 3, bitsAllocated: 16, pixelRepresentation: 1, pixel: row([-2000, 0, 3000]) }, { bitDepth: 16, window: 'none' });
    expect(Array.from(signed.data).map((v) => v * Number(signed.text!['dicom:scale']) + Number(signed.text!['dicom:offset']))).toEqual([-2000, 0, 3000]);
    // The tEXt chunks reach the PNG.
    const png = await renderPng(parseDicom(makeImageDicom(ct())), { frame: 1, bitDepth: 16, window: 'none' });
    expect(Buffer.from(png.png).toString('latin1')).toContain('dicom:offset\0-1024');
    await expectError(() => render(ct(), { bitDepth: 8, window: 'none' }), 'InvalidParameter', 400);
  });

  it('applies the Pixel Value Transformation and Frame VOI LUT of the requested frame (PS3.3 C.7.6.16)', async () => {
    const fg = (slope: number, intercept: number, center: number, width: number) => [
      { tag: '00289145', vr: 'SQ', value: [[{ tag: '00281052', vr: 'DS', value: String(intercept) }, { tag: '00281053', vr: 'DS', value: String(slope) }]] },
      { tag: '00289132', vr: 'SQ', value: [[{ tag: '00281050', vr: 'DS', value: String(center) }, { tag: '00281051', vr: 'DS', value: String(width) }]] },
    ];
    const o: MakeImageOptions = {
      rows: 1,
      columns: 2,
      bitsAllocated: 16,
      frames: 2,
      pixel: (_f, _r, c) => [100, 200][c],
      extra: [{ tag: '52009230', vr: 'SQ', value: [fg(1, 0, 150, 101), fg(2, -100, 200, 201)] }],
    };
    const f1 = await render(o, { frame: 1 });
    expect(f1.window).toEqual({ center: 150, width: 101, fn: 'linear' });
    const f2 = await render(o, { frame: 2 });
    expect(f2.window).toEqual({ center: 200, width: 201, fn: 'linear' });
    // Frame 2 modality values: 100 and 300; window 200/201 spans 99.5..299.5 -> 0 and 255.
    expect(Array.from(f2.data)).toEqual([0, 255]);
  });

  it('renders Float Pixel Data (PS3.3 C.7.6.24) at min-max, NaN as black', async () => {
    const bytes = new Uint8Array(16);
    const dv = new DataView(bytes.buffer);
    [-1.5, 0.5, 2.5, Number.NaN].forEach((v, i) => dv.setFloat32(i * 4, v, true));
    const elements = makeImageElements({ rows: 2, columns: 2, bitsAllocated: 32, pixel: () => 0 })
      .filter((e) => !['7FE00010', '00280101', '00280102', '00280103'].includes(e.tag))
      .concat([{ tag: '7FE00008', vr: 'OF', value: bytes }]);
    const r = await renderPixels(parseDicom(writeDicom({ elements })), grey8);
    expect(r.voi).toEqual({ kind: 'window', source: 'minmax' });
    expect(r.data[0]).toBe(0);
    expect(r.data[2]).toBe(255);
    expect(r.data[3]).toBe(0);
  });

  it('a 65535 x 65535 header is 422 ImageTooLarge at once, whatever the frame count, without reading pixels', async () => {
    const elements = makeImageElements({ rows: 1, columns: 1, bitsAllocated: 16, pixel: () => 0 }).map((e) =>
      e.tag === '00280010' || e.tag === '00280011' ? { ...e, value: 65535 } : e,
    );
    const t0 = performance.now();
    await expectError(() => renderPixels(parseDicom(writeDicom({ elements })), grey8), 'ImageTooLarge', 422);
    // Many frames of a small image: only one frame is ever decoded; a file too short for the frame is refused.
    const many = makeImageElements({ rows: 512, columns: 512, bitsAllocated: 16, pixel: () => 0 }).map((e) =>
      e.tag === '7FE00010' ? { ...e, value: new Uint8Array(16) } : e,
    );
    many.push({ tag: '00280008', vr: 'IS', value: '99999' });
    await expectError(() => renderPixels(parseDicom(writeDicom({ elements: many })), { ...grey8, frame: 99999 }), 'TruncatedPixelData', 422);
    expect(performance.now() - t0).toBeLessThan(500);
  });
});

/**
 * Issue 4: overlays, float parametric maps, MONOCHROME1 + INVERSE. The sha256 values are of the
 * 8-bit samples dcmtk 3.6.7 wrote for these exact fixtures (`dcm2pnm +on +Wi 1 +F <frame> IN
 * OUT.png`, Debian bookworm), so each test says "pixel-identical to dcm2pnm".
 */
describe('issue 4: overlays burned in as dcm2pnm does, float windows, MONOCHROME1 + INVERSE', () => {
  const R = 40;
  const C = 48;
  const grad = (_f: number, r: number, c: number) => (r * 97 + c * 53) % 4096;
  const ring = (_f: number, r: number, c: number) => (r - 10) ** 2 + (c - 12) ** 2 < 64 && (r - 10) ** 2 + (c - 12) ** 2 > 30;
  const base: MakeImageOptions = { rows: R, columns: C, bitsAllocated: 16, bitsStored: 12, pixel: grad, window: { center: 2048, width: 4096 } };
  const sha = (r: { data: Uint8Array | Uint16Array }) => createHash('sha256').update(r.data).digest('hex');
  const DCMTK = {
    ovl: 'c911bd7e5c44572429978247077ca7993ac2da8f6000d2ccb29448b38cf425c9',
    retired: '1aa986334964160a7afe98389d84ed2de71234112f5c9ded4d873bc5aa89f201',
    mono1ovl: 'dd090cdd0a1a9532dfe67a43685580752e46b695a48ce86cd9ec6c66774e02f5',
    mono1: '9d82e43f15fb17b19a5fe6c05bf389011abec48c6f77f043c4840a38c5c54311',
    mfovl: [
      '91556e66690000657c093d10138cdef9d6c4bc4a4cfd85b070a809de30f65fab',
      'be3bf5cb97997f38e143ed16c59a992264430b57bf66dc021d47189c42c5561b',
      'e29d9a2fceb6cba612a1ada2d6ea43de1d1c16094a7687d0464e6f04b9a77487',
    ],
  };
  const overlay = makeOverlayElements({ rows: 30, columns: 30, origin: [-3, 25], bit: ring });

  it('burns an Overlay Data plane (origin partly outside the image) in white: identical to dcm2pnm, LE and BE', async () => {
    expect(sha(await render({ ...base, extra: overlay }))).toBe(DCMTK.ovl);
    expect(sha(await render({ ...base, transferSyntaxUid: TS_EXPLICIT_BE, extra: overlay }))).toBe(DCMTK.ovl);
  });

  it('overlays=false renders the image alone; window=none never draws them', async () => {
    const without = await render({ ...base, extra: overlay }, { overlays: false });
    expect(Array.from(without.data)).toEqual(Array.from((await render(base)).data));
    const lossless = await render({ ...base, extra: overlay }, { bitDepth: 16, window: 'none' });
    expect(Array.from(lossless.data)).toEqual(Array.from((await render(base, { bitDepth: 16, window: 'none' })).data));
  });

  it('draws at the maximum P-value at 16 bits too', async () => {
    const r = await render({ ...base, extra: makeOverlayElements({ rows: 1, columns: 1, origin: [2, 3], bit: () => true }) }, { bitDepth: 16 });
    expect(r.data[1 * C + 2]).toBe(0xffff);
  });

  it('burns a retired overlay from bit 15 of 12-bit stored cells, which stay out of the stored value: identical to dcm2pnm', async () => {
    const o: MakeImageOptions = {
      ...base,
      pixel: (f, r, c) => grad(f, r, c) | ((r + c) % 7 === 0 ? 0x8000 : 0),
      extra: makeRetiredOverlayElements({ rows: R, columns: C, bitsAllocated: 16, bitPosition: 15 }),
    };
    expect(sha(await render(o))).toBe(DCMTK.retired);
    // Without the overlay the picture is that of the 12-bit values alone.
    expect(Array.from((await render(o, { overlays: false })).data)).toEqual(Array.from((await render(base)).data));
  });

  it('MONOCHROME1: overlays are white after the inversion, as in dcm2pnm', async () => {
    const o: MakeImageOptions = { ...base, photometric: 'MONOCHROME1', extra: makeOverlayElements({ rows: 30, columns: 30, origin: [5, 5], bit: ring }) };
    expect(sha(await render(o))).toBe(DCMTK.mono1ovl);
  });

  it('multi-frame: overlay frames start at Image Frame Origin (PS3.3 C.9.3): identical to dcm2pnm on frames 1-3', async () => {
    const o: MakeImageOptions = {
      ...base,
      frames: 3,
      extra: makeOverlayElements({ rows: 30, columns: 30, origin: [5, 5], frames: 2, imageFrameOrigin: 2, bit: (f, r, c) => ring(f, r, c) && (f === 1 || c < 12) }),
    };
    for (const frame of [1, 2, 3]) expect(sha(await render(o, { frame })), `frame ${frame}`).toBe(DCMTK.mfovl[frame - 1]);
  });

  it('multi-frame without Number of Frames in Overlay: the plane is drawn on every frame, identical to dcm2pnm', async () => {
    const disc = (_f: number, r: number, c: number) => (r - 10) ** 2 + (c - 12) ** 2 < 64;
    const o: MakeImageOptions = { ...base, frames: 3, pixel: () => 100, extra: makeOverlayElements({ rows: 30, columns: 30, origin: [5, 5], bit: disc }) };
    for (const frame of [1, 2, 3]) expect(sha(await render(o, { frame })), `frame ${frame}`).toBe('8415b850b25e4a43aaefb65218a51f7dced67dd2869ecbed5428a45a7b1c1236');
  });

  it('ROI overlays (type R) are drawn like graphics (dcm2pnm instead dims the pixels outside an ROI)', async () => {
    const g = await render({ ...base, extra: makeOverlayElements({ rows: 30, columns: 30, origin: [5, 5], bit: ring }) });
    const roi = await render({ ...base, extra: makeOverlayElements({ rows: 30, columns: 30, origin: [5, 5], type: 'R', bit: ring }) });
    expect(Array.from(roi.data)).toEqual(Array.from(g.data));
  });

  it('colour images get the overlay in white in every channel (dcm2pnm draws none on colour)', async () => {
    const o: MakeImageOptions = {
      rows: 2,
      columns: 2,
      bitsAllocated: 8,
      photometric: 'RGB',
      pixel: (_f, r, c, s) => 10 * (r * 2 + c) + s,
      extra: makeOverlayElements({ rows: 1, columns: 1, origin: [2, 2], bit: () => true }),
    };
    const r = await render(o);
    expect(Array.from(r.data)).toEqual([0, 1, 2, 10, 11, 12, 20, 21, 22, 255, 255, 255]);
    expect(Array.from((await render(o, { overlays: false })).data).slice(9)).toEqual([30, 31, 32]);
  });

  it('MONOCHROME1 with Presentation LUT Shape INVERSE is inverted once: identical to dcm2pnm (as are MONOCHROME1 alone and MONOCHROME2 + INVERSE)', async () => {
    const inverse = [{ tag: '20500020', vr: 'CS', value: 'INVERSE' }];
    expect(sha(await render({ ...base, photometric: 'MONOCHROME1', extra: inverse }))).toBe(DCMTK.mono1);
    expect(sha(await render({ ...base, photometric: 'MONOCHROME1' }))).toBe(DCMTK.mono1);
    expect(sha(await render({ ...base, extra: inverse }))).toBe(DCMTK.mono1);
  });

  describe('Float Pixel Data: a parametric map in [0, 1] (PS3.3 C.7.6.24, C.11.2.1.3.2)', () => {
    // 1 x 5 map: 0, 0.25, 0.5, 0.75, 1.
    const map = (o: Partial<Parameters<typeof makeFloatImageDicom>[0]> = {}) =>
      parseDicom(makeFloatImageDicom({ rows: 1, columns: 5, value: (_r, c) => c / 4, ...o }));

    it('Window Width 1 under LINEAR gives a ramp, not two levels: applied as LINEAR_EXACT', async () => {
      for (const double of [false, true]) {
        const r = await renderPixels(map({ double, window: { center: 0.5, width: 1 } }), grey8);
        expect(r.window).toEqual({ center: 0.5, width: 1, fn: 'linear-exact' });
        // y = ((x - 0.5) / 1 + 0.5) * 255; x <= 0 -> 0, x > 1 -> 255.
        expect(Array.from(r.data)).toEqual([0, 63, 127, 191, 255]);
      }
    });

    it('a width below 1 is usable too (LINEAR would be invalid, PS3.3 C.11.2.1.2.1)', async () => {
      const r = await renderPixels(map({ window: { center: 0.5, width: 0.5 } }), grey8);
      expect(Array.from(r.data)).toEqual([0, 0, 127, 255, 255]);
    });

    it('without a window: min-max spans the values', async () => {
      const r = await renderPixels(map(), grey8);
      expect(r.voi).toEqual({ kind: 'window', source: 'minmax' });
      expect(r.data[0]).toBe(0);
      expect(r.data[4]).toBe(255);
      expect(new Set(r.data).size).toBe(5);
    });

    it('an explicit VOI LUT Function and a requested window are kept as they are', async () => {
      const sigmoid = await renderPixels(map({ window: { center: 0.5, width: 1, fn: 'SIGMOID' } }), grey8);
      expect(sigmoid.window?.fn).toBe('sigmoid');
      const requested = await renderPixels(map({ window: { center: 0.5, width: 1 } }), { ...grey8, window: { center: 0.5, width: 1, fn: 'linear' } });
      expect(requested.window?.fn).toBe('linear');
      expect(new Set(requested.data).size).toBe(2);
    });

    it('integer data keeps LINEAR', async () => {
      expect((await render(base)).window).toEqual({ center: 2048, width: 4096, fn: 'linear' });
    });
  });
});
