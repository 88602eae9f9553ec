/**
 * Whether a parsed stream is a DICOM instance at all, for the processor's verdict: a data set
 * that identifies its instance. parse.ts already refuses a stream with no data set (NoDataSet);
 * this adds SOP Instance UID (0008,0018), Type 1 in the SOP Common Module (PS3.3 C.12.1), the one
 * attribute every composite instance is identified by. Damage (ParsedDicom.damage) is no reason:
 * a damaged file keeps the header read before the damage.
 */
import { DomainError } from '../errors.js';
import type { ParsedDicom } from './parse.js';

const SOP_INSTANCE_UID = 'x00080018';

/** The refusal for `parsed` (NoSopInstanceUid), or undefined when it is an instance. */
export function instanceProblem(parsed: ParsedDicom): DomainError | undefined {
  const element = parsed.dataSet.elements[SOP_INSTANCE_UID];
  let value: string | undefined;
  try {
    value = element ? parsed.dataSet.string(SOP_INSTANCE_UID)?.replace(/\0/g, '').trim() : undefined;
  } catch {
    value = undefined;
  }
  if (value) return undefined;
  const damaged = parsed.damage?.length ? ' (the header was read up to damage, which may have hidden it)' : '';
  return new DomainError(
    'NoSopInstanceUid',
    `The data set has ${element ? 'an empty' : 'no'} SOP Instance UID (0008,0018), Type 1 in the SOP Common Module (PS3.3 C.12.1)${damaged}: it is not a DICOM instance.`,
  );
}
