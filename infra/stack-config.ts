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
  /** LOG_LEVEL of the functions. Context `logLevel`; default `info`. */
  logLevel?: string;
  /** Limits passed to the functions; context `uploadUrlTtlSeconds` and `renderUrlTtlSeconds` (at most 900). */
  limits?: Partial<ServiceLimits>;
}

/** The JWT authorizer's configuration: an external issuer, or the Cognito pool the stack creates. */
export type AuthSettings = { kind: 'external'; issuer: string; audience: string[] } | { kind: 'cognito' };

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
  exportReservedConcurrency: number;
  logLevel: string;
  limits: ServiceLimits;
}

/** Props win over context (`cdk synth -c key=value` or cdk.json), context over defaults. */
export function resolveStackConfig(scope: Construct, props: StackSettings): StackConfig {
  const ctx = (key: string): unknown => scope.node.tryGetContext(key);

  return {
    corsOrigins: resolveCorsOrigins(props.corsOrigins ?? parseList(ctx('corsOrigins'), 'corsOrigins') ?? []),
    auth: resolveAuth(props.authIssuer ?? parseString(ctx('authIssuer')), props.authAudience ?? parseList(ctx('authAudience'), 'authAudience')),
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
    exportReservedConcurrency: positive(
      props.exportReservedConcurrency ?? parseInteger(ctx('exportReservedConcurrency'), 'exportReservedConcurrency') ?? STACK_DEFAULTS.exportReservedConcurrency,
      'exportReservedConcurrency',
    ),
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

function resolveAuth(issuer: string | undefined, audience: string[] | undefined): AuthSettings {
  if (issuer === undefined && audience === undefined) return { kind: 'cognito' };
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

function parseInteger(value: unknown, key: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${key} must be a positive integer, not "${String(value)}".`);
  return n;
}
