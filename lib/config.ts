/**
 * Runtime configuration: the only module that reads the environment (see README). One zod
 * schema, `SETTINGS`, holds every setting with its default, bounds and a one-line description
 * (the README's configuration table is generated from it and checked: tools/config-table.ts). It
 * is read and validated once per container (initConfig at cold start, then config()), then
 * passed to the services that need it; the defaults here are the only copy of them (infra/ and
 * the parsers import them from here). Secrets come from SSM Parameter Store by name
 * (SECRET_PARAMETER_NAMES, lib/config-secrets.ts), never from the environment or the template.
 *
 * A new setting is one entry of `SETTINGS` (and its field in `Config` where a service needs it).
 */
import { z } from 'zod';
import type { ParameterReader } from './config-secrets.js';

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
  features: FeatureFlags;
  /** The local server's own settings (local/); Lambda ignores them. */
  local: LocalConfig;
  /** AWS emulators and local provisioning (issue 13): the local server only. */
  localAws: LocalAwsConfig;
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

/**
 * The codecs of lib/pixels/codecs (decoder ids of lib/dicom/transfer-syntax.ts), named here so
 * the foundation layer imports nothing above it; lib/pixels/decoders.ts checks they match.
 */
export const CODEC_NAMES = ['rle', 'jpeg', 'jpegLs', 'jpeg2000', 'htj2k'] as const;
export type CodecName = (typeof CODEC_NAMES)[number];

/** Features a deployment may turn off. */
export interface FeatureFlags {
  /** CODECS: the codecs that may decode pixel data; a syntax whose codec is off gets 422. */
  codecs: readonly CodecName[];
  /** BIT_DEPTH_16: `bitDepth=16` (and `window=none`) of GET /files/{id}/png. */
  bitDepth16: boolean;
  /** THUMBNAILS: `size=` of GET /files/{id}/png, and the processor's thumbnail. */
  thumbnails: boolean;
  /** PRE_RENDER: the processor renders the default PNG (and thumbnail) ahead of the first GET. */
  preRender: boolean;
}

export interface LocalConfig {
  port: number;
  s3Port: number;
  dataDir: string;
  /** Unset: loopback (127.0.0.1). */
  host?: string;
}

/**
 * Where the local server finds SQS, which queue it consumes and whether it creates what is
 * missing. The S3 endpoint is `s3Endpoint` (AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL).
 */
