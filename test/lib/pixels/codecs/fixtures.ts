/** Test fixtures: a PackBits RLE encoder (PS3.5 Annex G) and encapsulated Pixel Data writers (PS3.5 A.4). */
import { parseDicom, type ParsedDicom } from '../../../../lib/dicom/parse.js';
import type { FrameInfo } from '../../../../lib/pixels/codecs/frame-types.js';
import { writeDicom, type WriterElement } from '../../../support/dicom-writer.js';

/** PackBits (G.3.1): replicate runs of 3+ equal bytes, literal runs otherwise, at most 128 per run. */
export function packBits(src: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < src.length) {
    let run = 1;
    while (i + run < src.length && src[i + run] === src[i] && run < 128) run++;
    if (run >= 3) {
      out.push(257 - run, src[i]);
      i += run;
      continue;
    }
    const start = i;
    while (i < src.length && i - start < 128) {
      if (i + 2 < src.length && src[i] === src[i + 1] && src[i] === src[i + 2]) break;
      i++;
    }
    out.push(i - start - 1, ...src.subarray(start, i));
  }
  if (out.length % 2) out.push(0x80); // even segment length; 128 is a no-op
  return new Uint8Array(out);
}

/** One RLE frame of `values` (sample-interleaved) with `bytesPerSample` byte planes per sample. */
export function encodeRleFrame(values: ArrayLike<number>, samples: number, bytesPerSample: number): Uint8Array {
  const pixels = values.length / samples;
  const segments: Uint8Array[] = [];
  for (let s = 0; s < samples; s++) {
    for (let b = bytesPerSample - 1; b >= 0; b--) {
      const plane = new Uint8Array(pixels);
      for (let p = 0; p < pixels; p++) plane[p] = (values[p * samples + s] >>> (8 * b)) & 0xff;
      segments.push(packBits(plane));
    }
  }
  const header = new Uint8Array(64);
  const view = new DataView(header.buffer);
  view.setUint32(0, segments.length, true);
  let offset = 64;
  segments.forEach((seg, k) => {
    view.setUint32(4 + 4 * k, offset, true);
    offset += seg.length;
  });
  const out = new Uint8Array(offset);
  out.set(header);
  let at = 64;
  for (const seg of segments) {
    out.set(seg, at);
    at += seg.length;
  }
  return out;
}

export const frameInfo = (o: Partial<FrameInfo>): FrameInfo => ({
  rows: 2,
  columns: 3,
  samplesPerPixel: 1,
  bitsAllocated: 8,
  bitsStored: o.bitsAllocated ?? 8,
  pixelRepresentation: 0,
  photometric: o.samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2',
  planarConfiguration: 0,
  transferSyntaxUid: '1.2.840.10008.1.2.5',
  ...o,
});

const u32 = (v: number) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
const item = (value: Uint8Array) => [0xfe, 0xff, 0x00, 0xe0, ...u32(value.length), ...value];

/** Encapsulated Pixel Data element bytes (Explicit VR LE): BOT item, fragments, sequence delimiter. */
export function encapsulatedPixelData(fragments: Uint8Array[], bot: number[] = []): Uint8Array {
  const botBytes = new Uint8Array(bot.flatMap(u32));
  const bytes = [0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0, 0, 0xff, 0xff, 0xff, 0xff, ...item(botBytes)];
  for (const f of fragments) bytes.push(...item(f));
  bytes.push(0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0);
  return new Uint8Array(bytes);
}

/** Item offsets of fragments, as the Basic / Extended Offset Table count them. */
export function fragmentOffsets(fragments: Uint8Array[]): number[] {
  const offsets: number[] = [];
  let at = 0;
  for (const f of fragments) {
    offsets.push(at);
    at += 8 + f.length;
  }
  return offsets;
}

export function u64s(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setBigUint64(i * 8, BigInt(v), true));
  return out;
}

/** A parsed Part 10 file whose Pixel Data is the given fragments (and optional BOT / EOT elements). */
export function parsedWithFragments(
  fragments: Uint8Array[],
  o: { bot?: number[]; eot?: { offsets: number[]; lengths: number[] }; frames?: number; ts?: string } = {},
): ParsedDicom {
  const extra: WriterElement[] = [];
  const head = writeDicom({
    transferSyntaxUid: o.ts ?? '1.2.840.10008.1.2.5',
    elements: [
      { tag: '00280008', vr: 'IS', value: String(o.frames ?? 1) },
      { tag: '00280010', vr: 'US', value: 2 },
      { tag: '00280011', vr: 'US', value: 3 },
      ...extra,
    ],
  });
  const pixel = encapsulatedPixelData(fragments, o.bot);
  const all = new Uint8Array(head.length + pixel.length);
  all.set(head);
  all.set(pixel, head.length);
  const parsed = parseDicom(all);
  if (!o.eot) return parsed;
  // dicom-parser 1.8.21 reads Explicit VR OV with a 2-byte length (it does not list OV/SV/UV
  // among the 4-byte-length VRs), so a real (7FE0,0001) misparses. Simulate a correct parse:
  // append the OV values after the data set and point the elements at them.
  const offsets = u64s(o.eot.offsets);
  const lengths = u64s(o.eot.lengths);
  const byteArray = new Uint8Array(all.length + offsets.length + lengths.length);
  byteArray.set(all);
  byteArray.set(offsets, all.length);
  byteArray.set(lengths, all.length + offsets.length);
  const elements = { ...parsed.dataSet.elements };
  elements.x7fe00001 = { tag: 'x7fe00001', vr: 'OV', dataOffset: all.length, length: offsets.length };
  elements.x7fe00002 = { tag: 'x7fe00002', vr: 'OV', dataOffset: all.length + offsets.length, length: lengths.length };
  const dataSet = Object.assign(Object.create(Object.getPrototypeOf(parsed.dataSet)), parsed.dataSet, { elements, byteArray });
  return { ...parsed, dataSet, byteArray };
}
