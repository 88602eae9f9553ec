import path from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { CorsHttpMethod, HttpApi, HttpMethod, PayloadFormatVersion } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { FUNCTION_NODE_OPTIONS, PROJECT_ROOT, bundlingOptions } from './bundling.js';
import { FUNCTION_ENTRIES, FUNCTION_S3_ACCESS, HTTP_FUNCTIONS, ROUTES, type FunctionName, type HttpFunctionName, type S3Access } from '../lib/http/routes.js';
import { UPLOAD_STATE_TAG } from '../lib/storage/storage.js';
import { PREFIXES, UPLOAD_NOTIFICATION_FILTER } from '../lib/storage/object-keys.js';
import { DEFAULT_LIMITS, DEFAULT_LOG_LEVEL, type ServiceLimits } from '../lib/config.js';

/** The repository root (defined with the bundling, which resolves entries from it). */
export { PROJECT_ROOT };

/** The service limits the functions read from their environment, and their defaults (lib/config.ts, the one copy). */
export { DEFAULT_LIMITS, type ServiceLimits };

/** Memory and timeout of each function. */
export const FUNCTION_SIZING: Record<FunctionName, { memoryMb: number; timeoutSeconds: number }> = {
  upload: { memoryMb: 256, timeoutSeconds: 10 },
  header: { memoryMb: 512, timeoutSeconds: 15 },
  // 29 s: API Gateway cuts HTTP API integrations at 30 s, so the function must finish (and answer JSON) first.
  export: { memoryMb: 2048, timeoutSeconds: 29 },
  // Reads, hashes, parses and renders up to 10 MiB per message, a batch at a time.
  processor: { memoryMb: 2048, timeoutSeconds: 60 },
};

/** How the upload queue feeds the processor. */
export const PROCESSING = {
  /** Deliveries of a message before it moves to the dead-letter queue. */
  maxReceiveCount: 3,
  /** AWS's guidance for SQS event sources: at least 6x the function timeout. */
  visibilityTimeoutSeconds: 6 * FUNCTION_SIZING.processor.timeoutSeconds,
  batchSize: 5,
  /** Concurrent processor invocations the event source may run (bounds S3 and render load). */
  maxConcurrency: 10,
  deadLetterRetentionDays: 14,
} as const;

export interface DicomServiceStackProps extends StackProps {
  /** Origins allowed by the bucket CORS (browser PUT/GET) and the API CORS. Context `corsOrigins` (comma-separated or a list); default `*`. */
  corsOrigins?: string[];
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
  /** What happens to the bucket when the stack is deleted. Context `removalPolicy` (`retain` | `destroy`); default RETAIN. */
  removalPolicy?: RemovalPolicy;
  /** Retention of the functions' log groups. Context `logRetentionDays` (a CloudWatch value, e.g. 7, 30, 90); default 30. */
  logRetention?: logs.RetentionDays;
  /** LOG_LEVEL of the functions. Context `logLevel`; default `info`. */
  logLevel?: string;
  limits?: Partial<ServiceLimits>;
}

/**
 * A private bucket, three HTTP Lambdas (upload, header, export) behind an HTTP API whose routes
 * come from the shared route table in lib/http/routes.ts, and the upload processor: S3
 * ObjectCreated (uploads/*.dcm) -> SQS queue (with a dead-letter queue) -> processor Lambda.
 */
