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
  auth: AuthConfig;
}

/** The longest a presigned URL (upload or render) may live: 15 minutes. */
export const MAX_PRESIGNED_URL_TTL_SECONDS = 900;

/**
 * Who may call the API. `jwt` (the default): every route but the public ones needs a bearer
 * token of `issuer`; API Gateway's JWT authorizer verifies it in AWS, the local server does the
 * same itself (local/). `off` (AUTH=off, for a demo only): no token, one anonymous tenant.
 */
export interface AuthConfig {
  mode: 'jwt' | 'off';
  /** AUTH_ISSUER: the one trusted issuer (the local server sets its own when none is given). */
  issuer?: string;
  /** AUTH_AUDIENCE, comma-separated: accepted `aud` (or Cognito `client_id`) values. */
  audiences: string[];
  /** AUTH_JWKS_URL: where the issuer's keys are, when not `<issuer>/.well-known/jwks.json`. */
  jwksUrl?: string;
  /** TENANT_CLAIM: the claim naming a caller's tenant (default `sub`). */
  tenantClaim: string;
}

export const DEFAULT_TENANT_CLAIM = 'sub';

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

function urlFromEnv(name: string): string | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`Environment variable ${name} must be an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`Environment variable ${name} must be an http(s) URL`);
  return raw;
}

function loadAuth(): AuthConfig {
  const mode = process.env.AUTH ?? '';
  if (mode !== '' && mode !== 'on' && mode !== 'off') throw new Error('Environment variable AUTH must be "on" or "off"');
  const audiences = (process.env.AUTH_AUDIENCE ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  const tenantClaim = process.env.TENANT_CLAIM || DEFAULT_TENANT_CLAIM;
  if (tenantClaim.length > 128) throw new Error('Environment variable TENANT_CLAIM must name a claim (at most 128 characters)');
  return {
    mode: mode === 'off' ? 'off' : 'jwt',
    issuer: urlFromEnv('AUTH_ISSUER'),
    audiences,
    jwksUrl: urlFromEnv('AUTH_JWKS_URL'),
    tenantClaim,
  };
}

export function loadConfig(): Config {
  return {
    bucketName: process.env.BUCKET_NAME ?? DEFAULT_BUCKET_NAME,
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    s3Endpoint: process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL || undefined,
    maxUploadBytes: intFromEnv('MAX_UPLOAD_BYTES', DEFAULT_LIMITS.maxUploadBytes, 1, 5 * 1024 ** 3),
    uploadUrlTtlSeconds: intFromEnv('UPLOAD_URL_TTL_SECONDS', DEFAULT_LIMITS.uploadUrlTtlSeconds, 1, MAX_PRESIGNED_URL_TTL_SECONDS),
    renderUrlTtlSeconds: intFromEnv('RENDER_URL_TTL_SECONDS', DEFAULT_LIMITS.renderUrlTtlSeconds, 1, MAX_PRESIGNED_URL_TTL_SECONDS),
    maxDecodedBytes: intFromEnv('MAX_DECODED_BYTES', DEFAULT_LIMITS.maxDecodedBytes, 1024, 2 * 1024 ** 3),
    memoTtlSeconds: intFromEnv('MEMO_TTL_SECONDS', DEFAULT_MEMO_TTL_SECONDS, 0, 3600),
    auth: loadAuth(),
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

// --- Observability (issue 12): read per call like LOG_LEVEL, so logging and metrics work before config() is valid.
/**
 * METRICS: `on` prints the service's CloudWatch metrics as embedded-metric-format lines on
 * stdout (lib/observability/metrics.ts), `off` does not. Unset: on, except with LOG_LEVEL=silent,
 * which means no output at all (the tests, the benchmarks' child processes).
 */
export function metricsEnabled(): boolean {
  const raw = process.env.METRICS;
  if (raw === 'on' || raw === 'off') return raw === 'on';
  return logLevel() !== 'silent';
}

/**
 * Whether X-Ray tracing can apply: in Lambda (AWS_EXECUTION_ENV), not under `sam local`, and not
 * turned off with POWERTOOLS_TRACE_ENABLED=false; the rule Powertools' Tracer applies itself,
 * asked first so that outside Lambda the X-Ray SDK (and its async hooks) is never loaded.
 */
export function tracingEnabled(): boolean {
  if (!process.env.AWS_EXECUTION_ENV || process.env.AWS_SAM_LOCAL) return false;
  return process.env.POWERTOOLS_TRACE_ENABLED?.toLowerCase() !== 'false';
}
