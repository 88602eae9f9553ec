import { execFileSync } from 'node:child_process';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { parseDicom } from '../../lib/dicom/parse.js';
import { readImageInfo } from '../../lib/pixels/image-info.js';
import { renderPng } from '../../lib/render/render-frame.js';
import { CT_IMAGE_STORAGE, SAMPLE_SOP_INSTANCE_UID, phantomHu, sampleCt } from '../../tools/sample-ct.js';

/** `npm run --silent sample > ct.dcm`, exactly as the README walk-through runs it. */
const generated = (): Buffer => execFileSync('npm', ['run', '--silent', 'sample'], { encoding: 'buffer', timeout: 60_000 });

describe('npm run sample (tools/sample.ts)', () => {
  const bytes = generated();

  it('writes only the DICOM file to stdout: the same bytes as sampleCt(), every run', () => {
    expect(bytes.subarray(128, 132).toString('latin1')).toBe('DICM');
    expect(bytes.equals(Buffer.from(sampleCt()))).toBe(true);
  }, 60_000);

  it('parses as an Explicit VR LE CT Image with 64 x 64 signed 16-bit pixels, rescale to HU and a 40/400 window', () => {
    const parsed = parseDicom(new Uint8Array(bytes));
    expect(parsed.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    expect(parsed.dataSet.string('x00080016')).toBe(CT_IMAGE_STORAGE);
    expect(parsed.dataSet.string('x00080018')).toBe(SAMPLE_SOP_INSTANCE_UID);
    expect(SAMPLE_SOP_INSTANCE_UID).toMatch(/^2\.25\.\d{30,39}$/);
    expect(parsed.dataSet.string('x00100010')).toBe('Doe^Jane');
    const info = readImageInfo(parsed);
    expect(info).toMatchObject({ rows: 64, columns: 64, bitsAllocated: 16, bitsStored: 16, pixelRepresentation: 1, photometric: 'MONOCHROME2' });
    expect(info).toMatchObject({ rescaleSlope: 1, rescaleIntercept: -1024 });
    expect(info.windows[0]).toMatchObject({ center: 40, width: 400 });
  });

  it('renders to a PNG that shows the phantom: air black, bone white, soft tissue grey, under the file window', async () => {
    const out = await renderPng(parseDicom(new Uint8Array(bytes)), { frame: 1, bitDepth: 8 });
    expect([out.width, out.height]).toEqual([64, 64]);
    const png = PNG.sync.read(Buffer.from(out.png));
    const grey = (row: number, col: number) => png.data[(row * 64 + col) * 4];
    expect(phantomHu(0, 0)).toBe(-1000);
    expect(grey(0, 0)).toBe(0); // air
    expect(phantomHu(32, 5)).toBe(700);
    expect(grey(32, 5)).toBe(255); // bone ring
    expect(phantomHu(32, 32)).toBeGreaterThan(-160);
    expect(grey(32, 32)).toBeGreaterThan(60); // soft tissue: inside the window's ramp
    expect(grey(32, 32)).toBeLessThan(200);
    expect(grey(32, 20)).toBeLessThan(grey(32, 32)); // darker away from the centre
  });
});