export class DicomServiceStack extends Stack {
  readonly bucket: s3.Bucket;
  readonly api: HttpApi;
  readonly functions: Record<FunctionName, NodejsFunction>;
  readonly processingQueue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: DicomServiceStackProps = {}) {
    super(scope, id, props);
    const config = resolveConfig(this, props);

    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: false,
      cors: [
        {
          // The browser PUTs the file to the presigned URL and may GET the rendered PNG.
          allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
          allowedOrigins: config.corsOrigins,
          // if-none-match: the upload URL signs it (write-once uploads), so the browser must send it.
          allowedHeaders: ['content-type', 'content-length', 'if-none-match'],
          exposedHeaders: ['etag'],
          maxAge: 3600,
        },
      ],
      lifecycleRules: [
        { id: 'ExpireRenders', prefix: PREFIXES.renders, expiration: Duration.days(config.renderExpirationDays) },
        ...(config.uploadExpirationDays
          ? [{ id: 'ExpireUploads', prefix: PREFIXES.uploads, expiration: Duration.days(config.uploadExpirationDays) }]
          : []),
        {
          // Request records of upload URLs never used: the processor re-tags a record when its upload arrives.
          id: 'ExpireUnconfirmedUploads',
          prefix: PREFIXES.uploads,
          tagFilters: { [UPLOAD_STATE_TAG]: 'awaiting' },
          expiration: Duration.days(config.unconfirmedUploadExpirationDays),
        },
        { id: 'ExpireQuarantine', prefix: PREFIXES.quarantine, expiration: Duration.days(config.quarantineExpirationDays) },
        { id: 'AbortIncompleteMultipartUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: config.removalPolicy,
      autoDeleteObjects: config.removalPolicy === RemovalPolicy.DESTROY,
    });

    const environment: Record<string, string> = {
      BUCKET_NAME: this.bucket.bucketName,
      MAX_UPLOAD_BYTES: String(config.limits.maxUploadBytes),
      UPLOAD_URL_TTL_SECONDS: String(config.limits.uploadUrlTtlSeconds),
      RENDER_URL_TTL_SECONDS: String(config.limits.renderUrlTtlSeconds),
      MAX_DECODED_BYTES: String(config.limits.maxDecodedBytes),
      LOG_LEVEL: config.logLevel,
      // Only when infra/bundling.ts turns Node's source maps on (they cost init time).
      ...(FUNCTION_NODE_OPTIONS ? { NODE_OPTIONS: FUNCTION_NODE_OPTIONS } : {}),
    };

    const names = Object.keys(FUNCTION_ENTRIES) as FunctionName[];
    this.functions = Object.fromEntries(
      names.map((name) => [name, this.createFunction(name, environment, config.logRetention)]),
    ) as Record<FunctionName, NodejsFunction>;

    for (const name of names) grantS3Access(this.bucket, this.functions[name], FUNCTION_S3_ACCESS[name]);

    // Uploads are processed asynchronously: S3 -> SQS -> processor, with bounded retries.
    this.deadLetterQueue = new sqs.Queue(this, 'ProcessingDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(PROCESSING.deadLetterRetentionDays),
    });
    this.processingQueue = new sqs.Queue(this, 'ProcessingQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(PROCESSING.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: PROCESSING.maxReceiveCount },
    });
    this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(this.processingQueue), { ...UPLOAD_NOTIFICATION_FILTER });
    this.functions.processor.addEventSource(
      new SqsEventSource(this.processingQueue, {
        batchSize: PROCESSING.batchSize,
        reportBatchItemFailures: true,
        maxConcurrency: PROCESSING.maxConcurrency,
      }),
    );

    this.api = new HttpApi(this, 'Api', {
      description: 'DICOM service: presigned upload, header as DICOM JSON, PNG export',
      corsPreflight: {
        allowOrigins: config.corsOrigins,
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.OPTIONS],
        allowHeaders: ['content-type', 'accept'],
        exposeHeaders: ['location'],
        maxAge: Duration.hours(1),
      },
    });

    const integrations = Object.fromEntries(
      HTTP_FUNCTIONS.map((name) => [
        name,
        new HttpLambdaIntegration(`${pascal(name)}Integration`, this.functions[name], {
          payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
        }),
      ]),
    ) as Record<HttpFunctionName, HttpLambdaIntegration>;

    for (const route of ROUTES) {
      this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integrations[route.function],
      });
    }

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'BucketName', { value: this.bucket.bucketName, description: `Bucket holding ${PREFIXES.uploads}, ${PREFIXES.renders} and ${PREFIXES.quarantine}` });
    new CfnOutput(this, 'ProcessingDeadLetterQueueUrl', {
      value: this.deadLetterQueue.queueUrl,
      description: 'Upload events the processor failed on after all retries',
    });
  }

  private createFunction(name: FunctionName, environment: Record<string, string>, retention: logs.RetentionDays) {
    const id = `${pascal(name)}Function`;
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    return new NodejsFunction(this, id, {
      entry: path.join(PROJECT_ROOT, FUNCTION_ENTRIES[name]),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: FUNCTION_SIZING[name].memoryMb,
      timeout: Duration.seconds(FUNCTION_SIZING[name].timeoutSeconds),
      environment,
      logGroup,
      bundling: bundlingOptions(name),
    });
  }
}

