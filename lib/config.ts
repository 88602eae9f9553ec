/** Runtime configuration, read once per container from the environment (see README). */
export interface Config {
  bucketName: string;
  region: string;
  /** Set for LocalStack / the embedded local S3: path-style addressing at this endpoint. */
  s3Endpoint?: string;
  maxUploadBytes: number;
  uploadUrlTtlSeconds: number;
  renderUrlTtlSeconds: number;
  maxDecodedBytes: number;
  /** How long a warm container keeps what it read of ready files (lib/cache); 0 turns that off. */
  memoTtlSeconds: number;
}

function intFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`Environment variable ${name} must be an integer in [${min}, ${max}]`);
  }
  return n;
}

export const MAX_UPLOAD_BYTES_DEFAULT = 10 * 1024 * 1024;

export function loadConfig(): Config {
  return {
    bucketName: process.env.BUCKET_NAME ?? 'dicom-local',
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    s3Endpoint: process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL || undefined,
    maxUploadBytes: intFromEnv('MAX_UPLOAD_BYTES', MAX_UPLOAD_BYTES_DEFAULT, 1, 5 * 1024 ** 3),
    uploadUrlTtlSeconds: intFromEnv('UPLOAD_URL_TTL_SECONDS', 900, 1, 7 * 24 * 3600),
    renderUrlTtlSeconds: intFromEnv('RENDER_URL_TTL_SECONDS', 300, 1, 7 * 24 * 3600),
    maxDecodedBytes: intFromEnv('MAX_DECODED_BYTES', 256 * 1024 * 1024, 1024, 2 * 1024 ** 3),
    memoTtlSeconds: intFromEnv('MEMO_TTL_SECONDS', 60, 0, 3600),
  };
}

let cached: Config | undefined;
/** The container's configuration (read on first use). */
export const config = (): Config => (cached ??= loadConfig());
/** Tests that change the environment call this to re-read it. */
export const resetConfig = (): void => {
  cached = undefined;
};