export interface LocalAwsConfig {
  /** AWS_ENDPOINT_URL_SQS, else AWS_ENDPOINT_URL; unset: the SDK's own (AWS) endpoint. */
  sqsEndpoint?: string;
  /** UPLOAD_QUEUE_URL: the queue of the bucket's ObjectCreated events to consume; unset: none (or the one LOCAL_PROVISION makes). */
  uploadQueueUrl?: string;
  /** LOCAL_PROVISION=1: at start, create the bucket, the queues and the notification where missing (default off). */
  provision: boolean;
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
/** Every codec on, and every feature. */
export const DEFAULT_FEATURES: Readonly<FeatureFlags> = { codecs: CODEC_NAMES, bitDepth16: true, thumbnails: true, preRender: true };

export const LOG_LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LOG_LEVELS;
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';

/**
 * What the README shows of a setting besides its description: `shown` when its default is not
 * a plain value (derived from another setting, or made at run time), `secret` when its value
 * may come from SSM Parameter Store (SECRET_PARAMETER_NAMES).
 */
export interface SettingMeta {
  description: string;
  shown?: string;
  secret?: boolean;
}

// Each schema reads the raw environment string (undefined when unset or empty) and fails with a
// message that names the bounds, never the value (a secret's value must not reach a log).
function integer(min: number, max: number, fallback: number) {
  const error = `must be an integer in [${min}, ${max}]`;
  return z.string().transform(Number).pipe(z.number({ error }).int({ error }).min(min, { error }).max(max, { error })).default(fallback);
}

function httpUrl() {
  const error = 'must be an absolute http(s) URL';
  return z.string().refine((raw) => {
    try {
      return ['https:', 'http:'].includes(new URL(raw).protocol);
    } catch {
      return false;
    }
  }, { error });
}

function onOff(fallback: boolean) {
  return z.enum(['on', 'off'], { error: 'must be "on" or "off"' }).transform((v) => v === 'on').default(fallback);
}

/** A comma-separated list; blanks between commas are dropped; `none` (when allowed) is the empty list. */
function list<T extends z.ZodType<unknown, string>>(item: T, none = false) {
  return z
    .string()
    .transform((raw) => (none && raw.trim() === 'none' ? [] : raw.split(',').map((a) => a.trim()).filter(Boolean)))
    .pipe(z.array(item));
}

/** An SSM parameter name (letters, digits, `_.-/`) whose last segment names a secret setting. */
const secretParameterName = z.string().regex(/^[\w.\-/]{1,2048}$/, { error: 'must be SSM parameter names (letters, digits, _.-/), comma-separated' });

/**
 * Every setting: its name (the environment variable), its schema (bounds and default) and its
 * description, as the README's configuration table shows them. A variable left unset or empty
 * takes the default.
 */
export const SETTINGS = z.object({
  BUCKET_NAME: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'must be an S3 bucket name' })
    .default(DEFAULT_BUCKET_NAME)
    .meta({ description: 'the bucket (set by CDK in Lambda)' }),
  AWS_REGION: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { error: 'must be an AWS region name' }).optional().meta({
    description: 'region for signing',
    shown: '`AWS_DEFAULT_REGION`, else `us-east-1`',
  }),
  AWS_DEFAULT_REGION: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { error: 'must be an AWS region name' }).optional().meta({
    description: 'the region when `AWS_REGION` is unset (the AWS SDK reads it too)',
  }),
  AWS_ENDPOINT_URL_S3: httpUrl().optional().meta({
    description:
      'the S3 endpoint (path-style) instead of the embedded one: LocalStack, MinIO, moto or a real bucket (`https://s3.<region>.amazonaws.com`)',
    shown: '`AWS_ENDPOINT_URL`',
  }),
  AWS_ENDPOINT_URL: httpUrl().optional().meta({
    description: "the endpoint of every AWS service (the SDK's standard variable): an emulator such as LocalStack or moto; with it, no embedded S3",
  }),
  AWS_ENDPOINT_URL_SQS: httpUrl().optional().meta({
    description: "the SQS endpoint of the upload queue (unset: AWS's)",
    shown: '`AWS_ENDPOINT_URL`',
  }),
  UPLOAD_QUEUE_URL: httpUrl().optional().meta({
    description:
      "with an external S3: the queue receiving the bucket's ObjectCreated notifications, which the local server consumes with the processor's handler; unset: uploads stay `pending` (unless `LOCAL_PROVISION=1`)",
  }),
  LOCAL_PROVISION: z
    .enum(['0', '1'], { error: 'must be "0" or "1"' })
    .default('0')
    .meta({
      description:
        "`1`: at start, create on the external endpoints what is missing, as the stack has it: the bucket (the stack's CORS rule, any origin), the queue `<bucket>-uploads` (or `UPLOAD_QUEUE_URL`'s name) with its dead-letter queue `…-dlq` (redrive after 3 receives, visibility timeout 360 s) and the bucket's `s3:ObjectCreated:*` notification for the uploaded `.dcm` objects; a second start changes nothing",
    }),
  MAX_UPLOAD_BYTES: integer(1, 5 * 1024 ** 3, DEFAULT_LIMITS.maxUploadBytes).meta({
    description: 'the largest upload `POST /files` will sign (S3 enforces it through the signed content-length; the processor checks the stored size again)',
  }),
  UPLOAD_URL_TTL_SECONDS: integer(1, MAX_PRESIGNED_URL_TTL_SECONDS, DEFAULT_LIMITS.uploadUrlTtlSeconds).meta({
    description: 'lifetime of upload URLs (at most 900)',
  }),
  RENDER_URL_TTL_SECONDS: integer(1, MAX_PRESIGNED_URL_TTL_SECONDS, DEFAULT_LIMITS.renderUrlTtlSeconds).meta({
    description:
      'lifetime (at most 900) of the PNG URLs `GET …/png` redirects to (a URL is handed out again for a fifth of it, so it has at least 4/5 left)',
  }),
  MEMO_TTL_SECONDS: integer(0, 3600, DEFAULT_MEMO_TTL_SECONDS).meta({
    description:
      'how long a warm container keeps what it read of *ready* files (parsed headers, content hashes, renders seen; bounded LRU, 32 MiB of headers); `0` turns it off',
  }),
  MAX_DECODED_BYTES: integer(1024, 2 * 1024 ** 3, DEFAULT_LIMITS.maxDecodedBytes).meta({
    description: 'the largest decoded frame the export will allocate; larger images get 422 ImageTooLarge at once',
  }),
  CODECS: list(z.enum(CODEC_NAMES, { error: `must list codecs among ${CODEC_NAMES.join(', ')} (comma-separated), or be "none"` }), true)
    .default([...CODEC_NAMES])
    .meta({
      description:
        'the codecs that may decode pixel data (comma-separated, or `none`: native syntaxes only); a transfer syntax whose codec is left out gets 422 UnsupportedTransferSyntax',
    }),
  BIT_DEPTH_16: onOff(DEFAULT_FEATURES.bitDepth16).meta({
    description: '`off`: `GET …/png?bitDepth=16` (and `window=none`) gets 400 InvalidParameter',
  }),
  THUMBNAILS: onOff(DEFAULT_FEATURES.thumbnails).meta({
    description: '`off`: `GET …/png?size=` gets 400 InvalidParameter and the processor renders no thumbnail',
  }),
  PRE_RENDER: onOff(DEFAULT_FEATURES.preRender).meta({
    description: '`off`: the processor validates, hashes and summarises uploads but renders nothing ahead of the first `GET …/png`',
  }),
  AUTH: z
    .enum(['on', 'off'], { error: 'must be "on" or "off"' })
    .default('on')
    .meta({ description: '`off` for a demo only: no token checked, one anonymous tenant (a warning at start)' }),
  AUTH_ISSUER: httpUrl().optional().meta({
    description:
      'the one trusted token issuer (set by CDK in Lambda); locally, with `AUTH_AUDIENCE`, trust it instead of the local issuer',
    shown: 'unset (local issuer)',
    secret: true,
  }),
  AUTH_AUDIENCE: list(z.string().max(256, { error: 'must be audiences of at most 256 characters, comma-separated' }))
    .default([])
    .meta({ description: 'accepted audiences (or Cognito app client ids), comma-separated', secret: true }),
  AUTH_JWKS_URL: httpUrl().optional().meta({
    description: "where the issuer's public keys are (https, or http on loopback)",
    shown: '`<issuer>/.well-known/jwks.json`',
    secret: true,
  }),
  TENANT_CLAIM: z
    .string()
    .max(128, { error: 'must name a claim (at most 128 characters)' })
    .default(DEFAULT_TENANT_CLAIM)
    .meta({ description: "the token claim that names the caller's tenant" }),
  SECRET_PARAMETER_NAMES: list(secretParameterName)
    .default([])
    .meta({
      description:
        'SSM Parameter Store names (comma-separated) read at cold start; the last segment of each names the setting it supplies (`/dicom/prod/AUTH_AUDIENCE`), one of those marked **(SSM)**',
    }),
  LOG_LEVEL: z
    .enum(Object.keys(LOG_LEVELS) as [LogLevel, ...LogLevel[]])
    .catch(DEFAULT_LOG_LEVEL)
    .default(DEFAULT_LOG_LEVEL)
    .meta({ description: '`debug`, `info`, `warn`, `error` or `silent`; logs are JSON lines without tag values, tokens or URLs; an unknown value means `info`' }),
  METRICS: z
    .enum(['on', 'off'], { error: 'must be "on" or "off"' })
    .optional()
    .meta({
      description: 'the CloudWatch metrics as EMF lines on stdout (see "Observability"); read per call by `metricsEnabled()`',
      shown: '`on` (`off` with `LOG_LEVEL=silent`)',
    }),
  PORT: integer(1, 65535, 3000).meta({ description: 'local server port (127.0.0.1)' }),
  LOCAL_S3_PORT: integer(1, 65535, 4569).meta({
    description: 'port of the embedded S3 API server (@20minutes/s3rver, which checks SigV4 like S3)',
  }),
  LOCAL_DATA_DIR: z.string().default('.data').meta({
    description: "local data: the embedded S3's objects under `s3/`, the local issuer's signing key under `auth/`",
  }),
  HOST: z.string().optional().meta({
    description: 'the address the local server and the embedded S3 listen on (`0.0.0.0` in the container image)',
    shown: '`127.0.0.1`',
  }),
});

