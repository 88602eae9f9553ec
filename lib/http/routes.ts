/**
 * The one route table. The CDK stack (infra/) and the local server (local/) both read it,
 * so the deployed API and the laptop API cannot drift apart.
 */
import type { ErrorCode } from '../errors.js';
import { KEY_PATTERNS as K } from '../storage/object-keys.js';

export type FunctionName = 'upload' | 'header' | 'export' | 'processor';
/** The functions behind HTTP routes; the processor is driven by the upload queue instead. */
export type HttpFunctionName = Exclude<FunctionName, 'processor'>;
export const HTTP_FUNCTIONS: readonly HttpFunctionName[] = ['upload', 'header', 'export'];

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** API Gateway HTTP API route path, with {param} placeholders. */
  path: string;
  function: HttpFunctionName;
  /**
   * Domain error codes this route can answer with, besides COMMON_ERRORS. openapi.yaml must
   * document each of them under its status (test/openapi.test.ts checks it).
   */
  errors: readonly ErrorCode[];
  /**
   * Whether the route needs no bearer token: only the contract and its documentation page.
   * Every other route is behind the JWT authorizer (CDK) and the local server's verifier.
   */
  public?: true;
}

/** Errors any route can answer with: S3 failing after retries, and unexpected faults. */
export const COMMON_ERRORS: readonly ErrorCode[] = ['StorageUnavailable', 'StorageTimeout', 'InternalError'];

/** Errors of every route that is not public: no valid bearer token (401, with WWW-Authenticate: Bearer). */
export const AUTH_ERRORS: readonly ErrorCode[] = ['Unauthorized'];

/** Every error code a route can answer with: its own, the common ones and, unless public, AUTH_ERRORS. */
export const routeErrors = (route: Route): readonly ErrorCode[] => [...route.errors, ...COMMON_ERRORS, ...(route.public ? [] : AUTH_ERRORS)];

/** Errors of every route that reads and parses a stored file. */
const PARSE_ERRORS: readonly ErrorCode[] = [
  'InvalidFileId',
  'FileNotFound',
  'NotDicom',
  'MalformedDicom',
  // Not an instance: no data set (lib/dicom/parse.ts), or the processor's verdict on a file
  // without SOP Instance UID, answered for the quarantined file (lib/files/file-state.ts).
  'NoDataSet',
  'NoSopInstanceUid',
  // A Deflated Explicit VR Little Endian data set inflating past MAX_DECODED_BYTES (lib/dicom/parse.ts).
  'ImageTooLarge',
  // A file the processor rejected as not what its upload URL allowed (lib/processing/process-upload.ts).
  'UploadMismatch',
];

/** The header routes read the file by ranges, up to a limit (lib/header/). */
const HEADER_ERRORS: readonly ErrorCode[] = [...PARSE_ERRORS, 'HeaderTooLarge'];

export const ROUTES: readonly Route[] = [
  { method: 'POST', path: '/files', function: 'upload', errors: ['InvalidRequest', 'PayloadTooLarge'] },
  { method: 'GET', path: '/files/{id}', function: 'upload', errors: ['InvalidFileId', 'FileNotFound'] },
  // 204, idempotent; another tenant's id is the same 404 as an unknown one (lib/upload/delete-file.ts).
  { method: 'DELETE', path: '/files/{id}', function: 'upload', errors: ['InvalidFileId', 'FileNotFound'] },
  { method: 'GET', path: '/openapi', function: 'upload', errors: [], public: true },
  { method: 'GET', path: '/docs', function: 'upload', errors: [], public: true },
  // The Swagger UI files of the /docs page, from an allow-list (lib/http/docs-assets.ts).
  { method: 'GET', path: '/docs/{asset}', function: 'upload', errors: ['NotFound'], public: true },
  { method: 'GET', path: '/files/{id}/tags', function: 'header', errors: ['InvalidTag', ...HEADER_ERRORS] },
  {
    method: 'GET',
    path: '/files/{id}/tags/{tag}',
    function: 'header',
    errors: ['InvalidTag', 'TagNotFound', ...HEADER_ERRORS],
  },
  {
    method: 'GET',
    path: '/files/{id}/bulk/{path}',
    function: 'header',
    // InvalidParameter: a bad Range header; ImageTooLarge: a value over 4 MiB asked for without a Range.
    errors: ['InvalidTag', 'TagNotFound', 'InvalidParameter', ...HEADER_ERRORS],
  },
  {
    method: 'GET',
    path: '/files/{id}/png',
    function: 'export',
    errors: [
      'InvalidParameter',
      'FrameNotFound',
      'VoiNotFound',
      ...PARSE_ERRORS,
      'NoPixelData',
      'UnsupportedTransferSyntax',
      'UnsupportedPixelFormat',
      'UnsupportedPhotometricInterpretation',
      // A frame the file's pixel data holds only part of (lib/pixels).
      'TruncatedPixelData',
    ],
  },
] as const;

/** Entry file (under functions/) of each Lambda. */
export const FUNCTION_ENTRIES: Record<FunctionName, string> = {
  upload: 'functions/upload.ts',
  header: 'functions/header.ts',
  export: 'functions/export.ts',
  processor: 'functions/processor.ts',
};

/**
 * Which S3 access each function needs (least privilege, used by the CDK grants), as object key
 * patterns: read = s3:GetObject (GET and HEAD), write = s3:PutObject (PUT, and the target of a
 * copy), tag = s3:PutObjectTagging (also needed to PUT with tags), delete = s3:DeleteObject.
 */
export interface S3Access {
  read: string[];
  write: string[];
  tag?: string[];
  delete?: string[];
  /**
   * s3:ListBucket, as s3:prefix patterns (`*` any characters): granted only with that condition
   * (infra), so a function can list what it removes and never enumerate the bucket.
   */
  list?: string[];
}

export const FUNCTION_S3_ACCESS: Record<FunctionName, S3Access> = {
  // The request record is written tagged upload-state=awaiting (lifecycle of unused URLs).
  // DELETE /files/{id}: heads the quarantine copy, writes the tombstone (uploads/), deletes every
  // object of the file and lists its renders and the references to its content.
  upload: {
    read: [K.uploadsAll, K.quarantine],
    write: [K.uploadsAll],
    tag: [K.requests],
    delete: [K.uploadsAll, K.renders, K.quarantine],
    list: [K.renders, K.hashRefs],
  },
  header: { read: [K.uploadsAll], write: [] },
  // The uploads pattern covers the summary (content hash, or the reason a file was rejected).
  export: { read: [K.uploadsAll, K.renders], write: [K.renders] },
  // Reads the upload, its summary and existing renders; writes the summary, renders and the
  // quarantine copy; re-tags the request record; deletes a rejected upload and, when a delete of
  // the file raced it, what it wrote (listing the file's renders and its content's references).
  processor: {
    read: [K.uploadsAll, K.renders],
    write: [K.summaries, K.renders, K.quarantine],
    tag: [K.requests],
    delete: [K.uploadsAll, K.renders, K.quarantine],
    list: [K.renders, K.hashRefs],
  },
};

/** Matches a concrete path against a route path; returns the path parameters or undefined. */
export function matchRoute(routePath: string, actual: string): Record<string, string> | undefined {
  const want = routePath.split('/');
  const got = actual.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i];
    if (w.startsWith('{') && w.endsWith('}')) {
      if (!got[i]) return undefined;
      try {
        params[w.slice(1, -1)] = decodeURIComponent(got[i]);
      } catch {
        return undefined;
      }
    } else if (w !== got[i]) return undefined;
  }
  return params;
}
