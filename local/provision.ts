/**
 * LOCAL_PROVISION=1: what the stack (infra/dicom-service-stack.ts) makes around the bucket, made
 * on an AWS emulator (LocalStack, moto) where it is missing: the bucket with the stack's CORS
 * rule, the upload queue with its dead-letter queue (redrive after UPLOAD_QUEUE.maxReceiveCount
 * receives), and the bucket's ObjectCreated notification to the queue with the stack's filter.
 * Idempotent: what exists is left as it is, so a second start changes nothing.
 */
import {
  CreateBucketCommand,
  GetBucketCorsCommand,
  GetBucketNotificationConfigurationCommand,
  HeadBucketCommand,
  PutBucketCorsCommand,
  PutBucketNotificationConfigurationCommand,
  type QueueConfiguration,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, SetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { BUCKET_CORS_RULE } from '../lib/storage/bucket-cors.js';
import { UPLOAD_NOTIFICATION_FILTER } from '../lib/storage/object-keys.js';

/**
 * The stack's queue settings (infra/dicom-service-stack.ts PROCESSING; test/local/provision.test.ts
 * checks they are the same), here because the local server cannot load the CDK.
 */
export const UPLOAD_QUEUE = {
  maxReceiveCount: 3,
  visibilityTimeoutSeconds: 360,
  batchSize: 5,
  deadLetterRetentionDays: 14,
} as const;

/** Origins of the provisioned bucket's CORS rule: any, as the local server's API allows any (local/server.ts). */
const LOCAL_CORS_ORIGINS = ['*'];

/** The ObjectCreated events the notification sends (all of them, as the stack's EventType.OBJECT_CREATED). */
const OBJECT_CREATED = 's3:ObjectCreated:*';

export interface ProvisionOptions {
  s3: S3Client;
  sqs: SQSClient;
  bucket: string;
  region: string;
  /** The upload queue's name (default `<bucket>-uploads`); its dead-letter queue is `<name>-dlq`. */
  queueName?: string;
}

export interface Provisioned {
  queueUrl: string;
  deadLetterQueueUrl: string;
  /** What this call made: `bucket`, `cors`, `dead-letter-queue`, `queue`, `redrive`, `notification`; empty when all was there. */
  created: string[];
}

/** The name of a queue from its URL (`…/<account>/<name>`). */
export const queueNameOf = (queueUrl: string): string => new URL(queueUrl).pathname.split('/').filter(Boolean).pop() ?? '';

const named = (e: unknown, ...names: string[]): boolean => {
  const err = e as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return names.includes(err?.name ?? '') || names.includes(err?.Code ?? '');
};

export async function provisionLocal(opts: ProvisionOptions): Promise<Provisioned> {
  const { s3, sqs, bucket } = opts;
  const created: string[] = [];

  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (e) {
    if (!named(e, 'NotFound', 'NoSuchBucket')) throw e;
    await s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        // us-east-1 takes no location constraint; every other region needs its own.
        ...(opts.region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: opts.region as never } }),
      }),
    );
    created.push('bucket');
  }

  try {
    await s3.send(new GetBucketCorsCommand({ Bucket: bucket }));
  } catch (e) {
    if (!named(e, 'NoSuchCORSConfiguration')) throw e;
    await s3.send(
      new PutBucketCorsCommand({
        Bucket: bucket,
        CORSConfiguration: {
          CORSRules: [
            {
              AllowedMethods: [...BUCKET_CORS_RULE.allowedMethods],
              AllowedOrigins: LOCAL_CORS_ORIGINS,
              AllowedHeaders: [...BUCKET_CORS_RULE.allowedHeaders],
              ExposeHeaders: [...BUCKET_CORS_RULE.exposedHeaders],
              MaxAgeSeconds: BUCKET_CORS_RULE.maxAgeSeconds,
            },
          ],
        },
      }),
    );
    created.push('cors');
  }

  const queueName = opts.queueName ?? `${bucket}-uploads`;
  const dlq = await ensureQueue(sqs, `${queueName}-dlq`, { MessageRetentionPeriod: String(UPLOAD_QUEUE.deadLetterRetentionDays * 86_400) });
  if (dlq.created) created.push('dead-letter-queue');
  const dlqArn = await queueArn(sqs, dlq.url);
  const redrivePolicy = JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: UPLOAD_QUEUE.maxReceiveCount });
  const queue = await ensureQueue(sqs, queueName, {
    VisibilityTimeout: String(UPLOAD_QUEUE.visibilityTimeoutSeconds),
    RedrivePolicy: redrivePolicy,
  });
  if (queue.created) created.push('queue');
  else {
    // A queue made earlier without its dead-letter queue gets the redrive policy.
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['RedrivePolicy'] }));
    if (!attrs.Attributes?.RedrivePolicy) {
      await sqs.send(new SetQueueAttributesCommand({ QueueUrl: queue.url, Attributes: { RedrivePolicy: redrivePolicy } }));
      created.push('redrive');
    }
  }
  const arn = await queueArn(sqs, queue.url);

  // PutBucketNotificationConfiguration replaces the whole configuration: other notifications are kept.
  const current = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
  const queues = current.QueueConfigurations ?? [];
  if (!queues.some((q) => q.QueueArn === arn && (q.Events ?? []).includes(OBJECT_CREATED))) {
    const ours: QueueConfiguration = {
      QueueArn: arn,
      Events: [OBJECT_CREATED],
      Filter: {
        Key: {
          FilterRules: [
            { Name: 'prefix', Value: UPLOAD_NOTIFICATION_FILTER.prefix },
            { Name: 'suffix', Value: UPLOAD_NOTIFICATION_FILTER.suffix },
          ],
        },
      },
    };
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: {
          QueueConfigurations: [...queues, ours],
          TopicConfigurations: current.TopicConfigurations,
          LambdaFunctionConfigurations: current.LambdaFunctionConfigurations,
          EventBridgeConfiguration: current.EventBridgeConfiguration,
        },
      }),
    );
    created.push('notification');
  }
  return { queueUrl: queue.url, deadLetterQueueUrl: dlq.url, created };
}

async function ensureQueue(sqs: SQSClient, name: string, attributes: Record<string, string>): Promise<{ url: string; created: boolean }> {
  try {
    const out = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    if (out.QueueUrl) return { url: out.QueueUrl, created: false };
  } catch (e) {
    if (!named(e, 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue')) throw e;
  }
  const out = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (!out.QueueUrl) throw new Error(`CreateQueue ${name} returned no URL`);
  return { url: out.QueueUrl, created: true };
}

export async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const arn = out.Attributes?.QueueArn;
  if (!arn) throw new Error('GetQueueAttributes returned no QueueArn');
  return arn;
}
