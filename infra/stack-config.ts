import { RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { DEFAULT_LIMITS, DEFAULT_LOG_LEVEL, type ServiceLimits } from '../lib/config.js';

/**
 * Presigned URLs (upload PUT, render GET) are bearer credentials: whoever holds one may use it,
 * so the stack refuses any lifetime above 15 minutes (issue 11). Lower is allowed.
 */
export const MAX_PRESIGNED_URL_TTL_SECONDS = 900;

/**
 * Defaults of the settings only the stack reads (the service's own defaults live in
 * lib/config.ts). Throttling applies to the whole stage, across all callers: HTTP APIs have no
 * per-client usage plans, so these bound cost, not one caller's share.
 */
export const STACK_DEFAULTS = {
  /** The JWT claim naming a file's tenant (TENANT_CLAIM). */
  tenantClaim: 'sub',
  renderExpirationDays: 30,
  unconfirmedUploadExpirationDays: 7,
  quarantineExpirationDays: 30,
  logRetentionDays: logs.RetentionDays.ONE_MONTH,
  /** API Gateway access logs and S3 server access logs (an audit trail: kept longer than debug logs). */
  accessLogRetentionDays: logs.RetentionDays.THREE_MONTHS,
  /** Steady requests per second and burst of the stage. */
  throttleRateLimit: 50,
  throttleBurstLimit: 100,
  /** POST /files: each call signs an upload of up to MAX_UPLOAD_BYTES, so it is held tighter. */
  uploadThrottleRateLimit: 5,
  uploadThrottleBurstLimit: 10,
  /** Concurrent export invocations at most (2 GiB, up to 29 s each). */
  exportReservedConcurrency: 10,
  /**
   * Reserved concurrency of the other functions: every function is bounded (HIPAA.Security-LambdaConcurrency),
   * so a burst on one route cannot starve the others or the account. The processor's is at least
   * the event source's maxConcurrency (PROCESSING in dicom-service-stack.ts), or SQS polling would be throttled.
   */
  uploadReservedConcurrency: 10,
  headerReservedConcurrency: 20,
  processorReservedConcurrency: 10,
  /**
   * Days a version the service replaced or deleted stays in the versioned bucket before S3's
   * lifecycle removes it for good (DELETE /files/{id} must still erase patient data; see README).
   */
  noncurrentVersionExpirationDays: 1,
  /** Alarm thresholds: the API's 5xx share of requests (%, per 5 minutes), and p99 Duration (ms) of header and export. */
  api5xxRatePercent: 1,
  headerLatencyP99Ms: 2000,
  exportLatencyP99Ms: 15000,
} as const;

/** The settings of the stack; each also comes from CDK context under the same name (props win). */
export interface StackSettings {
  /**
   * Origins allowed by the API CORS and the bucket CORS (browser PUT/GET). Context `corsOrigins`
   * (comma-separated or a list); default none: no CORS at all. `*` is refused.
   */
  corsOrigins?: string[];
  /**
   * An external OIDC issuer (a hospital's identity provider) for the JWT authorizer, with
   * `authAudience`. Context `authIssuer` / `authAudience` (comma-separated or a list).
   * Default: none, and the stack creates a Cognito user pool and app client instead.
   */
  authIssuer?: string;
  authAudience?: string[];
  /**
   * Require MFA (TOTP) in the Cognito user pool the stack makes: users enrol an authenticator app
   * at their first sign-in. Context `requireMfa` (`true`/`false`); default false (MFA optional).
   */
  requireMfa?: boolean;
  /** The claim naming a file's tenant. Context `tenantClaim`; default `sub`. */
  tenantClaim?: string;
  /** Days after which cached renders (`renders/`) expire. Context `renderExpirationDays`; default 30. */
  renderExpirationDays?: number;
  /** Days after which uploads (`uploads/`) expire. Context `uploadExpirationDays`; default: never. */
  uploadExpirationDays?: number;
  /**
   * Days after which request records of upload URLs that were never used expire (records still
   * tagged upload-state=awaiting: the processor re-tags them when the upload arrives).
   * Context `unconfirmedUploadExpirationDays`; default 7 (longer than any upload URL lives).
   */
  unconfirmedUploadExpirationDays?: number;
  /** Days after which rejected uploads (`quarantine/`) expire. Context `quarantineExpirationDays`; default 30. */
  quarantineExpirationDays?: number;
  /** What happens to the buckets, user pool and access logs when the stack is deleted. Context `removalPolicy` (`retain` | `destroy`); default RETAIN. */
  removalPolicy?: RemovalPolicy;
  /** Retention of the functions' log groups. Context `logRetentionDays` (a CloudWatch value, e.g. 7, 30, 90); default 30. */
  logRetention?: logs.RetentionDays;
  /**
   * Retention of the API access logs, and expiration of the S3 server access logs. Context
   * `accessLogRetentionDays` (a CloudWatch value); default 90.
   */
  accessLogRetention?: logs.RetentionDays;
  /** Stage throttling. Context `throttleRateLimit` / `throttleBurstLimit`; default 50 / 100. */
  throttleRateLimit?: number;
  throttleBurstLimit?: number;
  /** Throttling of POST /files. Context `uploadThrottleRateLimit` / `uploadThrottleBurstLimit`; default 5 / 10. */
  uploadThrottleRateLimit?: number;
  uploadThrottleBurstLimit?: number;
  /** Reserved concurrency of the export function. Context `exportReservedConcurrency`; default 10. */
  exportReservedConcurrency?: number;
  /**
   * Reserved concurrency of the upload, header and processor functions. Context
   * `uploadReservedConcurrency`, `headerReservedConcurrency`, `processorReservedConcurrency`;
   * defaults 10, 20, 10 (the processor's at least PROCESSING.maxConcurrency).
   */
  uploadReservedConcurrency?: number;
  headerReservedConcurrency?: number;
  processorReservedConcurrency?: number;
  /**
   * Days a noncurrent object version (overwritten or deleted) is kept before S3 removes it. Context
   * `noncurrentVersionExpirationDays`; default 1.
   */
  noncurrentVersionExpirationDays?: number;
  /** E-mail address subscribed to the alarm topic. Context `alarmEmail`; default none (the topic has no subscription). */
  alarmEmail?: string;
  /** Alarm thresholds. Context `api5xxRatePercent`, `headerLatencyP99Ms`, `exportLatencyP99Ms`; defaults 1, 2000, 15000. */
  api5xxRatePercent?: number;
  headerLatencyP99Ms?: number;
  exportLatencyP99Ms?: number;
  /**
   * SSM Parameter Store names (not values) the HTTP functions may read at runtime (Powertools
   * Parameters), e.g. an external OIDC client's settings. Context `secretParameters` (a list or
   * comma-separated). The functions get the names in SECRET_PARAMETER_NAMES and ssm:GetParameter(s)
   * on exactly those parameters; no value ever enters the template.
   */
  secretParameters?: string[];
  /**
   * The customer-managed KMS key of SecureString parameters among `secretParameters`, if not the
   * AWS-managed aws/ssm key (which needs no grant). Context `secretParametersKeyArn`.
   */
  secretParametersKeyArn?: string;
  /** LOG_LEVEL of the functions. Context `logLevel`; default `info`. */
  logLevel?: string;
  /** Limits passed to the functions; context `uploadUrlTtlSeconds` and `renderUrlTtlSeconds` (at most 900). */
  limits?: Partial<ServiceLimits>;
}

/** The JWT authorizer's configuration: an external issuer, or the Cognito pool the stack creates. */
export type AuthSettings = { kind: 'external'; issuer: string; audience: string[] } | { kind: 'cognito'; requireMfa: boolean };

export interface StackConfig {
  corsOrigins: string[];
  auth: AuthSettings;
  tenantClaim: string;
  renderExpirationDays: number;
  uploadExpirationDays?: number;
  unconfirmedUploadExpirationDays: number;
  quarantineExpirationDays: number;
  removalPolicy: RemovalPolicy;
  logRetention: logs.RetentionDays;
  accessLogRetention: logs.RetentionDays;
  throttle: { rateLimit: number; burstLimit: number };
  uploadThrottle: { rateLimit: number; burstLimit: number };
  /** Reserved concurrency of every function. */
  reservedConcurrency: Record<'upload' | 'header' | 'export' | 'processor', number>;
  noncurrentVersionExpirationDays: number;
  alarmEmail?: string;
  alarms: { api5xxRatePercent: number; headerLatencyP99Ms: number; exportLatencyP99Ms: number };
  secretParameters: string[];
  secretParametersKeyArn?: string;
  logLevel: string;
  limits: ServiceLimits;
}

/** Props win over context (`cdk synth -c key=value` or cdk.json), context over defaults. */
export function resolveStackConfig(scope: Construct, props: StackSettings): StackConfig {
  const ctx = (key: string): unknown => scope.node.tryGetContext(key);

  return {
    corsOrigins: resolveCorsOrigins(props.corsOrigins ?? parseList(ctx('corsOrigins'), 'corsOrigins') ?? []),
    auth: resolveAuth(
      props.authIssuer ?? parseString(ctx('authIssuer')),
      props.authAudience ?? parseList(ctx('authAudience'), 'authAudience'),
      props.requireMfa ?? parseBoolean(ctx('requireMfa'), 'requireMfa') ?? false,
    ),
    tenantClaim: resolveTenantClaim(props.tenantClaim ?? parseString(ctx('tenantClaim')) ?? STACK_DEFAULTS.tenantClaim),
    renderExpirationDays: days(props.renderExpirationDays ?? parseInteger(ctx('renderExpirationDays'), 'renderExpirationDays') ?? STACK_DEFAULTS.renderExpirationDays, 'renderExpirationDays'),
    uploadExpirationDays: optionalDays(props.uploadExpirationDays ?? parseInteger(ctx('uploadExpirationDays'), 'uploadExpirationDays'), 'uploadExpirationDays'),
    unconfirmedUploadExpirationDays: days(
      props.unconfirmedUploadExpirationDays ?? parseInteger(ctx('unconfirmedUploadExpirationDays'), 'unconfirmedUploadExpirationDays') ?? STACK_DEFAULTS.unconfirmedUploadExpirationDays,
      'unconfirmedUploadExpirationDays',
    ),
    quarantineExpirationDays: days(
      props.quarantineExpirationDays ?? parseInteger(ctx('quarantineExpirationDays'), 'quarantineExpirationDays') ?? STACK_DEFAULTS.quarantineExpirationDays,
      'quarantineExpirationDays',
    ),
    removalPolicy: props.removalPolicy ?? resolveRemovalPolicy(ctx('removalPolicy')),
    logRetention: props.logRetention ?? retention(ctx('logRetentionDays'), 'logRetentionDays', STACK_DEFAULTS.logRetentionDays),
    accessLogRetention: props.accessLogRetention ?? retention(ctx('accessLogRetentionDays'), 'accessLogRetentionDays', STACK_DEFAULTS.accessLogRetentionDays),
    ...resolveThrottling(props, ctx),
    reservedConcurrency: resolveReservedConcurrency(props, ctx),
    noncurrentVersionExpirationDays: days(
      props.noncurrentVersionExpirationDays ?? parseInteger(ctx('noncurrentVersionExpirationDays'), 'noncurrentVersionExpirationDays') ?? STACK_DEFAULTS.noncurrentVersionExpirationDays,
      'noncurrentVersionExpirationDays',
    ),
    alarmEmail: resolveEmail(props.alarmEmail ?? parseString(ctx('alarmEmail'))),
    alarms: resolveAlarmThresholds(props, ctx),
    secretParameters: resolveParameterNames(props.secretParameters ?? parseList(ctx('secretParameters'), 'secretParameters') ?? []),
    secretParametersKeyArn: resolveKeyArn(props.secretParametersKeyArn ?? parseString(ctx('secretParametersKeyArn'))),
    logLevel: props.logLevel ?? String(ctx('logLevel') ?? DEFAULT_LOG_LEVEL),
    limits: resolveLimits(props.limits, ctx),
  };
}

/** Exact origins only (scheme, host, optional port): a browser compares them byte for byte. */
const ORIGIN = /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i;

function resolveCorsOrigins(origins: string[]): string[] {
  for (const origin of origins) {
    if (origin === '*') throw new Error('corsOrigins: "*" is not allowed; name the origins of the viewers that call the API.');
    if (!ORIGIN.test(origin)) throw new Error(`corsOrigins: "${origin}" is not an origin (scheme://host[:port], no path).`);
  }
  return origins;
}

function resolveAuth(issuer: string | undefined, audience: string[] | undefined, requireMfa: boolean): AuthSettings {
  if (issuer === undefined && audience === undefined) return { kind: 'cognito', requireMfa };
  // An external issuer's MFA is that provider's policy, not the stack's.
  if (requireMfa) throw new Error('requireMfa applies to the Cognito user pool the stack makes, not to an external authIssuer (require MFA there).');
  if (issuer === undefined || audience === undefined || audience.length === 0) {
    throw new Error('authIssuer and authAudience go together: give both (an external OIDC provider) or neither (a Cognito user pool).');
  }
  // API Gateway's JWT authorizer fetches {issuer}/.well-known/openid-configuration over HTTPS.
  if (!/^https:\/\/[^\s/]+(\/\S*)?$/.test(issuer)) throw new Error(`authIssuer must be an https URL, not "${issuer}".`);
  return { kind: 'external', issuer, audience };
}

function resolveTenantClaim(claim: string): string {
  if (!/^[\x21-\x7e]{1,128}$/.test(claim)) throw new Error(`tenantClaim must be a claim name (printable, no spaces), not "${claim}".`);
  return claim;
}

function resolveRemovalPolicy(value: unknown): RemovalPolicy {
  const s = String(value ?? 'retain').toLowerCase();
  if (s !== 'retain' && s !== 'destroy') throw new Error(`removalPolicy must be "retain" or "destroy", not "${s}".`);
  return s === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
}

function retention(value: unknown, key: string, fallback: logs.RetentionDays): logs.RetentionDays {
  const n = parseInteger(value, key) ?? fallback;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-comparison -- a number from context, checked against the enum's values
  if (!(Object.values(logs.RetentionDays) as unknown[]).includes(n) || n === logs.RetentionDays.INFINITE) {
    throw new Error(`${key} must be a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, ...), not ${n}.`);
  }
  return n; // eslint-disable-line @typescript-eslint/no-unsafe-enum-assignment -- one of its values (checked above)
}

function resolveThrottling(props: StackSettings, ctx: (key: string) => unknown): Pick<StackConfig, 'throttle' | 'uploadThrottle'> {
  const get = (key: 'throttleRateLimit' | 'throttleBurstLimit' | 'uploadThrottleRateLimit' | 'uploadThrottleBurstLimit') =>
    positive(props[key] ?? parseInteger(ctx(key), key) ?? STACK_DEFAULTS[key], key);
  const throttle = { rateLimit: get('throttleRateLimit'), burstLimit: get('throttleBurstLimit') };
  const uploadThrottle = { rateLimit: get('uploadThrottleRateLimit'), burstLimit: get('uploadThrottleBurstLimit') };
  // Route settings replace the stage's for that route, so "stricter" has to be checked here.
  if (uploadThrottle.rateLimit > throttle.rateLimit || uploadThrottle.burstLimit > throttle.burstLimit) {
    throw new Error('uploadThrottleRateLimit / uploadThrottleBurstLimit must not exceed throttleRateLimit / throttleBurstLimit.');
  }
  return { throttle, uploadThrottle };
}

/**
 * Concurrent processor invocations the SQS event source may run (bounds S3 and render load); the
 * processor's reserved concurrency must be at least this (PROCESSING.maxConcurrency uses it).
 */
export const PROCESSOR_MAX_CONCURRENCY = 10;

function resolveReservedConcurrency(props: StackSettings, ctx: (key: string) => unknown): StackConfig['reservedConcurrency'] {
  const get = (key: 'uploadReservedConcurrency' | 'headerReservedConcurrency' | 'exportReservedConcurrency' | 'processorReservedConcurrency') =>
    positive(props[key] ?? parseInteger(ctx(key), key) ?? STACK_DEFAULTS[key], key);
  const reserved = {
    upload: get('uploadReservedConcurrency'),
    header: get('headerReservedConcurrency'),
    export: get('exportReservedConcurrency'),
    processor: get('processorReservedConcurrency'),
  };
  // The SQS event source runs up to its maxConcurrency invocations; a smaller reserve throttles them
  // and the messages come back after the visibility timeout (and count towards the DLQ).
  if (reserved.processor < PROCESSOR_MAX_CONCURRENCY) {
    throw new Error(`processorReservedConcurrency must be at least ${PROCESSOR_MAX_CONCURRENCY} (the queue's event source maxConcurrency), not ${reserved.processor}.`);
  }
  return reserved;
}

function resolveAlarmThresholds(props: StackSettings, ctx: (key: string) => unknown): StackConfig['alarms'] {
  const get = (key: 'api5xxRatePercent' | 'headerLatencyP99Ms' | 'exportLatencyP99Ms') => positive(props[key] ?? parseInteger(ctx(key), key) ?? STACK_DEFAULTS[key], key);
  const alarms = { api5xxRatePercent: get('api5xxRatePercent'), headerLatencyP99Ms: get('headerLatencyP99Ms'), exportLatencyP99Ms: get('exportLatencyP99Ms') };
  if (alarms.api5xxRatePercent > 100) throw new Error(`api5xxRatePercent is a percentage (1 to 100), not ${alarms.api5xxRatePercent}.`);
  return alarms;
}

/** One address, as SNS's e-mail protocol takes it (it sends a confirmation message there). */
function resolveEmail(email: string | undefined): string | undefined {
  if (email !== undefined && !/^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/.test(email)) throw new Error(`alarmEmail must be one e-mail address, not "${email}".`);
  return email;
}

/**
 * SSM parameter names, by AWS's rules: letters, digits, _ . - and /, at most 1011
 * characters, a hierarchy starting with /. No wildcards: the grant names each parameter exactly.
 */
function resolveParameterNames(names: string[]): string[] {
  for (const name of names) {
    if (!/^\/?[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(name) || name.length > 1011 || /^\/?(aws|ssm)/i.test(name)) {
      throw new Error(`secretParameters: "${name}" is not an SSM parameter name (letters, digits, _ . - and /; not starting with aws or ssm; no wildcards).`);
    }
  }
  return [...new Set(names)];
}

function resolveKeyArn(arn: string | undefined): string | undefined {
  if (arn !== undefined && !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(arn)) {
    throw new Error(`secretParametersKeyArn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not "${arn}".`);
  }
  return arn;
}

function resolveLimits(limits: Partial<ServiceLimits> | undefined, ctx: (key: string) => unknown): ServiceLimits {
  const resolved: ServiceLimits = {
    ...DEFAULT_LIMITS,
    ...definedOnly({
      uploadUrlTtlSeconds: parseInteger(ctx('uploadUrlTtlSeconds'), 'uploadUrlTtlSeconds'),
      renderUrlTtlSeconds: parseInteger(ctx('renderUrlTtlSeconds'), 'renderUrlTtlSeconds'),
    }),
    ...limits,
  };
  for (const key of ['uploadUrlTtlSeconds', 'renderUrlTtlSeconds'] as const) {
    const n = resolved[key];
    if (!Number.isInteger(n) || n < 1 || n > MAX_PRESIGNED_URL_TTL_SECONDS) {
      throw new Error(`${key} must be an integer from 1 to ${MAX_PRESIGNED_URL_TTL_SECONDS} (presigned URLs live at most 15 minutes), not ${n}.`);
    }
  }
  return resolved;
}

const definedOnly = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

function positive(n: number, key: string): number {
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${key} must be a positive integer, not ${n}.`);
  return n;
}
const days = (n: number, key: string): number => positive(n, key);
const optionalDays = (n: number | undefined, key: string): number | undefined => (n === undefined ? undefined : positive(n, key));

function parseString(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const s = String(value).trim();
  return s === '' ? undefined : s;
}

/** A list from context: a JSON list or a comma-separated string; absent or '' is undefined. */
function parseList(value: unknown, key: string): string[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const items = (Array.isArray(value) ? value.map(String) : String(value).split(',')).map((s) => s.trim());
  // " , " is a typo, not "none": refuse it rather than guess.
  if (items.length === 0 || items.some((s) => s === '')) throw new Error(`${key} has an empty entry: "${String(value)}".`);
  return items;
}

function parseBoolean(value: unknown, key: string): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`${key} must be true or false, not "${String(value)}".`);
}

function parseInteger(value: unknown, key: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${key} must be a positive integer, not "${String(value)}".`);
  return n;
}
