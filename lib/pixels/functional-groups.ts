/**
 * Enhanced multi-frame images (Enhanced CT / MR / XA ..., PS3.3 C.7.6.16 Multi-frame Functional
 * Groups): the Shared (5200,9229) and Per-Frame (5200,9230) Functional Groups Sequences carry
 * the Modality LUT and VOI of each frame instead of the top-level attributes.
 *
 * - Pixel Value Transformation Sequence (0028,9145), PS3.3 C.7.6.16.2.9: Rescale Intercept,
 *   Rescale Slope (and, in later editions, a Modality LUT Sequence).
 * - Frame VOI LUT Sequence (0028,9132), PS3.3 C.7.6.16.2.10 (and C.7.6.16.2.10b "with LUT"):
 *   Window Center/Width/Explanation, VOI LUT Function, VOI LUT Sequence.
 *
 * A macro in the frame's Per-Frame item takes precedence over the same macro in the Shared
 * item (PS3.3 C.7.6.16.1: a macro is in one or the other); either overrides the top level.
 */
import type { DataSet } from '../dicom/data-set.js';
import type { ParsedDicom } from '../dicom/parse.js';
import { decimal, readVoiLutFunction, readVoiLuts, readWindows, type ImageInfo } from './image-info.js';
import { isBigEndian } from '../dicom/transfer-syntax.js';

const SHARED = 'x52009229';
const PER_FRAME = 'x52009230';
const PIXEL_VALUE_TRANSFORMATION = 'x00289145';
const FRAME_VOI_LUT = 'x00289132';

function macro(group: DataSet | undefined, tag: string): DataSet | undefined {
  return group?.elements[tag]?.items?.[0]?.dataSet;
}

/** Whether the object has functional groups at all (an enhanced multi-frame IOD). */
export const hasFunctionalGroups = (parsed: ParsedDicom): boolean =>
  parsed.dataSet.elements[SHARED] !== undefined || parsed.dataSet.elements[PER_FRAME] !== undefined;

/**
 * The image attributes that apply to frame `frameIndex` (0-based): `info` with rescale,
 * windows, VOI LUT Function and VOI LUTs replaced by the frame's functional groups when
 * they define them. Objects without functional groups get `info` back unchanged.
 */
export function frameImageInfo(parsed: ParsedDicom, info: ImageInfo, frameIndex: number): ImageInfo {
  if (!hasFunctionalGroups(parsed)) return info;
  const ds = parsed.dataSet;
  const shared = ds.elements[SHARED]?.items?.[0]?.dataSet;
  const perFrame = ds.elements[PER_FRAME]?.items?.[frameIndex]?.dataSet;
  const pick = (tag: string) => macro(perFrame, tag) ?? macro(shared, tag);
  const littleEndian = !isBigEndian(parsed.transferSyntaxUid);
  let out = info;

  const pvt = pick(PIXEL_VALUE_TRANSFORMATION);
  if (pvt) {
    const slope = decimal(pvt, 'x00281053');
    const intercept = decimal(pvt, 'x00281052');
    if (slope !== undefined || intercept !== undefined) {
      // PS3.3 C.11.1.1.2 as at the top level: a zero or absent slope is the identity.
      out = { ...out, rescaleSlope: slope === undefined || slope === 0 ? 1 : slope, rescaleIntercept: intercept ?? 0, modalityLut: undefined };
    }
  }

  const voi = pick(FRAME_VOI_LUT);
  if (voi) {
    const windows = readWindows(voi);
    const voiLuts = readVoiLuts(voi, littleEndian, info.pixelRepresentation);
    if (windows.length > 0 || voiLuts.length > 0) {
      out = { ...out, windows, voiLuts, voiLutFunction: readVoiLutFunction(voi) };
    }
  }
  return out;
}
