/**
 * What the header routes say about a damaged file: the damage its own read found
 * (ParsedDicom.damage: a sequence past the end, an Item outside a sequence), native Pixel Data
 * whose length runs past the object, and, for a ready file, what the processor recorded
 * (lib/files/summary.ts warnings). The answer then carries the elements read before the damage,
 * with an HTTP Warning header (PS3.18 8.4 uses `Warning: 299 <service>: <text>`; the field is
 * RFC 7234 5.5's warn-code, warn-agent "-" and a quoted warn-text).
 */
import type { ParsedDicom } from '../dicom/parse.js';
import { tagOfKey } from '../dicom/tag.js';

export interface HeaderWarning {
  code: string;
  message: string;
  /** Byte offset of the damaged structure. */
  offset?: number;
}

/** What is damaged, as a header read of `objectSize` bytes sees it. */
export function headerWarnings(parsed: ParsedDicom, objectSize: number): HeaderWarning[] {
  const out: HeaderWarning[] = (parsed.damage ?? []).map((d) => ({ code: d.code, message: d.message, offset: d.offset }));
  const pixel = parsed.pixelElement;
  if (pixel && parsed.stoppedAtPixelData && !parsed.inflated && !pixel.hadUndefinedLength && pixel.length !== 0xffffffff) {
    const end = pixel.dataOffset + pixel.length;
    if (end > objectSize && !out.some((w) => w.code === 'TruncatedPixelData')) {
      const offset = pixel.dataOffset - (parsed.dataSetEncoding?.implicit || !pixel.vr ? 8 : 12);
      const t = tagOfKey(pixel.tag);
      out.push({
        code: 'TruncatedPixelData',
        offset,
        message: `Pixel data (${t.slice(0, 4)},${t.slice(4)}) at byte ${offset} declares ${pixel.length} bytes but the file ends after ${Math.max(0, objectSize - pixel.dataOffset)} of them.`,
      });
    }
  }
  return out;
}

const RECORDED: Record<string, string> = {
  TruncatedPixelData: 'the pixel data is cut short',
  SequencePastEnd: 'a sequence runs past the end of the file',
  ItemOutsideSequence: 'an Item (FFFE,E000) stands outside any sequence',
};

/** Adds what the processor recorded (code and offset) that this read did not find itself. */
export function withRecorded(own: readonly HeaderWarning[], recorded: ReadonlyArray<{ code: string; offset: number }> | undefined): HeaderWarning[] {
  const out = [...own];
  for (const r of recorded ?? []) {
    if (out.some((w) => w.code === r.code)) continue;
    out.push({ code: r.code, offset: r.offset, message: `At byte ${r.offset} ${RECORDED[r.code] ?? 'the file is damaged'} (found when the file was processed).` });
  }
  return out;
}

/** RFC 7230 quoted-string content: backslash-escape '"' and '\', and keep to printable ASCII. */
const quoted = (text: string): string => `"${text.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, (c) => `\\${c}`)}"`;

/** The response headers for `warnings`: one Warning field value, 299 warnings joined by commas (RFC 7234 5.5). */
export function warningHeaders(warnings: readonly HeaderWarning[]): Record<string, string> {
  if (warnings.length === 0) return {};
  const values = warnings.map((w) => `299 - ${quoted(`The header is incomplete: the file is damaged (${w.code}): ${w.message} Elements read before the damage are given.`)}`);
  return { warning: values.join(', ') };
}
