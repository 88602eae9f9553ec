import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { App, type CfnElement, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import {
  CODEC_WASM_FILES,
  CREDENTIAL_PROVIDER_STUBS,
  DECODING_FUNCTIONS,
  ESM_BANNER,
  FUNCTION_NODE_OPTIONS,
  bundlingOptions,
  functionEsbuildOptions,
} from '../../infra/bundling.js';
import { TOKEN_VALIDITY } from '../../infra/api-auth.js';
import {
  ACCESS_LOG_PREFIX,
  API_ACCESS_LOG_FORMAT,
  DicomServiceStack,
  FUNCTION_SIZING,
  PROCESSING,
  PROJECT_ROOT,
  uploadRoute,
  type DicomServiceStackProps,
} from '../../infra/dicom-service-stack.js';
import { MAX_PRESIGNED_URL_TTL_SECONDS, STACK_DEFAULTS } from '../../infra/stack-config.js';
import { DOCS_ASSET_FILES, DOCS_ASSETS } from '../../lib/http/docs-assets.js';
import { FUNCTION_ENTRIES, FUNCTION_S3_ACCESS, HTTP_FUNCTIONS, ROUTES, type FunctionName } from '../../lib/http/routes.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const NAMES = Object.keys(FUNCTION_ENTRIES) as FunctionName[];

/** cdk.json's context (feature flags, defaults), so tests synthesise what `cdk synth` does. */
const CDK_CONTEXT: Json = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')).context;

/** Synthesises without bundling (fast): assets are not built, the template is complete. */
function synth(context: Json = {}, props: DicomServiceStackProps = {}) {
  const app = new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new DicomServiceStack(app, 'Test', props);
  return { stack, template: Template.fromStack(stack) };
}

const logicalId = (stack: Stack, construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as CfnElement);

/** Intrinsics as readable strings: {"Fn::GetAtt":["Bucket","Arn"]} -> "Bucket.Arn", Fn::Join concatenated. */
function show(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Json;
  if (v?.Ref) return `${v.Ref}`;
  if (v?.['Fn::GetAtt']) return v['Fn::GetAtt'].join('.');
  if (v?.['Fn::Join']) return v['Fn::Join'][1].map(show).join(v['Fn::Join'][0]);
  return JSON.stringify(value);
}

const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/** The statements of every inline policy attached to a function's role. */
function roleStatements(stack: DicomServiceStack, template: Template, name: FunctionName): Json[] {
  const role = stack.getLogicalId(stack.functions[name].role!.node.defaultChild as CfnElement);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => asArray<Json>(p.Properties.Roles).some((r) => r.Ref === role))
    .flatMap((p) => asArray<Json>(p.Properties.PolicyDocument.Statement));
}

/** S3 actions and resources (as strings) a role is allowed. */
function s3Grants(statements: Json[]): { action: string; resource: string }[] {
  return statements
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) =>
      asArray<string>(s.Action)
        .filter((a) => a.startsWith('s3:'))
        .flatMap((action) => asArray(s.Resource).map((r) => ({ action, resource: show(r) }))),
    );
}

/** Every setting of issue 11 away from its default, in one synthesis (each costs seconds). */
const CUSTOM_CONTEXT = {
  corsOrigins: 'https://viewer.example.org',
  authIssuer: 'https://login.hospital.example/realms/pacs',
  authAudience: 'dicom-api, viewer',
  tenantClaim: 'org',
  throttleRateLimit: '200',
  throttleBurstLimit: '400',
  uploadThrottleRateLimit: '20',
  uploadThrottleBurstLimit: '40',
  accessLogRetentionDays: '180',
  uploadExpirationDays: '365',
  uploadUrlTtlSeconds: '300',
  renderUrlTtlSeconds: '60',
  exportReservedConcurrency: '3',
};

