import { elementToJson } from '../dicom/json-model.js';
import type { ParsedDicom } from '../dicom/parse.js';
import type { TagPathStep } from '../dicom/tag.js';

/**
 * The Private Creator of a private data element (gggg,xxyy): the value of (gggg,00xx) in the
 * data set the element lives in (PS3.5 7.8.1). Undefined for public elements, for the creator
 * elements themselves, and when the creator is missing.
 */
export function privateCreator(parsed: ParsedDicom, steps: readonly TagPathStep[]): string | undefined {
  const last = steps[steps.length - 1].tag;
  const group = parseInt(last.slice(0, 4), 16);
  const element = parseInt(last.slice(4, 8), 16);
  if (group % 2 === 0 || group <= 0x0008 || element < 0x1000) return undefined;
  const creatorTag = `${last.slice(0, 4)}00${last.slice(4, 6)}`;
  const creator = elementToJson(parsed, [...steps.slice(0, -1), { tag: creatorTag }]);
  const value = creator?.Value?.[0];
  return typeof value === 'string' ? value : undefined;
}
