/**
 * The request record POST /files writes beside an upload: the declared size, the content type
 * the upload URL signs and the (informational) filename, so GET /files/{id} can tell "URL
 * issued, nothing uploaded yet" from "never issued", and the processor can check that the stored
 * object is what the URL allowed (lib/processing/process-upload.ts). Written and read only
 * through this module.
 */
export interface RequestRecord {
  declaredSize?: number;
  /** The Content-Type the upload URL signed (UPLOAD_CONTENT_TYPE for records written before it was recorded). */
  contentType: string;
  filename?: string;
}

/** The one content type an upload URL signs (lib/upload/upload-service.ts signs it). */
export const UPLOAD_CONTENT_TYPE = 'application/dicom';

export function serializeRequestRecord(record: { id: string; declaredSize: number; filename?: string; createdAt: string }): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ ...record, contentType: UPLOAD_CONTENT_TYPE }));
}

export function parseRequestRecord(bytes: Uint8Array | undefined): RequestRecord | undefined {
  if (!bytes) return undefined;
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    return {
      declaredSize: typeof v.declaredSize === 'number' ? v.declaredSize : undefined,
      contentType: typeof v.contentType === 'string' ? v.contentType : UPLOAD_CONTENT_TYPE,
      filename: typeof v.filename === 'string' ? v.filename : undefined,
    };
  } catch {
    // Present but unreadable: the URL was still issued.
    return { contentType: UPLOAD_CONTENT_TYPE };
  }
}