describe('DicomServiceStack', () => {
  const { stack, template } = synth();
  const custom = synth(CUSTOM_CONTEXT);
  const resourceOf = (s: Stack, t: Template, construct: { node: { defaultChild?: unknown } }): Json => t.toJSON().Resources[logicalId(s, construct)];
  const bucketId = stack.getLogicalId(stack.bucket.node.defaultChild as CfnElement);
  const objects = (prefix: string) => `${bucketId}.Arn/${prefix}`;

  /** Our functions' resources; CDK adds one more, the handler that configures bucket notifications. */
  const ourFunctions = () => NAMES.map((name) => template.toJSON().Resources[logicalId(stack, stack.functions[name])]);

  describe('functions', () => {
    it('are exactly four (three HTTP + the processor), on nodejs22.x, arm64, with their memory and timeout', () => {
      expect(NAMES.sort()).toEqual(['export', 'header', 'processor', 'upload']);
      const all = Object.keys(template.findResources('AWS::Lambda::Function'));
      const ours = NAMES.map((name) => logicalId(stack, stack.functions[name]));
      expect(all.filter((id) => !ours.includes(id)).map((id) => id.replace(/[0-9A-F]{8}$/, ''))).toEqual(['BucketNotificationsHandler050a0587b7544547bf325f094a3db834']);
      for (const name of NAMES) {
        const fn = template.toJSON().Resources[logicalId(stack, stack.functions[name])];
        expect(fn.Properties, name).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          MemorySize: FUNCTION_SIZING[name].memoryMb,
          Timeout: FUNCTION_SIZING[name].timeoutSeconds,
        });
      }
      expect(FUNCTION_SIZING).toEqual({
        upload: { memoryMb: 256, timeoutSeconds: 10 },
        header: { memoryMb: 512, timeoutSeconds: 15 },
        export: { memoryMb: 2048, timeoutSeconds: 29 },
        processor: { memoryMb: 2048, timeoutSeconds: 60 },
      });
    });

    it('get the bucket and the service limits in their environment', () => {
      for (const fn of ourFunctions()) expect(fn.Properties).toMatchObject({
        Environment: {
          Variables: {
            BUCKET_NAME: { Ref: bucketId },
            MAX_UPLOAD_BYTES: '10485760',
            UPLOAD_URL_TTL_SECONDS: '900',
            RENDER_URL_TTL_SECONDS: '300',
            MAX_DECODED_BYTES: '268435456',
            LOG_LEVEL: 'info',
          },
        },
      });
    });

    it('log to groups with a retention', () => {
      // Four function log groups and the API's access logs (tested under "HTTP API").
      template.resourceCountIs('AWS::Logs::LogGroup', 5);
      for (const fn of ourFunctions()) {
        expect(fn.Properties.LoggingConfig.LogGroup.Ref).toMatch(/FunctionLogs/);
        expect(template.toJSON().Resources[fn.Properties.LoggingConfig.LogGroup.Ref].Properties.RetentionInDays).toBe(30);
      }
    });

    it('each have a reserved concurrency (upload 10, header 20, export 10, processor 10 by default; from context)', () => {
      const defaults = { upload: 10, header: 20, export: 10, processor: 10 };
      for (const name of NAMES) {
        const fn = template.toJSON().Resources[logicalId(stack, stack.functions[name])];
        expect(fn.Properties.ReservedConcurrentExecutions, name).toBe(defaults[name]);
        expect(STACK_DEFAULTS[`${name}ReservedConcurrency`], name).toBe(defaults[name]);
      }
      expect(resourceOf(custom.stack, custom.template, custom.stack.functions.export).Properties.ReservedConcurrentExecutions).toBe(3);
      const s = synth({ uploadReservedConcurrency: '4', headerReservedConcurrency: '6', processorReservedConcurrency: '15' });
      expect(NAMES.map((n) => resourceOf(s.stack, s.template, s.stack.functions[n]).Properties.ReservedConcurrentExecutions)).toEqual(
        NAMES.map((n) => ({ upload: 4, header: 6, export: 10, processor: 15 })[n]),
      );
      // The queue's event source runs up to PROCESSING.maxConcurrency processors: a smaller reserve would throttle them.
      expect(() => synth({ processorReservedConcurrency: String(PROCESSING.maxConcurrency - 1) })).toThrow(/processorReservedConcurrency/);
      expect(() => synth({ headerReservedConcurrency: '0' })).toThrow(/headerReservedConcurrency/);
    });

    it('are traced by X-Ray (active), with only the two X-Ray write actions granted for it', () => {
      for (const name of NAMES) {
        expect(resourceOf(stack, template, stack.functions[name]).Properties.TracingConfig, name).toEqual({ Mode: 'Active' });
        const xray = roleStatements(stack, template, name).filter((st) => asArray<string>(st.Action).some((a) => a.startsWith('xray:')));
        expect(xray, name).toEqual([expect.objectContaining({ Effect: 'Allow', Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: '*' })]);
      }
    });

    it('have their own roles: no AWS managed policy, logs written only to their own log group', () => {
      for (const name of NAMES) {
        const role = resourceOf(stack, template, stack.functions[name].role as never).Properties;
        expect(role.ManagedPolicyArns, name).toBeUndefined();
        expect(role.AssumeRolePolicyDocument.Statement, name).toEqual([
          expect.objectContaining({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }),
        ]);
        const logGroupId = resourceOf(stack, template, stack.functions[name]).Properties.LoggingConfig.LogGroup.Ref;
        const logs = roleStatements(stack, template, name).filter((st) => asArray<string>(st.Action).some((a) => a.startsWith('logs:')));
        expect(logs, name).toEqual([
          expect.objectContaining({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] } }),
        ]);
      }
    });

    it('HTTP functions get the issuer, audience and tenant claim of the authorizer; the processor does not', () => {
      const authorizer = Object.values(template.findResources('AWS::ApiGatewayV2::Authorizer'))[0].Properties.JwtConfiguration;
      for (const name of HTTP_FUNCTIONS) {
        const vars = template.toJSON().Resources[logicalId(stack, stack.functions[name])].Properties.Environment.Variables;
        expect(vars.AUTH_ISSUER, name).toEqual(authorizer.Issuer);
        expect(vars.AUTH_AUDIENCE, name).toEqual(authorizer.Audience[0]);
        expect(vars.TENANT_CLAIM, name).toBe('sub');
      }
      const processor = template.toJSON().Resources[logicalId(stack, stack.functions.processor)].Properties.Environment.Variables;
      expect(Object.keys(processor).filter((k) => /^(AUTH_|TENANT_)/.test(k))).toEqual([]);
    });
  });

  describe('bundling', () => {
    it('is ESM for node22, minified, module-first main fields, unlinked source maps, the credential stand-ins aliased', () => {
      for (const name of NAMES) {
        expect(bundlingOptions(name), name).toMatchObject({
          format: 'esm',
          target: 'node22',
          mainFields: ['module', 'main'],
          minify: true,
          sourceMap: true,
          sourceMapMode: 'external',
          sourcesContent: false,
          externalModules: [],
          banner: ESM_BANNER,
          esbuildArgs: Object.fromEntries(Object.entries(CREDENTIAL_PROVIDER_STUBS).map(([from, to]) => [`--alias:${from}`, to])),
        });
      }
      // Maps beside the bundles, not linked and not enabled: Node would parse them at every cold start.
      expect(FUNCTION_NODE_OPTIONS).toBe('');
      for (const fn of ourFunctions()) expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBeUndefined();
    });
  });

  describe('HTTP API', () => {
    it('has one route per entry of ROUTES, RouteKey "METHOD /path", and no other', () => {
      template.resourceCountIs('AWS::ApiGatewayV2::Route', ROUTES.length);
      for (const route of ROUTES) {
        template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: `${route.method} ${route.path}` });
      }
    });

    it('sends each route to the function the table names, with payload format 2.0', () => {
      const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
      const fnOfIntegration = Object.fromEntries(
        Object.entries(integrations).map(([id, r]) => [id, r.Properties.IntegrationUri['Fn::GetAtt'][0] as string]),
      );
      for (const r of Object.values(integrations)) {
        expect(r.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
      }
      const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
      for (const route of ROUTES) {
        const cfn = routes.find((r) => r.Properties.RouteKey === `${route.method} ${route.path}`)!;
        const integration = show(cfn.Properties.Target).replace(/^integrations\//, '');
        expect(fnOfIntegration[integration], `${route.method} ${route.path}`).toBe(logicalId(stack, stack.functions[route.function]));
      }
    });

    it('lets API Gateway invoke each HTTP function, and not the processor', () => {
      expect([...new Set(ROUTES.map((r) => r.function))].sort()).toEqual([...HTTP_FUNCTIONS].sort());
      for (const name of HTTP_FUNCTIONS) {
        template.hasResourceProperties('AWS::Lambda::Permission', {
          Action: 'lambda:InvokeFunction',
          Principal: 'apigateway.amazonaws.com',
          FunctionName: { 'Fn::GetAtt': [logicalId(stack, stack.functions[name]), 'Arn'] },
        });
      }
      const processor = logicalId(stack, stack.functions.processor);
      const permissions = Object.values(template.findResources('AWS::Lambda::Permission'));
      expect(permissions.filter((p) => show(p.Properties.FunctionName).startsWith(processor))).toEqual([]);
      expect(Object.keys(template.findResources('AWS::ApiGatewayV2::Integration'))).toHaveLength(HTTP_FUNCTIONS.length);
    });

    it('has no CORS unless origins are configured, then answers preflight for them with authorization allowed', () => {
      const [api] = Object.values(template.findResources('AWS::ApiGatewayV2::Api'));
      expect(api.Properties.ProtocolType).toBe('HTTP');
      expect(api.Properties.CorsConfiguration).toBeUndefined();
      const t = custom.template;
      t.hasResourceProperties('AWS::ApiGatewayV2::Api', {
        ProtocolType: 'HTTP',
        CorsConfiguration: {
          AllowOrigins: ['https://viewer.example.org'],
          AllowMethods: Match.arrayWith(['GET', 'POST', 'OPTIONS']),
          AllowHeaders: Match.arrayWith(['authorization', 'content-type', 'accept']),
        },
      });
      expect(JSON.stringify(t.findResources('AWS::ApiGatewayV2::Api'))).not.toContain('"*"');
    });

    it('outputs ApiUrl and BucketName', () => {
      const outputs = template.toJSON().Outputs;
      expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['ApiUrl', 'BucketName']));
      expect(outputs.BucketName.Value).toEqual({ Ref: bucketId });
    });
  });

  describe('bucket', () => {
    const bucket = () => template.toJSON().Resources[bucketId];

    it('blocks public access, encrypts with the customer-managed key (bucket key on), is versioned and retained', () => {
      expect(bucket().Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket().Properties.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [
          {
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [logicalId(stack, stack.dataKey), 'Arn'] } },
            BucketKeyEnabled: true,
          },
        ],
      });
      expect(bucket().Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(bucket().DeletionPolicy).toBe('Retain');
      expect(bucket().UpdateReplacePolicy).toBe('Retain');
    });

    it('has a policy denying requests without TLS', () => {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucketId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    it('has no CORS by default; with origins, allows browser PUT and GET with the signed headers and authorization', () => {
      expect(bucket().Properties.CorsConfiguration).toBeUndefined();
      const [rule, ...more] = resourceOf(custom.stack, custom.template, custom.stack.bucket).Properties.CorsConfiguration.CorsRules;
      expect(more).toEqual([]);
      expect(rule.AllowedMethods).toEqual(expect.arrayContaining(['PUT', 'GET']));
      expect(rule.AllowedHeaders).toEqual(expect.arrayContaining(['authorization', 'content-type', 'content-length', 'if-none-match']));
      expect(rule.AllowedOrigins).toEqual(['https://viewer.example.org']);
    });

    it('expires renders/ after 30 days and aborts incomplete multipart uploads', () => {
      const rules: Json[] = bucket().Properties.LifecycleConfiguration.Rules;
      expect(rules).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Prefix: 'renders/', ExpirationInDays: 30, Status: 'Enabled' }),
          expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }),
        ]),
      );
      // Uploads are kept unless uploadExpirationDays is set; only unused request records expire.
      expect(rules.filter((r) => r.Prefix === 'uploads/')).toEqual([
        expect.objectContaining({
          Id: 'ExpireUnconfirmedUploads',
          TagFilters: [{ Key: 'upload-state', Value: 'awaiting' }],
          ExpirationInDays: 7,
          Status: 'Enabled',
        }),
      ]);
    });

    it('removes noncurrent versions (what DELETE and every expiry leave) after 1 day, or noncurrentVersionExpirationDays', () => {
      const noncurrent = (rules: Json[]) => rules.filter((r) => r.NoncurrentVersionExpiration || r.NoncurrentVersionExpirationInDays);
      // One rule for the whole bucket (no prefix, no tag): every key's old versions go.
      expect(noncurrent(bucket().Properties.LifecycleConfiguration.Rules)).toEqual([
        { Id: 'ExpireNoncurrentVersions', NoncurrentVersionExpiration: { NoncurrentDays: 1 }, ExpiredObjectDeleteMarker: true, Status: 'Enabled' },
      ]);
      expect(STACK_DEFAULTS.noncurrentVersionExpirationDays).toBe(1);
      const s = synth({ noncurrentVersionExpirationDays: '3' });
      expect(noncurrent(resourceOf(s.stack, s.template, s.stack.bucket).Properties.LifecycleConfiguration.Rules)).toEqual([
        expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 3 } }),
      ]);
      expect(() => synth({ noncurrentVersionExpirationDays: '0' })).toThrow(/noncurrentVersionExpirationDays/);
    });

    it('expires unused upload requests after 7 days and quarantined uploads after 30', () => {
      const rules: Json[] = bucket().Properties.LifecycleConfiguration.Rules;
      expect(rules).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Id: 'ExpireUnconfirmedUploads', Prefix: 'uploads/', ExpirationInDays: 7 }),
          expect.objectContaining({ Id: 'ExpireQuarantine', Prefix: 'quarantine/', ExpirationInDays: 30 }),
        ]),
      );
    });
  });

  describe('upload processing', () => {
    const queueId = () => stack.getLogicalId(stack.processingQueue.node.defaultChild as CfnElement);
    const dlqId = () => stack.getLogicalId(stack.deadLetterQueue.node.defaultChild as CfnElement);

    it('has a queue with a dead-letter queue, bounded retries and a visibility timeout of 6x the function timeout', () => {
      template.resourceCountIs('AWS::SQS::Queue', 2);
      const queue = template.toJSON().Resources[queueId()].Properties;
      expect(queue).toMatchObject({
        VisibilityTimeout: 6 * FUNCTION_SIZING.processor.timeoutSeconds,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId(), 'Arn'] }, maxReceiveCount: 3 },
      });
      expect(PROCESSING.maxReceiveCount).toBe(3);
      expect(template.toJSON().Resources[dlqId()].Properties).toMatchObject({ MessageRetentionPeriod: 14 * 24 * 3600 });
    });

    it('encrypts both queues with the customer-managed messaging key, lets S3 (this bucket) send, and refuses non-TLS access', () => {
      const keyArn = { 'Fn::GetAtt': [logicalId(stack, stack.messagingKey), 'Arn'] };
      for (const id of [queueId(), dlqId()]) {
        expect(template.toJSON().Resources[id].Properties.KmsMasterKeyId, id).toEqual(keyArn);
        expect(template.toJSON().Resources[id].Properties.SqsManagedSseEnabled, id).toBeUndefined();
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: id }],
          PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
        });
      }
      const keyPolicy: Json[] = resourceOf(stack, template, stack.messagingKey).Properties.KeyPolicy.Statement;
      expect(keyPolicy).toEqual(expect.arrayContaining([expect.objectContaining({ Principal: { Service: 's3.amazonaws.com' }, Action: expect.arrayContaining(['kms:GenerateDataKey*']) })]));
    });

    it('sends ObjectCreated events of uploads/*.dcm, and nothing else, to the queue', () => {
      template.resourceCountIs('Custom::S3BucketNotifications', 1);
      const [notifications] = Object.values(template.findResources('Custom::S3BucketNotifications'));
      expect(notifications.Properties.BucketName).toEqual({ Ref: bucketId });
      const configs: Json[] = notifications.Properties.NotificationConfiguration.QueueConfigurations;
      expect(configs).toHaveLength(1);
      expect(configs[0].Events).toEqual(['s3:ObjectCreated:*']);
      expect(configs[0].QueueArn).toEqual({ 'Fn::GetAtt': [queueId(), 'Arn'] });
      expect(configs[0].Filter.Key.FilterRules).toEqual(
        expect.arrayContaining([
          { Name: 'prefix', Value: 'uploads/' },
          { Name: 'suffix', Value: '.dcm' },
        ]),
      );
      expect(configs[0].Filter.Key.FilterRules).toHaveLength(2);
      expect(notifications.Properties.NotificationConfiguration.LambdaFunctionConfigurations).toBeUndefined();
      // Only S3, from this bucket, may send to the queue.
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId() }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 's3.amazonaws.com' },
              Action: Match.arrayWith(['sqs:SendMessage']),
              Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [bucketId, 'Arn'] } } },
            }),
          ]),
        },
      });
    });

    it('feeds the processor from the queue, reporting batch item failures', () => {
      template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [queueId(), 'Arn'] },
        FunctionName: { Ref: logicalId(stack, stack.functions.processor) },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BatchSize: PROCESSING.batchSize,
        ScalingConfig: { MaximumConcurrency: PROCESSING.maxConcurrency },
      });
      const sqsActions = roleStatements(stack, template, 'processor')
        .filter((st) => asArray<string>(st.Action).some((a) => a.startsWith('sqs:')))
        .flatMap((st) => asArray<string>(st.Action));
      expect(sqsActions).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']));
      for (const name of HTTP_FUNCTIONS) {
        const st = roleStatements(stack, template, name);
        expect(st.flatMap((x) => asArray<string>(x.Action)).filter((a) => a.startsWith('sqs:')), name).toEqual([]);
      }
    });

    it('outputs the dead-letter queue URL', () => {
      expect(template.toJSON().Outputs.ProcessingDeadLetterQueueUrl.Value).toEqual({ Ref: dlqId() });
    });
  });

  describe('least privilege', () => {
    const grants = (name: FunctionName) => s3Grants(roleStatements(stack, template, name));

    it('gives no function a wildcard action, and delete only to the processor and upload (DELETE /files/{id})', () => {
      const deletable = [objects('uploads/*'), objects('renders/*'), objects('quarantine/*')].sort();
      for (const name of NAMES) {
        const g = grants(name);
        for (const { action } of g) expect(action, name).not.toMatch(/\*/);
        const deletes = g.filter((x) => /Delete/.test(x.action));
        for (const d of deletes) expect(d.action, name).toBe('s3:DeleteObject');
        expect(deletes.map((x) => x.resource).sort(), name).toEqual(name === 'processor' || name === 'upload' ? deletable : []);
      }
    });

    it('processor: reads uploads/ and renders/; writes summaries, renders and quarantine; re-tags requests; deletes uploads', () => {
      const g = grants('processor');
      const of = (action: string) => g.filter((x) => x.action === action).map((x) => x.resource).sort();
      expect(of('s3:GetObject')).toEqual([objects('renders/*'), objects('uploads/*')].sort());
      expect(of('s3:PutObject')).toEqual([objects('quarantine/*'), objects('renders/*'), objects('uploads/*.summary.json')].sort());
      expect(of('s3:PutObjectTagging')).toEqual([objects('uploads/*.json')]);
      expect(of('s3:DeleteObject')).toEqual([objects('quarantine/*'), objects('renders/*'), objects('uploads/*')].sort());
    });

    it('header: reads uploads/ only and cannot put', () => {
      const g = grants('header');
      expect(g.filter((x) => /^s3:Put/.test(x.action))).toEqual([]);
      expect(g.filter((x) => x.action === 's3:GetObject').map((x) => x.resource)).toEqual([objects('uploads/*')]);
    });

    it('export: reads uploads/ and renders/, puts only under renders/', () => {
      const g = grants('export');
      expect(g.filter((x) => /^s3:Put/.test(x.action)).map((x) => x.resource)).toEqual([objects('renders/*')]);
      expect(g.filter((x) => x.action === 's3:GetObject').map((x) => x.resource).sort()).toEqual(
        [objects('renders/*'), objects('uploads/*')].sort(),
      );
    });

    it('upload: puts (presigns) and reads under uploads/ only, and tags request records', () => {
      const g = grants('upload');
      expect(g.filter((x) => x.action === 's3:PutObject').map((x) => x.resource)).toEqual([objects('uploads/*')]);
      expect(g.filter((x) => x.action === 's3:PutObjectTagging').map((x) => x.resource)).toEqual([objects('uploads/*.json')]);
      // And the quarantine copy: DELETE /files/{id} looks for it.
      expect(g.filter((x) => x.action === 's3:GetObject').map((x) => x.resource).sort()).toEqual([objects('quarantine/*'), objects('uploads/*')].sort());
    });

    it('follows FUNCTION_S3_ACCESS: object actions, and listing only under its prefixes (an s3:prefix condition)', () => {
      for (const name of NAMES) {
        const access = FUNCTION_S3_ACCESS[name];
        const listing = roleStatements(stack, template, name).filter((st) => st.Effect === 'Allow' && asArray<string>(st.Action).some((a) => /^s3:List/.test(a)));
        expect(listing.map((st) => st.Condition), name).toEqual(access.list ? [{ StringLike: { 's3:prefix': access.list } }] : []);
        for (const st of listing) expect(asArray<string>(st.Action), name).toEqual(['s3:ListBucket']);
        const g = grants(name).filter((x) => x.action !== 's3:ListBucket');
        for (const { action, resource } of g) {
          const allowed = {
            's3:GetObject': access.read,
            's3:PutObject': access.write,
            's3:PutObjectTagging': access.tag ?? [],
            's3:DeleteObject': access.delete ?? [],
          }[action];
          expect(allowed, `${name} ${action}`).toBeDefined();
          expect(allowed!.map(objects), `${name} ${action}`).toContain(resource);
        }
      }
    });

    it('grants no s3:ListBucket anywhere without an s3:prefix condition', () => {
      const documents = (t: Template, withBucketPolicies: boolean): Json[] => [
        ...Object.values(t.findResources('AWS::IAM::Policy')).map((p) => p.Properties.PolicyDocument),
        ...Object.values(t.findResources('AWS::IAM::Role')).flatMap((r) => asArray<Json>(r.Properties.Policies).map((p) => p.PolicyDocument)),
        ...(withBucketPolicies ? Object.values(t.findResources('AWS::S3::BucketPolicy')).map((p) => p.Properties.PolicyDocument) : []),
      ];
      // With removalPolicy=destroy CDK's auto-delete handler may list the buckets (its grant is in
      // their bucket policies, for emptying them on deletion): identity policies are checked there.
      for (const docs of [documents(template, true), documents(synth({ removalPolicy: 'destroy' }).template, false)]) {
        const statements = docs.flatMap((d) => asArray<Json>(d.Statement));
        expect(statements.length).toBeGreaterThan(0);
        const listing = statements.filter(
          (st) => st.Effect === 'Allow' && asArray<string>(st.Action).some((a) => ['s3:ListBucket', 's3:List*', 's3:*', '*'].includes(a)),
        );
        for (const st of listing) expect(Object.values(st.Condition ?? {}).some((c) => 's3:prefix' in (c as Json)), JSON.stringify(st)).toBe(true);
      }
    });
  });

  describe('customer-managed keys', () => {
    const keyId = (k: 'dataKey' | 'messagingKey') => logicalId(stack, stack[k]);
    const kmsStatements = (name: FunctionName) =>
      roleStatements(stack, template, name).filter((st) => asArray<string>(st.Action).some((a) => a.startsWith('kms:')));

    it('are two, rotated, retained with the data (destroyed only with removalPolicy=destroy)', () => {
      template.resourceCountIs('AWS::KMS::Key', 2);
      for (const k of ['dataKey', 'messagingKey'] as const) {
        const key = template.toJSON().Resources[keyId(k)];
        expect(key.Properties.EnableKeyRotation, k).toBe(true);
        expect(key.DeletionPolicy, k).toBe('Retain');
      }
    });

    it('encrypt every log group, and let CloudWatch Logs use the data key for this account\'s log groups only', () => {
      const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
      expect(groups).toHaveLength(5);
      for (const g of groups) expect(g.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [keyId('dataKey'), 'Arn'] });
      const statement = (template.toJSON().Resources[keyId('dataKey')].Properties.KeyPolicy.Statement as Json[]).find((st) => st.Sid === 'CloudWatchLogsOfThisAccount')!;
      expect(show(statement.Principal.Service)).toBe('logs.AWS::Region.AWS::URLSuffix');
      expect(show(statement.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn'])).toBe('arn:AWS::Partition:logs:AWS::Region:AWS::AccountId:log-group:*');
    });

    it('functions: kms:Decrypt (and GenerateDataKey where they write) on the data key through S3 only; the processor Decrypt on the messaging key', () => {
      const viaS3 = { StringEquals: { 'kms:ViaService': expect.anything() } };
      const writes = { upload: true, header: false, export: true, processor: true };
      for (const name of NAMES) {
        const st = kmsStatements(name);
        const onData = st.filter((x) => show(x.Resource) === `${keyId('dataKey')}.Arn`);
        expect(onData, name).toEqual([expect.objectContaining({ Action: writes[name] ? ['kms:Decrypt', 'kms:GenerateDataKey'] : 'kms:Decrypt', Condition: viaS3 })]);
        expect(show(onData[0].Condition.StringEquals['kms:ViaService']), name).toBe('s3.AWS::Region.AWS::URLSuffix');
        const rest = st.filter((x) => !onData.includes(x));
        // SQS event source: the processor decrypts the queue's messages, nothing else.
        expect(rest, name).toEqual(name === 'processor' ? [expect.objectContaining({ Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [keyId('messagingKey'), 'Arn'] } })] : []);
      }
    });
  });

  describe('secrets by name (SSM Parameter Store)', () => {
    const names = ['/dicom/oidc/client-id', '/dicom/oidc/client-secret'];
    const withSecrets = synth({ secretParameters: names.join(','), secretParametersKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' });
    const ssmStatements = (s: DicomServiceStack, t: Template, name: FunctionName) =>
      roleStatements(s, t, name).filter((st) => asArray<string>(st.Action).some((a) => a.startsWith('ssm:')));

    it('none by default: no SSM grant, no SECRET_PARAMETER_NAMES', () => {
      for (const name of NAMES) {
        expect(ssmStatements(stack, template, name), name).toEqual([]);
        expect(resourceOf(stack, template, stack.functions[name]).Properties.Environment.Variables.SECRET_PARAMETER_NAMES, name).toBeUndefined();
      }
    });

    it('the HTTP functions get the names and ssm:GetParameter(s) on exactly those parameter ARNs; the processor nothing', () => {
      for (const name of NAMES) {
        const vars = resourceOf(withSecrets.stack, withSecrets.template, withSecrets.stack.functions[name]).Properties.Environment.Variables;
        const st = ssmStatements(withSecrets.stack, withSecrets.template, name);
        if (name === 'processor') {
          expect(vars.SECRET_PARAMETER_NAMES).toBeUndefined();
          expect(st).toEqual([]);
          continue;
        }
        expect(vars.SECRET_PARAMETER_NAMES, name).toBe(names.join(','));
        expect(st, name).toHaveLength(1);
        expect(st[0].Action, name).toEqual(['ssm:GetParameter', 'ssm:GetParameters']);
        expect(asArray(st[0].Resource).map(show), name).toEqual(names.map((n) => `arn:AWS::Partition:ssm:AWS::Region:AWS::AccountId:parameter${n}`));
        const decrypt = roleStatements(withSecrets.stack, withSecrets.template, name).filter((x) => x.Resource === 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab');
        expect(decrypt, name).toEqual([expect.objectContaining({ Action: 'kms:Decrypt' })]);
        expect(show(decrypt[0].Condition.StringEquals['kms:ViaService'])).toBe('ssm.AWS::Region.AWS::URLSuffix');
      }
    });

    it('puts no value in the template: no parameter resource, no dynamic reference; the names appear only in the environment and the grant', () => {
      const json = JSON.stringify(withSecrets.template.toJSON());
      expect(Object.keys(withSecrets.template.findResources('AWS::SSM::Parameter'))).toEqual([]);
      expect(json).not.toMatch(/resolve:(ssm|ssm-secure|secretsmanager):/);
      // Each name: once per HTTP function's environment (in the joined list) and once per grant.
      for (const n of names) expect(json.split(n).length - 1, n).toBe(2 * HTTP_FUNCTIONS.length);
    });

    it('refuses names that are not exact SSM parameter names (wildcards, aws/ssm prefixes, spaces)', () => {
      for (const bad of ['/dicom/*', 'aws/reserved', '/ssm/x', 'has space', '/dicom//x']) expect(() => synth({ secretParameters: bad }), bad).toThrow(/secretParameters/);
      expect(() => synth({ secretParametersKeyArn: 'alias/aws/ssm' })).toThrow(/secretParametersKeyArn/);
    });
  });

  describe('authorization', () => {
    const authorizers = (t: Template) => Object.entries(t.findResources('AWS::ApiGatewayV2::Authorizer'));

    it('puts the JWT authorizer on every route of ROUTES but the public ones (contract and docs)', () => {
      expect(ROUTES.filter((r) => r.public).map((r) => `${r.method} ${r.path}`).sort()).toEqual(['GET /docs', 'GET /docs/{asset}', 'GET /openapi']);
      for (const t of [template, custom.template]) {
        const [[authorizerId]] = authorizers(t);
        const routes = Object.values(t.findResources('AWS::ApiGatewayV2::Route'));
        for (const route of ROUTES) {
          const cfn = routes.find((r) => r.Properties.RouteKey === `${route.method} ${route.path}`)!.Properties;
          if (route.public) {
            expect(cfn.AuthorizationType, `${route.method} ${route.path}`).toBe('NONE');
            expect(cfn.AuthorizerId).toBeUndefined();
          } else {
            expect(cfn, `${route.method} ${route.path}`).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } });
          }
        }
      }
    });

    it('by default: the issuer and audience of the Cognito user pool and app client the stack creates', () => {
      const found = authorizers(template);
      expect(found).toHaveLength(1);
      const [, authorizer] = found[0];
      const pool = logicalId(stack, stack.auth.userPool!);
      const client = logicalId(stack, stack.auth.userPoolClient!);
      expect(authorizer.Properties).toMatchObject({ AuthorizerType: 'JWT', IdentitySource: ['$request.header.Authorization'] });
      expect(show(authorizer.Properties.JwtConfiguration.Issuer)).toBe(`https://cognito-idp.AWS::Region.AWS::URLSuffix/${pool}`);
      expect(authorizer.Properties.JwtConfiguration.Audience).toEqual([{ Ref: client }]);
      template.resourceCountIs('AWS::Cognito::UserPool', 1);
      template.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
      // No self sign-up: an administrator creates the accounts.
      template.hasResourceProperties('AWS::Cognito::UserPool', { AdminCreateUserConfig: { AllowAdminCreateUserOnly: true } });
      const appClient = resourceOf(stack, template, stack.auth.userPoolClient!).Properties;
      expect(appClient.ExplicitAuthFlows).toEqual(expect.arrayContaining(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH']));
      expect(appClient.GenerateSecret).toBe(false);
      // Tokens live an hour at most.
      const minutes = (value: number, unit: string) => (unit === 'hours' ? value * 60 : unit === 'minutes' ? value : Infinity);
      expect(minutes(appClient.AccessTokenValidity, appClient.TokenValidityUnits.AccessToken)).toBeLessThanOrEqual(60);
      expect(minutes(appClient.IdTokenValidity, appClient.TokenValidityUnits.IdToken)).toBeLessThanOrEqual(60);
      expect(TOKEN_VALIDITY.accessTokenHours).toBe(1);
      const outputs = template.toJSON().Outputs;
      expect(outputs.UserPoolId.Value).toEqual({ Ref: pool });
      expect(outputs.UserPoolClientId.Value).toEqual({ Ref: client });
    });

    it('with authIssuer and authAudience in context: that issuer and audience, and no user pool', () => {
      const found = authorizers(custom.template);
      expect(found).toHaveLength(1);
      expect(found[0][1].Properties).toMatchObject({
        AuthorizerType: 'JWT',
        JwtConfiguration: { Issuer: 'https://login.hospital.example/realms/pacs', Audience: ['dicom-api', 'viewer'] },
      });
      custom.template.resourceCountIs('AWS::Cognito::UserPool', 0);
      custom.template.resourceCountIs('AWS::Cognito::UserPoolClient', 0);
      expect(custom.template.toJSON().Outputs.UserPoolId).toBeUndefined();
      expect(custom.template.toJSON().Outputs.AuthIssuer.Value).toBe('https://login.hospital.example/realms/pacs');
      for (const name of HTTP_FUNCTIONS) {
        expect(resourceOf(custom.stack, custom.template, custom.stack.functions[name]).Properties.Environment.Variables, name).toMatchObject({
          AUTH_ISSUER: 'https://login.hospital.example/realms/pacs',
          AUTH_AUDIENCE: 'dicom-api,viewer',
          TENANT_CLAIM: 'org',
        });
      }
    });

    it('refuses an issuer without an audience (or the reverse), and an issuer that is not https', () => {
      expect(() => synth({ authIssuer: 'https://idp.example' })).toThrow(/authIssuer and authAudience/);
      expect(() => synth({ authAudience: 'x' })).toThrow(/authIssuer and authAudience/);
      expect(() => synth({ authIssuer: 'http://idp.example', authAudience: 'x' })).toThrow(/https/);
      expect(() => synth({ tenantClaim: 'two words' })).toThrow(/tenantClaim/);
    });
  });

  describe('stage: throttling and access logs', () => {
    const stageOf = (s: DicomServiceStack, t: Template): Json => resourceOf(s, t, s.stage);

    it('is the $default stage, auto-deployed, throttled by default at 50/s (burst 100) and POST /files at 5/s (burst 10)', () => {
      template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
      const st = stageOf(stack, template);
      expect(st.Properties).toMatchObject({
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
        RouteSettings: { 'POST /files': { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 } },
      });
      expect(Object.keys(st.Properties.RouteSettings)).toEqual([`${uploadRoute().method} ${uploadRoute().path}`]);
      // The route must exist before a stage names it in its route settings.
      const routes = template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: 'POST /files' } });
      expect(asArray(st.DependsOn)).toEqual(expect.arrayContaining(Object.keys(routes)));
      expect(STACK_DEFAULTS).toMatchObject({ throttleRateLimit: 50, throttleBurstLimit: 100, uploadThrottleRateLimit: 5, uploadThrottleBurstLimit: 10 });
    });

    it('takes the limits from context, and refuses a POST /files limit above the stage\'s', () => {
      expect(stageOf(custom.stack, custom.template).Properties).toMatchObject({
        DefaultRouteSettings: { ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 },
        RouteSettings: { 'POST /files': { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 } },
      });
      expect(() => synth({ uploadThrottleRateLimit: '60' })).toThrow(/uploadThrottle/);
      expect(() => synth({ throttleBurstLimit: '0' })).toThrow(/throttleBurstLimit/);
    });

    it('writes JSON access logs (time, request id, route, status, latency, bytes; no caller, no headers) to a group kept 90 days', () => {
      const st = stageOf(stack, template);
      const groupId = logicalId(stack, stack.apiAccessLogs);
      expect(st.Properties.AccessLogSettings.DestinationArn).toEqual({ 'Fn::GetAtt': [groupId, 'Arn'] });
      const format = JSON.parse(st.Properties.AccessLogSettings.Format);
      expect(format).toEqual(API_ACCESS_LOG_FORMAT);
      expect(Object.values(format)).toEqual(
        expect.arrayContaining([
          '$context.requestTime',
          '$context.requestId',
          '$context.routeKey',
          '$context.status',
          '$context.responseLatency',
          '$context.responseLength',
        ]),
      );
      // API Gateway cannot hash the subject, so no claim at all; and never a header (Authorization).
      expect(st.Properties.AccessLogSettings.Format).not.toMatch(/claims|header|identity\.sourceIp|\$context\.path/i);
      expect(resourceOf(stack, template, stack.apiAccessLogs).Properties.RetentionInDays).toBe(90);
      expect(resourceOf(custom.stack, custom.template, custom.stack.apiAccessLogs).Properties.RetentionInDays).toBe(180);
    });
  });

  describe('S3 server access logs', () => {
    const logBucketId = () => logicalId(stack, stack.accessLogBucket);

    it('go from the bucket to the log bucket', () => {
      expect(template.toJSON().Resources[bucketId].Properties.LoggingConfiguration).toEqual({
        DestinationBucketName: { Ref: logBucketId() },
        LogFilePrefix: ACCESS_LOG_PREFIX,
      });
    });

    it('land in a private, encrypted, TLS-only bucket whose logs expire (90 days, or from context) and which logs nowhere itself', () => {
      const b = template.toJSON().Resources[logBucketId()];
      expect(b.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(b.Properties.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
      expect(b.Properties.LoggingConfiguration).toBeUndefined();
      expect(b.Properties.CorsConfiguration).toBeUndefined();
      expect(b.DeletionPolicy).toBe('Retain');
      expect(b.Properties.LifecycleConfiguration.Rules).toEqual(
        expect.arrayContaining([expect.objectContaining({ Id: 'ExpireAccessLogs', ExpirationInDays: 90, Status: 'Enabled' })]),
      );
      expect(b.Properties.LifecycleConfiguration.Rules.find((r: Json) => r.Id === 'ExpireAccessLogs').Prefix).toBeUndefined();
      const custom90 = resourceOf(custom.stack, custom.template, custom.stack.accessLogBucket).Properties.LifecycleConfiguration.Rules;
      expect(custom90).toEqual(expect.arrayContaining([expect.objectContaining({ Id: 'ExpireAccessLogs', ExpirationInDays: 180 })]));
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: logBucketId() },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            // The S3 logging service writes through the policy (no ACLs on this bucket).
            Match.objectLike({ Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject' }),
          ]),
        },
      });
    });
  });

  describe('retention and URL lifetimes', () => {
    const rulesOf = (s: DicomServiceStack, t: Template): Json[] => resourceOf(s, t, s.bucket).Properties.LifecycleConfiguration.Rules;

    it('keeps uploads by default, and expires them after uploadExpirationDays from context', () => {
      expect(rulesOf(stack, template).filter((r) => r.Id === 'ExpireUploads')).toEqual([]);
      expect(rulesOf(stack, template).filter((r) => r.Prefix === 'uploads/' && !r.TagFilters)).toEqual([]);
      expect(rulesOf(custom.stack, custom.template).filter((r) => r.Id === 'ExpireUploads')).toEqual([
        expect.objectContaining({ Prefix: 'uploads/', ExpirationInDays: 365, Status: 'Enabled' }),
      ]);
    });

    it('hands out presigned URLs for at most 15 minutes: lower from context, higher refused', () => {
      expect(MAX_PRESIGNED_URL_TTL_SECONDS).toBe(900);
      const vars = (s: DicomServiceStack, t: Template) => resourceOf(s, t, s.functions.upload).Properties.Environment.Variables;
      expect(Number(vars(stack, template).UPLOAD_URL_TTL_SECONDS)).toBeLessThanOrEqual(900);
      expect(Number(vars(stack, template).RENDER_URL_TTL_SECONDS)).toBeLessThanOrEqual(900);
      expect(vars(custom.stack, custom.template)).toMatchObject({ UPLOAD_URL_TTL_SECONDS: '300', RENDER_URL_TTL_SECONDS: '60' });
      expect(() => synth({ uploadUrlTtlSeconds: '901' })).toThrow(/uploadUrlTtlSeconds/);
      expect(() => synth({}, { limits: { renderUrlTtlSeconds: 3600 } })).toThrow(/renderUrlTtlSeconds/);
    });
  });

  describe('settings from context', () => {
    it('takes CORS origins, render expiry, log retention and removal policy from context', () => {
      const { stack: s, template: t } = synth({
        corsOrigins: 'https://viewer.example.org, https://admin.example.org',
        renderExpirationDays: '7',
        uploadExpirationDays: '365',
        unconfirmedUploadExpirationDays: '2',
        quarantineExpirationDays: '90',
        logRetentionDays: '90',
        removalPolicy: 'destroy',
      });
      const b = t.toJSON().Resources[s.getLogicalId(s.bucket.node.defaultChild as CfnElement)];
      const origins = ['https://viewer.example.org', 'https://admin.example.org'];
      expect(b.Properties.CorsConfiguration.CorsRules[0].AllowedOrigins).toEqual(origins);
      t.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: { AllowOrigins: origins } });
      expect(b.Properties.LifecycleConfiguration.Rules).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Prefix: 'renders/', ExpirationInDays: 7 }),
          expect.objectContaining({ Prefix: 'uploads/', ExpirationInDays: 365 }),
          expect.objectContaining({ Id: 'ExpireUnconfirmedUploads', ExpirationInDays: 2 }),
          expect.objectContaining({ Id: 'ExpireQuarantine', ExpirationInDays: 90 }),
        ]),
      );
      t.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
      expect(b.DeletionPolicy).toBe('Delete');
    });

    it('refuses settings that make no sense', () => {
      expect(() => synth({ renderExpirationDays: '0' })).toThrow(/renderExpirationDays/);
      expect(() => synth({ unconfirmedUploadExpirationDays: '-1' })).toThrow(/unconfirmedUploadExpirationDays/);
      expect(() => synth({ quarantineExpirationDays: 'x' })).toThrow(/quarantineExpirationDays/);
      expect(() => synth({ removalPolicy: 'snapshot' })).toThrow(/removalPolicy/);
      expect(() => synth({ logRetentionDays: '31' })).toThrow(/logRetentionDays/);
      expect(() => synth({ corsOrigins: ' , ' })).toThrow(/corsOrigins/);
      expect(() => synth({ corsOrigins: '*' })).toThrow(/corsOrigins/);
      expect(() => synth({ corsOrigins: 'https://viewer.example.org/app' })).toThrow(/corsOrigins/);
      expect(() => synth({ accessLogRetentionDays: '31' })).toThrow(/accessLogRetentionDays/);
    });
  });
});

