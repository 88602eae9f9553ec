import path from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  LogGroupLogDestination,
  PayloadFormatVersion,
  type CfnStage,
  type HttpRoute,
  type HttpStage,
} from 'aws-cdk-lib/aws-apigatewayv2';
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
import { FUNCTION_ENTRIES, FUNCTION_S3_ACCESS, HTTP_FUNCTIONS, ROUTES, type FunctionName, type HttpFunctionName, type Route, type S3Access } from '../lib/http/routes.js';
import { UPLOAD_STATE_TAG } from '../lib/storage/storage.js';
import { PREFIXES, UPLOAD_NOTIFICATION_FILTER } from '../lib/storage/object-keys.js';
import { DEFAULT_LIMITS, type ServiceLimits } from '../lib/config.js';
import { ApiAuth } from './api-auth.js';
import { resolveStackConfig, type StackSettings } from './stack-config.js';

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

export interface DicomServiceStackProps extends StackProps, StackSettings {}

/**
 * A private bucket (server access logs to a private log bucket), three HTTP Lambdas (upload,
 * header, export) behind an HTTP API whose routes come from the shared route table in
 * lib/http/routes.ts, every route but the public ones behind a JWT authorizer (a Cognito user
 * pool made here, or an external OIDC issuer), a throttled stage with JSON access logs, and the
 * upload processor: S3 ObjectCreated (uploads/) -> SQS queue (with a dead-letter queue) -> processor Lambda.
 */
export class DicomServiceStack extends Stack {
  readonly bucket: s3.Bucket;
  /** Where S3 writes the server access logs of `bucket`. */
  readonly accessLogBucket: s3.Bucket;
  readonly api: HttpApi;
  /** The API's `$default` stage: throttled, with access logs. */
  readonly stage: HttpStage;
  readonly apiAccessLogs: logs.LogGroup;
  readonly auth: ApiAuth;
  readonly functions: Record<FunctionName, NodejsFunction>;
  readonly processingQueue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: DicomServiceStackProps = {}) {
    super(scope, id, props);
    const config = resolveStackConfig(this, props);
    const destroy = config.removalPolicy === RemovalPolicy.DESTROY;

    this.accessLogBucket = new s3.Bucket(this, 'AccessLogBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // With the feature flag serverAccessLogsUseBucketPolicy, CDK lets the S3 logging service
      // write through the bucket policy (no ACLs, which BUCKET_OWNER_ENFORCED turns off).
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // S3 server access logs can only be delivered to a bucket encrypted with SSE-S3.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      lifecycleRules: [
        { id: 'ExpireAccessLogs', expiration: Duration.days(config.accessLogRetention) },
        { id: 'AbortIncompleteMultipartUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: config.removalPolicy,
      autoDeleteObjects: destroy,
    });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: false,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: ACCESS_LOG_PREFIX,
      // No origins configured, no CORS rule: browsers on other sites cannot use the URLs.
      cors:
        config.corsOrigins.length === 0
          ? undefined
          : [
              {
                // The browser PUTs the file to the presigned URL and may GET the rendered PNG.
                allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
                allowedOrigins: config.corsOrigins,
                // if-none-match: the upload URL signs it (write-once uploads), so the browser must send it.
                allowedHeaders: ['authorization', 'content-type', 'content-length', 'if-none-match'],
                exposedHeaders: ['etag'],
                maxAge: 3600,
              },
            ],
      lifecycleRules: [
        { id: 'ExpireRenders', prefix: PREFIXES.renders, expiration: Duration.days(config.renderExpirationDays) },
        // Retention of uploads (and their records and summaries): off unless configured.
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
      autoDeleteObjects: destroy,
    });

    this.auth = new ApiAuth(this, 'Auth', { settings: config.auth, removalPolicy: config.removalPolicy });

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
    // The HTTP functions read the caller's verified claims (API Gateway checked the token) and
    // derive the tenant from TENANT_CLAIM and the issuer; the processor takes it from the key.
    const httpEnvironment: Record<string, string> = {
      ...environment,
      AUTH_ISSUER: this.auth.issuer,
      AUTH_AUDIENCE: this.auth.audience.join(','),
      TENANT_CLAIM: config.tenantClaim,
    };

    const names = Object.keys(FUNCTION_ENTRIES) as FunctionName[];
    this.functions = Object.fromEntries(
      names.map((name) => [
        name,
        this.createFunction(name, {
          environment: (HTTP_FUNCTIONS as readonly string[]).includes(name) ? httpEnvironment : environment,
          retention: config.logRetention,
          // The export function is the expensive one (2 GiB, up to 29 s): its concurrency is capped.
          reservedConcurrency: name === 'export' ? config.exportReservedConcurrency : undefined,
        }),
      ]),
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
      // Every route needs a token unless it says otherwise (the public ones below).
      defaultAuthorizer: this.auth.authorizer,
      // API Gateway answers preflight requests itself, before any authorizer.
      corsPreflight:
        config.corsOrigins.length === 0
          ? undefined
          : {
              allowOrigins: config.corsOrigins,
              allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.DELETE, CorsHttpMethod.OPTIONS],
              allowHeaders: ['authorization', 'content-type', 'accept'],
              exposeHeaders: ['location'],
              maxAge: Duration.hours(1),
            },
      // The stage is made below, with throttling and access logs.
      createDefaultStage: false,
    });

    const integrations = Object.fromEntries(
      HTTP_FUNCTIONS.map((name) => [
        name,
        new HttpLambdaIntegration(`${pascal(name)}Integration`, this.functions[name], {
          payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
        }),
      ]),
    ) as Record<HttpFunctionName, HttpLambdaIntegration>;

    const routes = new Map<string, HttpRoute>();
    for (const route of ROUTES) {
      const [created] = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integrations[route.function],
        // Only the contract and its documentation page are open (lib/http/routes.ts marks them).
        ...(route.public ? { authorizer: new HttpNoneAuthorizer() } : {}),
      });
      routes.set(routeKey(route), created);
    }

    this.apiAccessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: config.accessLogRetention,
      removalPolicy: config.removalPolicy,
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: config.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.apiAccessLogs),
        format: AccessLogFormat.custom(JSON.stringify(API_ACCESS_LOG_FORMAT)),
      },
    });
    // A stricter limit on POST /files (each call signs an upload), as a route setting of the stage.
    const upload = uploadRoute();
    const cfnStage = this.stage.node.defaultChild as CfnStage;
    // RouteSettings is untyped JSON in the L1: CDK passes it through, so CloudFormation's own casing.
    cfnStage.routeSettings = {
      [routeKey(upload)]: { ThrottlingRateLimit: config.uploadThrottle.rateLimit, ThrottlingBurstLimit: config.uploadThrottle.burstLimit },
    };
    // Route settings name a route key that must exist when the stage is created or updated.
    cfnStage.node.addDependency(routes.get(routeKey(upload)) ?? this.api);

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'BucketName', { value: this.bucket.bucketName, description: `Bucket holding ${PREFIXES.uploads}, ${PREFIXES.renders} and ${PREFIXES.quarantine}` });
    new CfnOutput(this, 'AccessLogBucketName', { value: this.accessLogBucket.bucketName, description: 'S3 server access logs of the bucket' });
    new CfnOutput(this, 'AuthIssuer', { value: this.auth.issuer, description: 'Issuer (iss) of the tokens the API accepts' });
    if (this.auth.userPool && this.auth.userPoolClient) {
      new CfnOutput(this, 'UserPoolId', { value: this.auth.userPool.userPoolId, description: 'Cognito user pool of the API users' });
      new CfnOutput(this, 'UserPoolClientId', { value: this.auth.userPoolClient.userPoolClientId, description: 'App client to sign in with' });
    }
    new CfnOutput(this, 'ProcessingDeadLetterQueueUrl', {
      value: this.deadLetterQueue.queueUrl,
      description: 'Upload events the processor failed on after all retries',
    });
  }

  private createFunction(
    name: FunctionName,
    opts: { environment: Record<string, string>; retention: logs.RetentionDays; reservedConcurrency?: number },
  ) {
    const id = `${pascal(name)}Function`;
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: opts.retention,
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
      environment: opts.environment,
      logGroup,
      reservedConcurrentExecutions: opts.reservedConcurrency,
      bundling: bundlingOptions(name),
    });
  }
}