/** Least privilege from FUNCTION_S3_ACCESS: object actions on the listed key patterns only. */
function grantS3Access(bucket: s3.IBucket, fn: lambda.IFunction, access: S3Access) {
  if (access.read.length > 0) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: access.read.map((prefix) => bucket.arnForObjects(prefix)),
      }),
    );
    // Without s3:ListBucket, HEAD/GET of a missing key answers 403 instead of 404, and
    // "file not found" would look like a storage failure.
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
  }
  if (access.write.length > 0) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: access.write.map((prefix) => bucket.arnForObjects(prefix)),
      }),
    );
  }
  for (const [action, patterns] of [
    ['s3:PutObjectTagging', access.tag ?? []],
    ['s3:DeleteObject', access.delete ?? []],
  ] as const) {
    if (patterns.length === 0) continue;
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: [action], resources: patterns.map((p) => bucket.arnForObjects(p)) }));
  }
}

interface ResolvedConfig {
  corsOrigins: string[];
  renderExpirationDays: number;
  uploadExpirationDays?: number;
  unconfirmedUploadExpirationDays: number;
  quarantineExpirationDays: number;
  removalPolicy: RemovalPolicy;
  logRetention: logs.RetentionDays;
  logLevel: string;
  limits: ServiceLimits;
}

/** Props win over context (`cdk synth -c key=value` or cdk.json), context over defaults. */
function resolveConfig(scope: Construct, props: DicomServiceStackProps): ResolvedConfig {
  const ctx = (key: string): unknown => scope.node.tryGetContext(key);

  const corsOrigins = props.corsOrigins ?? parseList(ctx('corsOrigins')) ?? ['*'];
  if (corsOrigins.length === 0) throw new Error('corsOrigins must name at least one origin (or "*").');

  const renderExpirationDays = props.renderExpirationDays ?? parseDays(ctx('renderExpirationDays'), 'renderExpirationDays') ?? 30;
  const uploadExpirationDays = props.uploadExpirationDays ?? parseDays(ctx('uploadExpirationDays'), 'uploadExpirationDays');
  const unconfirmedUploadExpirationDays =
    props.unconfirmedUploadExpirationDays ?? parseDays(ctx('unconfirmedUploadExpirationDays'), 'unconfirmedUploadExpirationDays') ?? 7;
  const quarantineExpirationDays =
    props.quarantineExpirationDays ?? parseDays(ctx('quarantineExpirationDays'), 'quarantineExpirationDays') ?? 30;
  for (const [key, days] of Object.entries({ renderExpirationDays, uploadExpirationDays, unconfirmedUploadExpirationDays, quarantineExpirationDays })) {
    if (days !== undefined && !(Number.isInteger(days) && days > 0)) throw new Error(`${key} must be a positive integer of days.`);
  }

  let removalPolicy = props.removalPolicy;
  if (removalPolicy === undefined) {
    const value = String(ctx('removalPolicy') ?? 'retain').toLowerCase();
    if (value !== 'retain' && value !== 'destroy') throw new Error(`removalPolicy must be "retain" or "destroy", not "${value}".`);
    removalPolicy = value === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
  }

  let logRetention = props.logRetention;
  if (logRetention === undefined) {
    const days = parseDays(ctx('logRetentionDays'), 'logRetentionDays') ?? logs.RetentionDays.ONE_MONTH;
    if (!(Object.values(logs.RetentionDays) as unknown[]).includes(days)) {
      throw new Error(`logRetentionDays must be a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, ...), not ${days}.`);
    }
    logRetention = days as logs.RetentionDays;
  }

  const logLevel = props.logLevel ?? String(ctx('logLevel') ?? DEFAULT_LOG_LEVEL);
  return {
    corsOrigins,
    renderExpirationDays,
    uploadExpirationDays,
    unconfirmedUploadExpirationDays,
    quarantineExpirationDays,
    removalPolicy,
    logRetention,
    logLevel,
    limits: { ...DEFAULT_LIMITS, ...props.limits },
  };
}

function parseList(value: unknown): string[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
  return items.map((s) => s.trim()).filter(Boolean);
}

function parseDays(value: unknown, key: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${key} must be a positive integer, not "${String(value)}".`);
  return n;
}

const pascal = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