/**
 * One real synthesis with local esbuild bundling, then the bundles are loaded by plain Node
 * (ESM, no `require` global, as in Lambda) and the handlers invoked with requests that need no S3.
 */
describe('bundles', () => {
  let work: string;
  let outdir: string;
  let assets: Record<FunctionName, string>;
  let synthSeconds: number;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'dicom-synth-'));
    // Nested, so no openapi.yaml sits at the paths the handler falls back to (cwd, ../..).
    outdir = join(work, 'a', 'b', 'cdk.out');
    const started = performance.now();
    const app = new App({ outdir, context: { ...CDK_CONTEXT } });
    // NodejsFunction bundles while it is constructed.
    const stack = new DicomServiceStack(app, 'Bundled');
    app.synth();
    synthSeconds = (performance.now() - started) / 1000;
    const resources = Template.fromStack(stack).toJSON().Resources;
    assets = Object.fromEntries(
      NAMES.map((name) => {
        const key: string = resources[logicalId(stack, stack.functions[name])].Properties.Code.S3Key;
        return [name, join(outdir, `asset.${key.replace(/\.zip$/, '')}`)];
      }),
    ) as Record<FunctionName, string>;
    console.log(`synth with bundling of ${NAMES.length} functions: ${synthSeconds.toFixed(1)} s`);
  }, 120_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('are minified ESM with (unlinked) source maps; upload carries openapi.yaml and the Swagger UI files, the decoding functions the codec WASM', () => {
    for (const name of NAMES) {
      const files = readdirSync(assets[name]).sort();
      const wasm = (DECODING_FUNCTIONS as readonly string[]).includes(name) ? CODEC_WASM_FILES.map((f) => basename(f)) : [];
      const docs = name === 'upload' ? ['openapi.yaml', ...DOCS_ASSET_FILES.map((f) => basename(f))] : [];
      const expected = ['index.mjs', 'index.mjs.map', ...docs, ...wasm].sort();
      expect(files, name).toEqual(expected);
      const code = readFileSync(join(assets[name], 'index.mjs'), 'utf8');
      expect(code.startsWith(ESM_BANNER), name).toBe(true);
      // Minified: the comments of the sources are gone (lib/errors.ts is in every bundle).
      expect(code, name).toContain('StorageUnavailable');
      expect(code, name).not.toContain('Services throw these');
      // The map is for mapping a stack trace by hand; linked, Node would parse it at every cold start.
      expect(code, name).not.toContain('sourceMappingURL');
    }
    expect(readFileSync(join(assets.upload, 'openapi.yaml'), 'utf8')).toBe(readFileSync(join(PROJECT_ROOT, 'openapi.yaml'), 'utf8'));
    expect(synthSeconds).toBeLessThan(60);
  });

  it('are byte for byte what esbuildOptions() builds, so the bench measures what is deployed', async () => {
    for (const name of NAMES) {
      const outfile = join(work, 'esbuild', name, 'index.mjs');
      await build({ ...functionEsbuildOptions(name, outfile), logLevel: 'silent' });
      expect(readFileSync(outfile).equals(readFileSync(join(assets[name], 'index.mjs'))), name).toBe(true);
    }
  }, 60_000);

  /** Imports a bundle in a fresh Node process and invokes its handler with an API Gateway v2 event. */
  function invoke(name: FunctionName, routeKey: string, rawPath: string, pathParameters: Record<string, string> = {}) {
    const cwd = join(work, 'cwd');
    mkdirSync(cwd, { recursive: true });
    const runner = join(work, 'invoke.mjs');
    writeFileSync(
      runner,
      `const [bundle, event] = process.argv.slice(2);
       if (typeof require !== 'undefined') throw new Error('require must not be a global here');
       const { handler } = await import(bundle);
       const context = { awsRequestId: 'test', functionName: 'test', getRemainingTimeInMillis: () => 10_000 };
       const res = await handler(JSON.parse(event), context);
       process.stdout.write(JSON.stringify(res));`,
    );
    const [method, path] = routeKey.split(' ');
    const event = {
      version: '2.0',
      routeKey,
      rawPath,
      rawQueryString: '',
      headers: {},
      pathParameters,
      isBase64Encoded: false,
      // The claims API Gateway's JWT authorizer adds; the functions name the tenant from them.
      requestContext: { http: { method, path: rawPath }, routeKey, requestId: 'test', authorizer: { jwt: { claims: { iss: 'https://issuer.test', sub: 'bundle' }, scopes: [] } } },
    };
    expect(path).toBeTruthy();
    const out = execFileSync(process.execPath, [runner, `file://${join(assets[name], 'index.mjs')}`, JSON.stringify(event)], {
      cwd,
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'example',
        BUCKET_NAME: 'example-bucket',
        AUTH_ISSUER: 'https://issuer.test',
        LOG_LEVEL: 'error',
        // The answer is read from stdout: no EMF metric lines there (lib/observability/metrics.ts).
        METRICS: 'off',
      },
      encoding: 'utf8',
      timeout: 20_000,
      // The Swagger UI bundle answered by GET /docs/{asset} is 1.7 MB.
      maxBuffer: 16 * 1024 * 1024,
    });
    return JSON.parse(out) as { statusCode: number; headers?: Record<string, string>; body?: string };
  }

  it('upload: loads, and serves GET /openapi from the openapi.yaml beside the handler', () => {
    expect(existsSync(join(work, 'a', 'openapi.yaml'))).toBe(false);
    const res = invoke('upload', 'GET /openapi', '/openapi');
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toMatch(/^application\/yaml/);
    expect(res.body).toBe(readFileSync(join(PROJECT_ROOT, 'openapi.yaml'), 'utf8'));
  });

  it('upload: serves GET /docs/{asset} from the copies beside the handler (no node_modules there)', () => {
    for (const f of DOCS_ASSET_FILES) {
      const asset = basename(f);
      const res = invoke('upload', 'GET /docs/{asset}', `/docs/${asset}`, { asset });
      expect(res.statusCode, asset).toBe(200);
      expect(res.headers?.['content-type'], asset).toBe(DOCS_ASSETS[asset as keyof typeof DOCS_ASSETS]);
      expect(res.body, asset).toBe(readFileSync(join(PROJECT_ROOT, f), 'utf8'));
    }
  });

  it('header and export: load (dicom-parser UMD and the AWS SDK included) and answer a bad id with 400', () => {
    for (const [name, routeKey, rawPath] of [
      ['header', 'GET /files/{id}/tags', '/files/nope/tags'],
      ['export', 'GET /files/{id}/png', '/files/nope/png'],
    ] as const) {
      const res = invoke(name, routeKey, rawPath, { id: 'nope' });
      expect(res.statusCode, name).toBe(400);
      expect(JSON.parse(res.body!).error.code, name).toBe('InvalidFileId');
    }
  });

  it('processor: loads, and acknowledges the test event S3 sends when the notification is set up', () => {
    const runner = join(work, 'invoke-sqs.mjs');
    writeFileSync(
      runner,
      `const [bundle, event] = process.argv.slice(2);
       const { handler } = await import(bundle);
       process.stdout.write(JSON.stringify(await handler(JSON.parse(event), { awsRequestId: 'test' })));`,
    );
    const event = {
      Records: [
        { messageId: 'm1', body: JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'example-bucket' }), attributes: {} },
        { messageId: 'm2', body: 'not json', attributes: {} },
      ],
    };
    const out = execFileSync(process.execPath, [runner, `file://${join(assets.processor, 'index.mjs')}`, JSON.stringify(event)], {
      cwd: work,
      env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'example', BUCKET_NAME: 'example-bucket', LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    // The malformed message is reported (it will end in the dead-letter queue); the test event is done.
    expect(JSON.parse(out)).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }] });
  });
});