export type SettingName = keyof typeof SETTINGS.shape;
export type Settings = z.output<typeof SETTINGS>;

/** The settings whose value may come from SSM Parameter Store (marked `secret`). */
export const SECRET_SETTINGS: readonly SettingName[] = (Object.keys(SETTINGS.shape) as SettingName[]).filter(
  (name) => settingMeta(name).secret === true,
);

export function settingMeta(name: SettingName): SettingMeta {
  return SETTINGS.shape[name].meta() as unknown as SettingMeta;
}

/** The environment as the schema reads it: its variables only, an empty one as unset. */
function rawEnvironment(): Partial<Record<SettingName, string>> {
  const raw: Partial<Record<SettingName, string>> = {};
  for (const name of Object.keys(SETTINGS.shape) as SettingName[]) {
    const value = process.env[name];
    if (value !== undefined && value !== '') raw[name] = value;
  }
  return raw;
}

/** One message naming every bad setting and its bounds (never a value). */
function invalid(error: z.ZodError): Error {
  const problems = error.issues.map((issue) => {
    const name = String(issue.path[0] ?? 'configuration');
    return `${name} ${issue.message.startsWith('must') ? issue.message : `is invalid (${issue.message})`}`;
  });
  return new Error(`Invalid configuration: environment variable ${problems.join('; ')}`);
}

