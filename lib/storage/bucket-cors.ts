/**
 * The bucket's CORS rule, less its origins: what a browser needs to PUT a file to its presigned
 * upload URL and GET a rendered PNG. One copy for the stack (infra/dicom-service-stack.ts, with
 * the configured origins) and the local provisioning of an emulator (local/provision.ts).
 */
export const BUCKET_CORS_RULE = {
  // The browser PUTs the file to the presigned URL and may GET the rendered PNG.
  allowedMethods: ['PUT', 'GET', 'HEAD'],
  // if-none-match: the upload URL signs it (write-once uploads), so the browser must send it.
  allowedHeaders: ['authorization', 'content-type', 'content-length', 'if-none-match'],
  exposedHeaders: ['etag'],
  maxAgeSeconds: 3600,
} as const;
