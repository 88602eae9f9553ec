import {
  CreateBucketCommand,
  GetBucketCorsCommand,
  GetBucketNotificationConfigurationCommand,
  HeadBucketCommand,
  PutBucketCorsCommand,
  PutBucketNotificationConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { FUNCTION_SIZING, PROCESSING } from '../../infra/dicom-service-stack.js';
import { UPLOAD_QUEUE, provisionLocal, queueNameOf } from '../../local/provision.js';

const s3Mock = mockClient(S3Client);
const sqsMock = mockClient(SQSClient);
const creds = { accessKeyId: 'a', secretAccessKey: 'b' };
const s3 = new S3Client({ region: 'eu-west-1', credentials: creds });
const sqs = new SQSClient({ region: 'eu-west-1', credentials: creds });
const error = (name: string) => Object.assign(new Error(name), { name });
const URL_OF = (name: string) => `http://sqs.local/000000000000/${name}`;
const ARN_OF = (name: string) => `arn:aws:sqs:eu-west-1:000000000000:${name}`;

beforeEach(() => {
  s3Mock.reset();
  sqsMock.reset();
  sqsMock.on(GetQueueAttributesCommand).callsFake(async (input: { QueueUrl: string; AttributeNames: string[] }) => {
    const name = queueNameOf(input.QueueUrl);
    return { Attributes: { QueueArn: ARN_OF(name), RedrivePolicy: name.endsWith('-dlq') ? undefined : '{"maxReceiveCount":3}' } };
  });
});

describe('the local provisioning', () => {
  it('uses the stack\'s queue settings (infra/dicom-service-stack.ts PROCESSING)', () => {
    expect(UPLOAD_QUEUE).toEqual({
      maxReceiveCount: PROCESSING.maxReceiveCount,
      visibilityTimeoutSeconds: PROCESSING.visibilityTimeoutSeconds,
      batchSize: PROCESSING.batchSize,
      deadLetterRetentionDays: PROCESSING.deadLetterRetentionDays,
    });
    expect(UPLOAD_QUEUE.visibilityTimeoutSeconds).toBe(6 * FUNCTION_SIZING.processor.timeoutSeconds);
  });

  it('names a queue by the last segment of its URL', () => {
    expect(queueNameOf('http://localhost:4566/000000000000/my-uploads')).toBe('my-uploads');
  });

  it('makes everything on an empty endpoint, in the region asked for', async () => {
    s3Mock.on(HeadBucketCommand).rejects(error('NotFound'));
    s3Mock.on(GetBucketCorsCommand).rejects(error('NoSuchCORSConfiguration'));
    s3Mock.on(GetBucketNotificationConfigurationCommand).resolves({});
    sqsMock.on(GetQueueUrlCommand).rejects(error('QueueDoesNotExist'));
    sqsMock.on(CreateQueueCommand).callsFake(async (input: { QueueName: string }) => ({ QueueUrl: URL_OF(input.QueueName) }));

    const out = await provisionLocal({ s3, sqs, bucket: 'scans', region: 'eu-west-1' });
    expect(out).toEqual({
      queueUrl: URL_OF('scans-uploads'),
      deadLetterQueueUrl: URL_OF('scans-uploads-dlq'),
      created: ['bucket', 'cors', 'dead-letter-queue', 'queue', 'notification'],
    });
    expect(s3Mock.commandCalls(CreateBucketCommand)[0].args[0].input).toEqual({
      Bucket: 'scans',
      CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
    });
    expect(s3Mock.commandCalls(PutBucketCorsCommand)[0].args[0].input.CORSConfiguration!.CORSRules![0]).toEqual({
      AllowedMethods: ['PUT', 'GET', 'HEAD'],
      AllowedOrigins: ['*'],
      AllowedHeaders: ['authorization', 'content-type', 'content-length', 'if-none-match'],
      ExposeHeaders: ['etag'],
      MaxAgeSeconds: 3600,
    });
    const [dlq, queue] = sqsMock.commandCalls(CreateQueueCommand).map((c) => c.args[0].input);
    expect(dlq).toEqual({ QueueName: 'scans-uploads-dlq', Attributes: { MessageRetentionPeriod: String(14 * 86400) } });
    expect(queue.QueueName).toBe('scans-uploads');
    expect(queue.Attributes!.VisibilityTimeout).toBe('360');
    expect(JSON.parse(queue.Attributes!.RedrivePolicy!)).toEqual({ deadLetterTargetArn: ARN_OF('scans-uploads-dlq'), maxReceiveCount: 3 });
    expect(s3Mock.commandCalls(PutBucketNotificationConfigurationCommand)[0].args[0].input.NotificationConfiguration!.QueueConfigurations).toEqual([
      {
        QueueArn: ARN_OF('scans-uploads'),
        Events: ['s3:ObjectCreated:*'],
        Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }, { Name: 'suffix', Value: '.dcm' }] } },
      },
    ]);
  });

  it('changes nothing where everything is there', async () => {
    s3Mock.on(HeadBucketCommand).resolves({});
    s3Mock.on(GetBucketCorsCommand).resolves({ CORSRules: [{ AllowedMethods: ['GET'], AllowedOrigins: ['https://x'] }] });
    s3Mock.on(GetBucketNotificationConfigurationCommand).resolves({
      QueueConfigurations: [{ QueueArn: ARN_OF('q'), Events: ['s3:ObjectCreated:*'] }],
    });
    sqsMock.on(GetQueueUrlCommand).callsFake(async (input: { QueueName: string }) => ({ QueueUrl: URL_OF(input.QueueName) }));

    const out = await provisionLocal({ s3, sqs, bucket: 'scans', region: 'us-east-1', queueName: 'q' });
    expect(out.created).toEqual([]);
    expect(s3Mock.commandCalls(CreateBucketCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(PutBucketCorsCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(PutBucketNotificationConfigurationCommand)).toHaveLength(0);
    expect(sqsMock.commandCalls(CreateQueueCommand)).toHaveLength(0);
    expect(sqsMock.commandCalls(SetQueueAttributesCommand)).toHaveLength(0);
  });

  it('adds its notification beside the bucket\'s others, and a redrive policy to a queue without one', async () => {
    s3Mock.on(HeadBucketCommand).resolves({});
    s3Mock.on(GetBucketCorsCommand).resolves({ CORSRules: [] });
    const other = { QueueArn: ARN_OF('audit'), Events: ['s3:ObjectRemoved:*' as const] };
    s3Mock.on(GetBucketNotificationConfigurationCommand).resolves({ QueueConfigurations: [other] });
    sqsMock.on(GetQueueUrlCommand).callsFake(async (input: { QueueName: string }) => ({ QueueUrl: URL_OF(input.QueueName) }));
    sqsMock.on(GetQueueAttributesCommand).callsFake(async (input: { QueueUrl: string }) => ({ Attributes: { QueueArn: ARN_OF(queueNameOf(input.QueueUrl)) } }));

    const out = await provisionLocal({ s3, sqs, bucket: 'scans', region: 'us-east-1' });
    expect(out.created).toEqual(['redrive', 'notification']);
    const configs = s3Mock.commandCalls(PutBucketNotificationConfigurationCommand)[0].args[0].input.NotificationConfiguration!.QueueConfigurations!;
    expect(configs.map((c) => c.QueueArn)).toEqual([ARN_OF('audit'), ARN_OF('scans-uploads')]);
    expect(JSON.parse(sqsMock.commandCalls(SetQueueAttributesCommand)[0].args[0].input.Attributes!.RedrivePolicy!)).toEqual({
      deadLetterTargetArn: ARN_OF('scans-uploads-dlq'),
      maxReceiveCount: 3,
    });
  });

  it('lets other failures through (the endpoint down, access denied)', async () => {
    s3Mock.on(HeadBucketCommand).rejects(error('AccessDenied'));
    await expect(provisionLocal({ s3, sqs, bucket: 'scans', region: 'us-east-1' })).rejects.toThrow('AccessDenied');
  });
});