/**
 * Validates the environment, with the values `secrets` read from SSM Parameter Store in place
 * of the variables they supply, and shapes it for the services.
 */
export function loadConfig(secrets: Partial<Record<SettingName, string>> = {}): Config {
  const raw = rawEnvironment();
  for (const [name, value] of Object.entries(secrets) as [SettingName, string][]) {
    if (raw[name] !== undefined) {
      throw new Error(`Invalid configuration: ${name} is set in the environment and also read from SSM (SECRET_PARAMETER_NAMES); set it in one place`);
    }
    raw[name] = value;
  }
  const parsed = SETTINGS.safeParse(raw);
  if (!parsed.success) throw invalid(parsed.error);
  const s = parsed.data;
  for (const name of s.SECRET_PARAMETER_NAMES) {
    const setting = name.split('/').pop() as SettingName;
    if (!SECRET_SETTINGS.includes(setting)) {
      throw new Error(
        `Invalid configuration: SECRET_PARAMETER_NAMES: the last segment of each name must be one of ${SECRET_SETTINGS.join(', ')}; ${name} is not`,
      );
    }
  }
  return {
    bucketName: s.BUCKET_NAME,
    region: s.AWS_REGION ?? s.AWS_DEFAULT_REGION ?? 'us-east-1',
    s3Endpoint: s.AWS_ENDPOINT_URL_S3 ?? s.AWS_ENDPOINT_URL,
    maxUploadBytes: s.MAX_UPLOAD_BYTES,
    uploadUrlTtlSeconds: s.UPLOAD_URL_TTL_SECONDS,
    renderUrlTtlSeconds: s.RENDER_URL_TTL_SECONDS,
    maxDecodedBytes: s.MAX_DECODED_BYTES,
    memoTtlSeconds: s.MEMO_TTL_SECONDS,
    auth: {
      mode: s.AUTH === 'off' ? 'off' : 'jwt',
      issuer: s.AUTH_ISSUER,
      audiences: s.AUTH_AUDIENCE,
      jwksUrl: s.AUTH_JWKS_URL,
      tenantClaim: s.TENANT_CLAIM,
    },
    features: { codecs: s.CODECS, bitDepth16: s.BIT_DEPTH_16, thumbnails: s.THUMBNAILS, preRender: s.PRE_RENDER },
    local: { port: s.PORT, s3Port: s.LOCAL_S3_PORT, dataDir: s.LOCAL_DATA_DIR, host: s.HOST },
    localAws: {
      sqsEndpoint: s.AWS_ENDPOINT_URL_SQS ?? s.AWS_ENDPOINT_URL,
      uploadQueueUrl: s.UPLOAD_QUEUE_URL,
      provision: s.LOCAL_PROVISION === '1',
    },
  };
}

