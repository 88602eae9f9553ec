/**
 * The request record POST /files writes beside an upload: the declared size and the
 * (informational) filename, so GET /files/{id} can tell "URL issued, nothing uploaded yet"
 * from "never issued". Written and read only through this module.
 */
export interface RequestRecord {
  declaredSize?: number;
  filename?: string;
}

export function serializeRequestRecord(record: { id: string; declaredSize: number; filename?: string; createdAt: string }): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(record));
}

export function parseRequestRecord(bytes: Uint8Array | undefined): RequestRecord | undefined {
  if (!bytes) return undefined;
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    return {
      declaredSize: typeof v.declaredSize === 'number' ? v.declaredSize : undefined,
      filename: typeof v.filename === 'string' ? v.filename : undefined,
    };
  } catch {
    // Present but unreadable: the URL was still issued.
    return {};
  }
}
