/**
 * Runtime configuration: the only module that reads the environment (see README). It is read
 * and validated once per container (config()), then passed to the services that need it; the
 * defaults below are the only copy of them (infra/ and the parsers import them from here).
 */
export interface Config {
  bucketName: string;
  region: string;
  /** Set for LocalStack / the embedded local S3: path-style addressing at this endpoint. */
  s3Endpoint?: string;
  maxUploadBytes: number;
  uploadUrlTtlSeconds: number;
  renderUrlTtlSeconds: number;
  /**
   * Bound on one decoded frame's working buffer (lib/pixels/image-info.ts) and on what a
   * Deflated Explicit VR Little Endian data set may inflate to (lib/dicom/parse.ts).
   */
  maxDecodedBytes: number;
  /** How long a warm container keeps what it read of ready files (lib/cache); 0 turns that off. */
  memoTtlSeconds: number;
}

/** The limits infra/ passes to the functions as environment variables. */
export type ServiceLimits = Pick<Config, 'maxUploadBytes' | 'uploadUrlTtlSeconds' | 'renderUrlTtlSeconds' | 'maxDecodedBytes'>;

export const MAX_UPLOAD_BYTES_DEFAULT = 10 * 1024 * 1024;
export const DEFAULT_MAX_DECODED_BYTES = 256 * 1024 * 1024;

/** Every default of the service, in one place. */
export const DEFAULT_LIMITS: Readonly<ServiceLimits> = {
  maxUploadBytes: MAX_UPLOAD_BYTES_DEFAULT,
  uploadUrlTtlSeconds: 900,
  renderUrlTtlSeconds: 300,
  maxDecodedBytes: DEFAULT_MAX_DECODED_BYTES,
};
export const DEFAULT_BUCKET_NAME = 'dicom-local';
export const DEFAULT_MEMO_TTL_SECONDS = 60;

export const LOG_LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LOG_LEVELS;
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';

function intFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`Environment variable ${name} must be an integer in [${min}, ${max}]`);
  }
  return n;
}

export function loadConfig(): Config {
  return {
    bucketName: process.env.BUCKET_NAME ?? DEFAULT_BUCKET_NAME,
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    s3Endpoint: process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL || undefined,
    maxUploadBytes: intFromEnv('MAX_UPLOAD_BYTES', DEFAULT_LIMITS.maxUploadBytes, 1, 5 * 1024 ** 3),
    uploadUrlTtlSeconds: intFromEnv('UPLOAD_URL_TTL_SECONDS', DEFAULT_LIMITS.uploadUrlTtlSeconds, 1, 7 * 24 * 3600),
    renderUrlTtlSeconds: intFromEnv('RENDER_URL_TTL_SECONDS', DEFAULT_LIMITS.renderUrlTtlSeconds, 1, 7 * 24 * 3600),
    maxDecodedBytes: intFromEnv('MAX_DECODED_BYTES', DEFAULT_LIMITS.maxDecodedBytes, 1024, 2 * 1024 ** 3),
    memoTtlSeconds: intFromEnv('MEMO_TTL_SECONDS', DEFAULT_MEMO_TTL_SECONDS, 0, 3600),
  };
}

let cached: Config | undefined;
/** The container's configuration (read on first use). */
export const config = (): Config => (cached ??= loadConfig());
/** Tests that change the environment call this to re-read it. */
export const resetConfig = (): void => {
  cached = undefined;
};

/**
 * LOG_LEVEL, read at each log line rather than with config(): logging must work before (and
 * when) the rest of the configuration fails validation, and an unknown value falls back to
 * `info` instead of failing the container.
 */
export function logLevel(): LogLevel {
  const raw = process.env.LOG_LEVEL;
  return raw !== undefined && Object.hasOwn(LOG_LEVELS, raw) ? (raw as LogLevel) : DEFAULT_LOG_LEVEL;
}