/** The prefix of the bucket's server access logs in the log bucket. */
export const ACCESS_LOG_PREFIX = 'bucket/';

/**
 * One JSON line per request. No caller identity: API Gateway cannot hash the `sub` claim, and
 * a raw subject would be personal data in the logs (the functions log a hashed caller instead).
 * No headers (never Authorization), no path (only the route), no query, no source IP.
 */
export const API_ACCESS_LOG_FORMAT = {
  time: '$context.requestTime',
  requestId: '$context.requestId',
  route: '$context.routeKey',
  status: '$context.status',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  bytes: '$context.responseLength',
  // Why a token was refused (a message from API Gateway, not the token).
  authorizerError: '$context.authorizer.error',
} as const;

const routeKey = (route: Pick<Route, 'method' | 'path'>): string => `${route.method} ${route.path}`;

/** POST /files, from the route table (throttled more strictly). */
export function uploadRoute(): Route {
  const route = ROUTES.find((r) => r.method === 'POST' && r.path === '/files');
  if (!route) throw new Error('ROUTES has no POST /files to throttle.');
  return route;
}

/** Least privilege from FUNCTION_S3_ACCESS: object actions on the listed key patterns, listing only under named prefixes. */
function grantS3Access(bucket: s3.IBucket, fn: lambda.IFunction, access: S3Access) {
  if (access.read.length > 0) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: access.read.map((prefix) => bucket.arnForObjects(prefix)),
      }),
    );
    // No unconditioned s3:ListBucket: it would let a function enumerate every tenant's files.
    // Without it S3 answers a GET/HEAD of a missing key with 403, not 404, which
    // lib/storage/s3-storage.ts must read as "absent" (see README, Deploy to AWS).
  }
  if (access.list && access.list.length > 0) {
    // Listing only under the named prefixes (DELETE /files/{id} finds a file's renders).
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': access.list } },
      }),
    );
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

const pascal = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