/** SECRET_PARAMETER_NAMES as configured (lib/config-secrets.ts reads them before the rest is validated). */
export function secretParameterNames(): string[] {
  const parsed = SETTINGS.pick({ SECRET_PARAMETER_NAMES: true }).safeParse(rawEnvironment());
  if (!parsed.success) throw invalid(parsed.error);
  return parsed.data.SECRET_PARAMETER_NAMES;
}

let cached: Config | undefined;
/** Values read from SSM at cold start, and the SECRET_PARAMETER_NAMES they were read for. */
let secrets: { names: string; values: Partial<Record<SettingName, string>> } | undefined;

/**
 * The container's configuration: validated on first use, then the same object. With
 * SECRET_PARAMETER_NAMES set, initConfig must have read them first (the functions do at cold start).
 */
export function config(): Config {
  if (cached) return cached;
  const names = secretParameterNames();
  if (names.length > 0 && secrets?.names !== names.join(',')) {
    throw new Error('Configuration not loaded: SECRET_PARAMETER_NAMES is set, so initConfig() must read them at cold start first');
  }
  cached = loadConfig(names.length > 0 ? secrets?.values : {});
  return cached;
}

/**
 * Cold start: reads the SSM parameters SECRET_PARAMETER_NAMES names (once per container), then
 * validates the whole configuration. A parameter that cannot be read fails it with a message
 * naming the parameter, never a value.
 */
export async function initConfig(read?: ParameterReader): Promise<Config> {
  const names = secretParameterNames();
  if (names.length > 0 && secrets?.names !== names.join(',')) {
    const reader = read ?? (await import('./config-secrets.js')).readParameter;
    const values: Partial<Record<SettingName, string>> = {};
    for (const name of names) {
      let value: string | undefined;
      try {
        value = await reader(name);
      } catch (e) {
        // The error's class and its cause's (ParameterNotFound, AccessDeniedException...), never its message.
        const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.name}` : '';
        const reason = e instanceof Error ? `${e.name}${cause}` : typeof e;
        throw new Error(`Configuration not loaded: SSM parameter ${name} (SECRET_PARAMETER_NAMES) could not be read (${reason})`);
      }
      if (value === undefined || value === '') throw new Error(`Configuration not loaded: SSM parameter ${name} (SECRET_PARAMETER_NAMES) is missing or empty`);
      values[name.split('/').pop() as SettingName] = value;
    }
    secrets = { names: names.join(','), values };
    cached = undefined;
  }
  return config();
}

/** Tests that change the environment call this to re-read it (and the SSM parameters). */
export const resetConfig = (): void => {
  cached = undefined;
  secrets = undefined;
};

/**
 * LOG_LEVEL, read at each log line rather than with config(): logging must work before (and
 * when) the rest of the configuration fails validation, and an unknown value falls back to
 * `info` instead of failing the container.
 */
export function logLevel(): LogLevel {
  // Every log line and every metric asks: the schema runs only when the variable changed.
  const raw = process.env.LOG_LEVEL || undefined;
  if (!lastLogLevel || lastLogLevel.raw !== raw) lastLogLevel = { raw, level: SETTINGS.shape.LOG_LEVEL.parse(raw) };
  return lastLogLevel.level;
}
let lastLogLevel: { raw: string | undefined; level: LogLevel } | undefined;

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
