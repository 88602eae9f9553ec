/**
 * Domain errors. Services throw these; the shared middleware turns them into
 * `{"error":{"code","message"}}` with the status from ERROR_STATUS — the one
 * table that maps domain errors to HTTP.
 */
export const ERROR_STATUS = {
  InvalidRequest: 400,
  InvalidParameter: 400,
  InvalidTag: 400,
  InvalidFileId: 400,
  Unauthorized: 401,
  NotFound: 404,
  FileNotFound: 404,
  TagNotFound: 404,
  FrameNotFound: 404,
  VoiNotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  PayloadTooLarge: 413,
  UnsupportedMediaType: 415,
  NotDicom: 422,
  MalformedDicom: 422,
  NoPixelData: 422,
  UnsupportedTransferSyntax: 422,
  UnsupportedPixelFormat: 422,
  UnsupportedPhotometricInterpretation: 422,
  ImageTooLarge: 422,
  HeaderTooLarge: 422,
  /** The stored upload is not what its URL allowed (size, type, or bytes replaced): only emulators without signature checks let it through. */
  UploadMismatch: 422,
  /** A frame the file's pixel data holds only part of (the file is cut short there). */
  TruncatedPixelData: 422,
  /** Not an instance: a stream with no data set (lib/dicom/parse.ts), none with SOP Instance UID (0008,0018) (the processor's verdict). */
  NoDataSet: 422,
  NoSopInstanceUid: 422,
  StorageUnavailable: 503,
  StorageTimeout: 504,
  InternalError: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra fields safe to show a client (offsets, tags, UIDs — never patient data). */
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.details = details;
  }
}

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;

/** dicom-parser throws strings and plain objects; turn whatever was thrown into a short text. */
export function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message;
  if (typeof thrown === 'string') return thrown;
  if (thrown && typeof thrown === 'object') {
    const o = thrown as { exception?: unknown; message?: unknown };
    if (typeof o.exception === 'string') return o.exception;
    if (typeof o.message === 'string') return o.message;
  }
  return String(thrown);
}
