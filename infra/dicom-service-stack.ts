import path from 'node:path';
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
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
import * as kms from 'aws-cdk-lib/aws-kms';
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
import { BUCKET_CORS_RULE } from '../lib/storage/bucket-cors.js';
import { PREFIXES, UPLOAD_NOTIFICATION_FILTER } from '../lib/storage/object-keys.js';
import { DEFAULT_LIMITS, type ServiceLimits } from '../lib/config.js';
import { ApiAuth } from './api-auth.js';
import { Monitoring } from './monitoring.js';
import { acknowledge } from './nag-checks.js';
import { METRICS_NAMESPACE, SERVICE_NAME } from './service-metrics.js';
import { PROCESSOR_MAX_CONCURRENCY, resolveStackConfig, type StackConfig, type StackSettings } from './stack-config.js';

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
  maxConcurrency: PROCESSOR_MAX_CONCURRENCY,
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
  /** The customer-managed key of the bucket and the log groups. */
  readonly dataKey: kms.Key;
  /**
   * The customer-managed key of the queues and the alarm topic. A second key because S3's right
   * to use the queue's key names the bucket, and the bucket names its own key: one key for both
   * would be a dependency cycle.
   */
  readonly messagingKey: kms.Key;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: DicomServiceStackProps = {}) {
    super(scope, id, props);
    const config = resolveStackConfig(this, props);
    const destroy = config.removalPolicy === RemovalPolicy.DESTROY;

    this.dataKey = this.createDataKey(config.removalPolicy);
    this.messagingKey = this.createMessagingKey(config.removalPolicy);

    this.accessLogBucket = new s3.Bucket(this, 'AccessLogBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // With the feature flag serverAccessLogsUseBucketPolicy, CDK lets the S3 logging service
      // write through the bucket policy (no ACLs, which BUCKET_OWNER_ENFORCED turns off).
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // S3 server access logs can only be delivered to a bucket encrypted with SSE-S3.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // An audit trail: an overwritten or deleted log object stays as a noncurrent version until
      // the logs' own retention has passed.
      versioned: true,
      lifecycleRules: [
        { id: 'ExpireAccessLogs', expiration: Duration.days(config.accessLogRetention) },
        { id: 'ExpireNoncurrentAccessLogs', noncurrentVersionExpiration: Duration.days(config.accessLogRetention), expiredObjectDeleteMarker: true },
        { id: 'AbortIncompleteMultipartUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: config.removalPolicy,
      autoDeleteObjects: destroy,
    });
    acknowledge(
      this.accessLogBucket,
      'S3 delivers server access logs only to a bucket with SSE-S3 default encryption (not SSE-KMS); the bucket is private, TLS-only and versioned, and holds request metadata, not images.',
      'HIPAA.Security-S3DefaultEncryptionKMS',
    );
    acknowledge(
      this.accessLogBucket,
      'No cross-region replication: where copies of a hospital\'s data (and its access logs) may live is the hospital\'s data-residency decision; the bucket is versioned. Add a replication rule to a bucket in an allowed region if the hospital wants one.',
      'HIPAA.Security-S3BucketReplicationEnabled',
    );

    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // SSE-KMS with the stack's key; the S3 bucket key cuts the KMS requests to about one per object and hour.
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.dataKey,
      bucketKeyEnabled: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // Versioned against accidental overwrite or deletion, but a deleted file's bytes must not
      // live on: noncurrent versions expire after noncurrentVersionExpirationDays (README, Deploy).
      versioned: true,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: ACCESS_LOG_PREFIX,
      // No origins configured, no CORS rule: browsers on other sites cannot use the URLs.
      cors:
        config.corsOrigins.length === 0
          ? undefined
          : [
              {
                // lib/storage/bucket-cors.ts: the one copy, also applied by local/provision.ts.
                allowedMethods: BUCKET_CORS_RULE.allowedMethods.map((m) => m as s3.HttpMethods),
                allowedOrigins: config.corsOrigins,
                allowedHeaders: [...BUCKET_CORS_RULE.allowedHeaders],
                exposedHeaders: [...BUCKET_CORS_RULE.exposedHeaders],
                maxAge: BUCKET_CORS_RULE.maxAgeSeconds,
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
        {
          // DELETE /files/{id} (and every expiry above) leaves a delete marker over a noncurrent
          // version: S3 removes that version this many days later, then the lone delete marker.
          id: 'ExpireNoncurrentVersions',
          noncurrentVersionExpiration: Duration.days(config.noncurrentVersionExpirationDays),
          expiredObjectDeleteMarker: true,
        },
        { id: 'AbortIncompleteMultipartUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: config.removalPolicy,
      autoDeleteObjects: destroy,
    });
    acknowledge(
      this.bucket,
      'No cross-region replication: a copy of patient images in another region is the hospital\'s data-residency decision, and a replica would also have to honour DELETE /files/{id}. The bucket is versioned (noncurrent versions kept noncurrentVersionExpirationDays).',
      'HIPAA.Security-S3BucketReplicationEnabled',
    );

    this.auth = new ApiAuth(this, 'Auth', { settings: config.auth, removalPolicy: config.removalPolicy });

    const environment: Record<string, string> = {
      BUCKET_NAME: this.bucket.bucketName,
      MAX_UPLOAD_BYTES: String(config.limits.maxUploadBytes),
      UPLOAD_URL_TTL_SECONDS: String(config.limits.uploadUrlTtlSeconds),
      RENDER_URL_TTL_SECONDS: String(config.limits.renderUrlTtlSeconds),
      MAX_DECODED_BYTES: String(config.limits.maxDecodedBytes),
      LOG_LEVEL: config.logLevel,
      // Powertools Logger, Metrics and Tracer: the names the dashboard reads (infra/service-metrics.ts).
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
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
      // Names only (comma-separated); the values are read at runtime from Parameter Store.
      ...(config.secretParameters.length > 0 ? { SECRET_PARAMETER_NAMES: config.secretParameters.join(',') } : {}),
    };

    const names = Object.keys(FUNCTION_ENTRIES) as FunctionName[];
    this.functions = Object.fromEntries(
      names.map((name) => [
        name,
        this.createFunction(name, {
          environment: (HTTP_FUNCTIONS as readonly string[]).includes(name) ? httpEnvironment : environment,
          retention: config.logRetention,
          // Every function is bounded; the export (2 GiB, up to 29 s) is the expensive one.
          reservedConcurrency: config.reservedConcurrency[name],
        }),
      ]),
    ) as Record<FunctionName, NodejsFunction>;

    for (const name of names) {
      grantS3Access(this.bucket, this.functions[name], FUNCTION_S3_ACCESS[name]);
      grantDataKey(this.dataKey, this.functions[name], FUNCTION_S3_ACCESS[name]);
    }
    for (const name of HTTP_FUNCTIONS) grantSecretParameters(this.functions[name], config);

    // Uploads are processed asynchronously: S3 -> SQS -> processor, with bounded retries.
    this.deadLetterQueue = new sqs.Queue(this, 'ProcessingDeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.messagingKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(PROCESSING.deadLetterRetentionDays),
    });
    this.processingQueue = new sqs.Queue(this, 'ProcessingQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.messagingKey,
      // Messages carry object keys only; the key is reused for a day of messages (fewer KMS calls).
      dataKeyReuse: Duration.hours(24),
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(PROCESSING.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: PROCESSING.maxReceiveCount },
    });
    this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(this.processingQueue), { ...UPLOAD_NOTIFICATION_FILTER });
    acknowledgeNotificationsHandler(this);
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
      if (route.public) {
        acknowledge(
          created,
          'Public by design (issue 11): the OpenAPI contract and its documentation page, static files with no patient data; every other route has the JWT authorizer.',
          'AwsSolutions-APIG4',
        );
      }
      routes.set(routeKey(route), created);
    }

    this.apiAccessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: config.accessLogRetention,
      encryptionKey: this.dataKey,
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

    this.monitoring = new Monitoring(this, 'Monitoring', {
      api: this.api,
      functions: this.functions,
      processingQueue: this.processingQueue,
      deadLetterQueue: this.deadLetterQueue,
      key: this.messagingKey,
      alarmEmail: config.alarmEmail,
      thresholds: config.alarms,
    });

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
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn, description: 'SNS topic of the alarms (subscribe more endpoints here)' });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName, description: 'CloudWatch dashboard of the service' });
  }

  /**
   * The customer-managed key, rotated yearly, of the bucket and the log groups. Its policy keeps
   * the account's default (IAM policies decide) and lets CloudWatch Logs use it for this account's
   * log groups only (an encryption-context condition).
   */
  private createDataKey(removalPolicy: RemovalPolicy): kms.Key {
    const key = new kms.Key(this, 'DataKey', {
      description: 'DICOM service: bucket and log groups',
      enableKeyRotation: true,
      removalPolicy,
      // 7 days, the shortest: only reached with removalPolicy=destroy.
      pendingWindow: Duration.days(7),
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsOfThisAccount',
        principals: [new iam.ServicePrincipal(`logs.${this.region}.${this.urlSuffix}`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': this.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }),
    );
    return key;
  }

  /**
   * The customer-managed key, rotated yearly, of the processing queues and the alarm topic. S3
   * gets its use for the upload notifications from s3n.SqsDestination (for this bucket only);
   * CloudWatch may use it to publish alarms to the encrypted topic.
   */
  private createMessagingKey(removalPolicy: RemovalPolicy): kms.Key {
    const key = new kms.Key(this, 'MessagingKey', {
      description: 'DICOM service: processing queues and alarm topic',
      enableKeyRotation: true,
      removalPolicy,
      pendingWindow: Duration.days(7),
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsToEncryptedTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    return key;
  }

  private createFunction(
    name: FunctionName,
    opts: { environment: Record<string, string>; retention: logs.RetentionDays; reservedConcurrency: number },
  ) {
    const id = `${pascal(name)}Function`;
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: opts.retention,
      encryptionKey: this.dataKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An own role instead of AWSLambdaBasicExecutionRole (logs:CreateLogGroup and writes to any
    // log group): the function may write to its own group only, which the stack creates.
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `The ${name} function of the DICOM service`,
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    acknowledge(
      role,
      'X-Ray tracing (Tracing.ACTIVE): xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level permissions in IAM, so their resource can only be "*" (these two actions, nothing else).',
      'AwsSolutions-IAM5[Resource::*]',
    );
    acknowledge(
      role,
      'The policy belongs to exactly this role, made for one function and deleted with it: AWS recommends inline policies for such a strict one-to-one relationship; a managed policy would only add an object that could be attached elsewhere.',
      'HIPAA.Security-IAMNoInlinePolicy',
    );
    const fn = new NodejsFunction(this, id, {
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
      role,
      reservedConcurrentExecutions: opts.reservedConcurrency,
      tracing: lambda.Tracing.ACTIVE,
      bundling: bundlingOptions(name),
    });
    acknowledge(
      fn,
      'nodejs22.x is the design\'s runtime: the code and its dependencies are tested on Node 20 and 22 (CI matrix), not on a newer major; moving the runtime is a tested change of its own.',
      'AwsSolutions-L1',
    );
    acknowledge(
      fn,
      'No VPC: the functions reach only S3, SQS, SSM and CloudWatch, over TLS through the public AWS endpoints, with IAM on every call; no database or private host. A VPC with gateway/interface endpoints is the option for an account whose policy requires it.',
      'HIPAA.Security-LambdaInsideVPC',
    );
    acknowledge(
      fn,
      name === 'processor'
        ? 'A Lambda DLQ applies to asynchronous invocations only; the processor is invoked by an SQS event source, whose queue moves a message to its own dead-letter queue after maxReceiveCount failures (alarmed).'
        : 'A Lambda DLQ applies to asynchronous invocations only; this HTTP function is invoked synchronously by API Gateway and a failure is the caller\'s 5xx (alarmed on its rate).',
      'HIPAA.Security-LambdaDLQ',
    );
    return fn;
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
function grantS3Access(bucket: s3.Bucket, fn: lambda.IFunction, access: S3Access) {
  // cdk-nag names each wildcard resource: Resource::<BucketLogicalId.Arn>/pattern.
  const bucketArn = `<${Stack.of(bucket).getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>`;
  const patterns = [...access.read, ...access.write, ...(access.tag ?? []), ...(access.delete ?? [])].filter((p) => p.includes('*'));
  if (!fn.role) throw new Error('A function without a role cannot be granted S3 access.');
  acknowledge(
    fn.role,
    'Object ARNs by key pattern: keys carry the tenant segment and the file id, known only per request; each pattern is one prefix (and suffix) of this bucket from FUNCTION_S3_ACCESS, with exact actions and no s3:* ' +
      '(listing only under an s3:prefix condition).',
    ...[...new Set(patterns)].map((p) => `AwsSolutions-IAM5[Resource::${bucketArn}/${p}]`),
  );
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

/**
 * The bucket is SSE-KMS: reading an object (or signing a GET) needs kms:Decrypt, writing one (or
 * signing the upload PUT) kms:GenerateDataKey, on the stack's key and only through S3. Functions
 * that never write get Decrypt only. (The processor's queue grant adds kms:Decrypt for SQS.)
 */
function grantDataKey(key: kms.IKey, fn: lambda.IFunction, access: S3Access) {
  const actions = access.write.length > 0 ? ['kms:Decrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt'];
  const stack = Stack.of(fn);
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions,
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.${stack.urlSuffix}` } },
    }),
  );
}

/**
 * Secrets by name: the HTTP functions get the parameter names (SECRET_PARAMETER_NAMES) and read
 * on exactly those parameters; with a customer-managed key for SecureString values, Decrypt on
 * that key only through SSM. The values never enter the template.
 */
function grantSecretParameters(fn: lambda.IFunction, config: Pick<StackConfig, 'secretParameters' | 'secretParametersKeyArn'>) {
  if (config.secretParameters.length === 0) return;
  const stack = Stack.of(fn);
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['ssm:GetParameter', 'ssm:GetParameters'],
      resources: config.secretParameters.map((name) => secretParameterArn(stack, name)),
    }),
  );
  if (config.secretParametersKeyArn) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [config.secretParametersKeyArn],
        conditions: { StringEquals: { 'kms:ViaService': `ssm.${stack.region}.${stack.urlSuffix}` } },
      }),
    );
  }
}

/** arn:…:ssm:<region>:<account>:parameter/<name> (a hierarchical name's leading / is not repeated). */
export const secretParameterArn = (stack: Stack, name: string): string =>
  stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: name.replace(/^\//, ''), arnFormat: ArnFormat.SLASH_RESOURCE_NAME });

/** CDK's own handler that sets the bucket notification at deploy time (one per stack). */
function acknowledgeNotificationsHandler(stack: Stack) {
  const handler = stack.node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
  if (!handler) throw new Error('No BucketNotificationsHandler: aws-cdk-lib changed how bucket notifications are set up.');
  acknowledge(
    handler,
    'CDK\'s built-in handler that writes the bucket\'s notification configuration during deployment (never invoked by the service, no access to objects); its role and code are aws-cdk-lib\'s and not configurable.',
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
  );
  const bucketNotifications = stack.node.findAll().find((c) => c.node.id === 'HandlerPolicy' && c.node.path.endsWith('/Notifications/HandlerPolicy'));
  if (bucketNotifications) {
    acknowledge(
      bucketNotifications,
      'CDK\'s built-in bucket-notification handler policy (s3:PutBucketNotification for this deployment step), attached to that handler\'s role only.',
      'HIPAA.Security-IAMNoInlinePolicy',
    );
  }
}

const pascal = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

