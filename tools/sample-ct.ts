/**
 * A synthetic CT slice for trying the service (README walk-through): no real patient, no
 * download. A 64 x 64 phantom — air around a round body of soft tissue with a fat disc, a
 * bright bone ring and a dark air pocket — that shows as such under its own window.
 *
 * - Explicit VR Little Endian (PS3.5 A.2), CT Image Storage (PS3.4 B.5, 1.2.840.10008.5.1.4.1.1.2).
 * - 16-bit signed stored values (Pixel Representation 1) with Rescale Intercept -1024, Slope 1
 *   and Rescale Type HU (PS3.3 C.11.1.1.2): stored = HU + 1024.
 * - A soft-tissue Window Center/Width of 40/400 (PS3.3 C.11.2.1.2).
 * - Made-up identity: Patient's Name Doe^Jane, and a comment saying it is synthetic.
 * - Fixed UIDs under the 2.25 root (a UUID as an integer, PS3.5 B.2), so every run writes the
 *   same bytes.
 *
 * The bytes are written by the project's test writer (test/support/dicom-writer.ts, itself
 * tested against the parser), so the sample exercises nothing the tests do not.
 */
import { TS_EXPLICIT_LE, makePixelBytes, writeDicom, type WriterElement } from '../test/support/dicom-writer.js';

export const SAMPLE_ROWS = 64;
export const SAMPLE_COLUMNS = 64;
export const SAMPLE_WINDOW = { center: 40, width: 400 } as const;
export const SAMPLE_RESCALE = { slope: 1, intercept: -1024 } as const;
export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

/** A UID under 2.25 from a fixed UUID (PS3.5 B.2): the UUID's 128 bits as a decimal integer. */
const uuidUid = (uuid: string): string => `2.25.${BigInt(`0x${uuid.replace(/-/g, '')}`).toString()}`;
export const SAMPLE_SOP_INSTANCE_UID = uuidUid('5a3c1e2f-0b4d-4e6a-9c8b-7d1f2e3a4b5c');
const STUDY_UID = uuidUid('5a3c1e2f-0b4d-4e6a-9c8b-7d1f2e3a4b5d');
const SERIES_UID = uuidUid('5a3c1e2f-0b4d-4e6a-9c8b-7d1f2e3a4b5e');

/** Hounsfield units of the phantom at (row, col). */
export function phantomHu(row: number, col: number): number {
  const c = (SAMPLE_COLUMNS - 1) / 2;
  const r = (SAMPLE_ROWS - 1) / 2;
  const d = Math.hypot(row - r, col - c);
  const at = (y: number, x: number, radius: number) => Math.hypot(row - y, col - x) <= radius;
  if (d > 28) return -1000; // air around the body
  if (d > 25) return 700; // bone ring
  if (at(r - 8, c - 9, 6)) return -700; // an air pocket (lung-like)
  if (at(r + 7, c + 8, 7)) return -100; // fat
  // Soft tissue, brighter towards the centre (20..60 HU), so the window's ramp shows.
  return Math.round(60 - (40 * d) / 25);
}

/** The sample as DICOM Part 10 bytes. */
export function sampleCt(): Uint8Array {
  const pixel = (_frame: number, row: number, col: number) => phantomHu(row, col) - SAMPLE_RESCALE.intercept;
  const image = { rows: SAMPLE_ROWS, columns: SAMPLE_COLUMNS, bitsAllocated: 16 as const, pixelRepresentation: 1 as const, pixel };
  const elements: WriterElement[] = [
    { tag: '00020013', vr: 'SH', value: 'DICOMSVC_SAMPLE' },
    { tag: '00080008', vr: 'CS', value: ['ORIGINAL', 'PRIMARY', 'AXIAL'] },
    { tag: '00080016', vr: 'UI', value: CT_IMAGE_STORAGE },
    { tag: '00080018', vr: 'UI', value: SAMPLE_SOP_INSTANCE_UID },
    { tag: '00080020', vr: 'DA', value: '20240101' },
    { tag: '00080030', vr: 'TM', value: '120000' },
    { tag: '00080050', vr: 'SH', value: 'SAMPLE' },
    { tag: '00080060', vr: 'CS', value: 'CT' },
    { tag: '00080070', vr: 'LO', value: 'Synthetic (tools/sample.ts)' },
    { tag: '00081030', vr: 'LO', value: 'Synthetic phantom' },
    { tag: '00100010', vr: 'PN', value: 'Doe^Jane' },
    { tag: '00100020', vr: 'LO', value: 'SAMPLE-0001' },
    { tag: '00100030', vr: 'DA', value: '19700101' },
    { tag: '00100040', vr: 'CS', value: 'O' },
    { tag: '00104000', vr: 'LT', value: 'Synthetic image made by tools/sample.ts; not a real patient.' },
    { tag: '00180050', vr: 'DS', value: '5' },
    { tag: '00180060', vr: 'DS', value: '120' },
    { tag: '0020000D', vr: 'UI', value: STUDY_UID },
    { tag: '0020000E', vr: 'UI', value: SERIES_UID },
    { tag: '00200010', vr: 'SH', value: '1' },
    { tag: '00200011', vr: 'IS', value: '1' },
    { tag: '00200013', vr: 'IS', value: '1' },
    { tag: '00200032', vr: 'DS', value: ['-16', '-16', '0'] },
    { tag: '00200037', vr: 'DS', value: ['1', '0', '0', '0', '1', '0'] },
    { tag: '00280002', vr: 'US', value: 1 },
    { tag: '00280004', vr: 'CS', value: 'MONOCHROME2' },
    { tag: '00280010', vr: 'US', value: SAMPLE_ROWS },
    { tag: '00280011', vr: 'US', value: SAMPLE_COLUMNS },
    { tag: '00280030', vr: 'DS', value: ['0.5', '0.5'] },
    { tag: '00280100', vr: 'US', value: 16 },
    { tag: '00280101', vr: 'US', value: 16 },
    { tag: '00280102', vr: 'US', value: 15 },
    { tag: '00280103', vr: 'US', value: 1 },
    { tag: '00281050', vr: 'DS', value: String(SAMPLE_WINDOW.center) },
    { tag: '00281051', vr: 'DS', value: String(SAMPLE_WINDOW.width) },
    { tag: '00281052', vr: 'DS', value: String(SAMPLE_RESCALE.intercept) },
    { tag: '00281053', vr: 'DS', value: String(SAMPLE_RESCALE.slope) },
    { tag: '00281054', vr: 'LO', value: 'HU' },
    { tag: '7FE00010', vr: 'OW', value: makePixelBytes(image) },
  ];
  return writeDicom({ transferSyntaxUid: TS_EXPLICIT_LE, elements });
}
