/**
 * Damaged and not-an-instance DICOM files (issue 14), one per class, each named by what it
 * exercises. Every damaged one has identifying elements before the damage (which a damaged
 * file keeps) and an element after it (which it loses), and says where the damage starts.
 *
 * - Pixel Data cut short (native, three frames: the third is partly there);
 * - a sequence of defined / undefined length that runs past the end of the file;
 * - an Item (FFFE,E000) between two top-level elements;
 * - a multi-frame encapsulated (RLE) file cut inside its last frame's fragment;
 * - preamble and "DICM" only (132 bytes), and a data set without SOP Instance UID (0008,0018).
 */
import { TS_RLE, type WriterElement, makeImageDicom, rleFrame8, writeDicom } from './dicom-writer.js';

export interface DamagedFixture {
  bytes: Uint8Array;
  /** File offset of the damaged structure's tag (the Damage offset). */
  damageAt: number;
  /** Elements ('GGGGEEEE') read before the damage. */
  before: string[];
  /** Elements the file holds after the damage (lost). */
  after: string[];
}

const SOP_INSTANCE_UID = '1.2.826.0.1.3680043.10.1466.14.1';

/** Identifying elements a damaged file keeps (PatientName is a value the tests never print). */
const IDENTITY: WriterElement[] = [
  { tag: '00080016', vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' },
  { tag: '00080018', vr: 'UI', value: SOP_INSTANCE_UID },
  { tag: '00080060', vr: 'CS', value: 'OT' },
  { tag: '00100010', vr: 'PN', value: 'Damaged^Fixture' },
  { tag: '00100020', vr: 'LO', value: 'DAMAGED-14' },
];

/** Offset of the first occurrence of `tag` (little endian group, element) followed by `vr`. */
export function offsetOf(bytes: Uint8Array, tag: string, vr?: string): number {
  const g = parseInt(tag.slice(0, 4), 16);
  const e = parseInt(tag.slice(4), 16);
  const sig = [g & 0xff, g >> 8, e & 0xff, e >> 8, ...(vr ? [vr.charCodeAt(0), vr.charCodeAt(1)] : [])];
  for (let i = 132; i + sig.length <= bytes.length; i++) if (sig.every((b, k) => bytes[i + k] === b)) return i;
  throw new Error(`fixture: ${tag} not found`);
}

/** 3 frames of 4 x 4 x 16 bits (32 bytes each); the file ends 12 bytes into frame 3. */
export function truncatedPixelDataFile(): DamagedFixture & { frameBytes: number; presentOfLast: number } {
  const whole = makeImageDicom({
    rows: 4,
    columns: 4,
    bitsAllocated: 16,
    frames: 3,
    pixel: (f, r, c) => f * 100 + r * 4 + c,
    extra: IDENTITY,
  });
  const bytes = whole.slice(0, whole.length - 20);
  return { bytes, damageAt: offsetOf(bytes, '7FE00010', 'OW'), before: ['00080018', '00100010', '00280010', '00280008'], after: [], frameBytes: 32, presentOfLast: 12 };
}

const sequenceElements = (undefinedLength: boolean): WriterElement[] => [
  ...IDENTITY,
  {
    tag: '00400275',
    vr: 'SQ',
    undefinedLength,
    value: [
      [
        { tag: '00321060', vr: 'LO', value: 'Requested procedure' },
        { tag: '00400007', vr: 'LO', value: 'Scheduled step description, long enough to be cut' },
      ],
    ],
  },
  { tag: '00400280', vr: 'ST', value: 'after the sequence' },
];

/** A Request Attributes Sequence (0040,0275) of defined or undefined length that the file ends inside. */
export function sequencePastEndFile(undefinedLength: boolean): DamagedFixture {
  const whole = writeDicom({ elements: sequenceElements(undefinedLength) });
  const at = offsetOf(whole, '00400275', 'SQ');
  // Cut 40 bytes into the sequence's value: inside its item's second element.
  const bytes = whole.slice(0, at + 12 + 40);
  return { bytes, damageAt: at, before: ['00080016', '00080018', '00080060', '00100010', '00100020'], after: ['00400275', '00400280'] };
}

/** An Item (FFFE,E000) of 4 bytes between Patient ID (0010,0020) and Study Instance UID (0020,000D). */
export function itemOutsideSequenceFile(): DamagedFixture {
  const whole = writeDicom({
    elements: [
      ...IDENTITY,
      { tag: '0020000D', vr: 'UI', value: '1.2.826.0.1.3680043.10.1466.14.2' },
      { tag: '00200013', vr: 'IS', value: '1' },
    ],
  });
  const at = offsetOf(whole, '0020000D', 'UI');
  const item = new Uint8Array([0xfe, 0xff, 0x00, 0xe0, 4, 0, 0, 0, 1, 2, 3, 4]);
  const bytes = new Uint8Array(whole.length + item.length);
  bytes.set(whole.subarray(0, at), 0);
  bytes.set(item, at);
  bytes.set(whole.subarray(at), at + item.length);
  return { bytes, damageAt: at, before: ['00080016', '00080018', '00080060', '00100010', '00100020'], after: ['0020000D', '00200013'] };
}

/**
 * RLE Lossless (PS3.5 G), 3 frames of 8 x 8 x 8 bits, one fragment each and an empty Basic
 * Offset Table; the file ends 30 bytes into the third fragment.
 */
export function shortLastFrameEncapsulatedFile(): DamagedFixture & { lastFragmentLength: number; presentOfLast: number } {
  const frames = [0, 1, 2].map((f) => rleFrame8(Array.from({ length: 64 }, (_, i) => (f * 64 + i) & 0xff)));
  const whole = writeDicom({
    transferSyntaxUid: TS_RLE,
    elements: [
      ...IDENTITY,
      { tag: '00280002', vr: 'US', value: 1 },
      { tag: '00280004', vr: 'CS', value: 'MONOCHROME2' },
      { tag: '00280008', vr: 'IS', value: '3' },
      { tag: '00280010', vr: 'US', value: 8 },
      { tag: '00280011', vr: 'US', value: 8 },
      { tag: '00280100', vr: 'US', value: 8 },
      { tag: '00280101', vr: 'US', value: 8 },
      { tag: '00280102', vr: 'US', value: 7 },
      { tag: '00280103', vr: 'US', value: 0 },
      { tag: '7FE00010', vr: 'OB', undefinedLength: true, value: new Uint8Array(0), fragments: frames },
    ],
  });
  const pixelAt = offsetOf(whole, '7FE00010', 'OB');
  // Element header (12), empty Basic Offset Table item (8), two whole fragments, the third's item header, 30 bytes.
  const thirdValue = pixelAt + 12 + 8 + (8 + frames[0].length) + (8 + frames[1].length) + 8;
  const bytes = whole.slice(0, thirdValue + 30);
  return { bytes, damageAt: pixelAt, before: ['00080018', '00100010', '00280008'], after: [], lastFragmentLength: frames[2].length, presentOfLast: 30 };
}

/** A 128-byte preamble and "DICM" (PS3.10 7.1), and nothing else. */
export function preambleOnlyFile(): Uint8Array {
  const bytes = new Uint8Array(132);
  bytes.set([0x44, 0x49, 0x43, 0x4d], 128);
  return bytes;
}

/** A well-formed data set without SOP Instance UID (0008,0018). */
export function noSopInstanceUidFile(): Uint8Array {
  return writeDicom({ elements: IDENTITY.filter((e) => e.tag !== '00080018') });
}
