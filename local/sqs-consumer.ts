/**
 * The local server's stand-in for Lambda's SQS event source, on a real (or emulated) queue: it
 * long-polls the upload queue, hands each batch to the processor's handler as the SQSEvent
 * Lambda would send, deletes the messages that succeeded and leaves those the handler reports
 * in batchItemFailures (or all of them, when it throws): they come back after the queue's
 * visibility timeout and, after the redrive policy's maxReceiveCount receives, SQS moves them to
 * the dead-letter queue, as in AWS.
 *
 * S3's s3:TestEvent and anything that is not an S3 event notification are acknowledged (deleted)
 * and ignored, logged by message id only: their content is never logged.
 */
import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { log } from '../lib/log.js';

type SqsHandler = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

export interface SqsConsumerOptions {
  client: SQSClient;
  queueUrl: string;
  /** The queue's ARN, for the records' eventSourceARN. */
  queueArn: string;
  region: string;
  handler: SqsHandler;
  /** Messages per receive, as the event source's batchSize (1..10; default 5, the stack's). */
  batchSize?: number;
  /** Long polling: how long one receive waits for messages (0..20 s; default 20). */
  waitTimeSeconds?: number;
  /** Overrides the queue's visibility timeout for the messages received (tests); unset: the queue's. */
  visibilityTimeoutSeconds?: number;
  /** Wait after a failed receive (the endpoint down) before the next one. */
  retryDelayMs?: number;
}

/** What the consumer has done, for the start message and tests. */
export interface ConsumerStats {
  received: number;
  deleted: number;
  failed: number;
  ignored: number;
}

/** The kind of a message body: an S3 event notification, S3's test event, or anything else. */
export function messageKind(body: string | undefined): 'event' | 'test' | 'unknown' {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch {
    return 'unknown';
  }
  if (!parsed || typeof parsed !== 'object') return 'unknown';
  const m = parsed as { Event?: unknown; Records?: unknown };
  if (m.Event === 's3:TestEvent') return 'test';
  return Array.isArray(m.Records) ? 'event' : 'unknown';
}

export class SqsConsumer {
  readonly stats: ConsumerStats = { received: 0, deleted: 0, failed: 0, ignored: 0 };
  private running = false;
  private loop?: Promise<void>;
  private abort = new AbortController();
  private readonly batchSize: number;
  private readonly waitTimeSeconds: number;

  constructor(private readonly opts: SqsConsumerOptions) {
    this.batchSize = Math.min(10, Math.max(1, opts.batchSize ?? 5));
    this.waitTimeSeconds = Math.min(20, Math.max(0, opts.waitTimeSeconds ?? 20));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.loop = this.run();
  }

  /** Stops polling (a receive under way is cancelled) and waits for the batch being processed. */
  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.loop;
    this.loop = undefined;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let messages: Message[];
      try {
        const out = await this.opts.client.send(
          new ReceiveMessageCommand({
            QueueUrl: this.opts.queueUrl,
            MaxNumberOfMessages: this.batchSize,
            WaitTimeSeconds: this.waitTimeSeconds,
            VisibilityTimeout: this.opts.visibilityTimeoutSeconds,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: this.abort.signal },
        );
        messages = out.Messages ?? [];
      } catch (e) {
        if (!this.running) return;
        log.warn('upload queue receive failed', { errorName: (e as Error)?.name ?? typeof e });
        await this.sleep(this.opts.retryDelayMs ?? 1000);
        continue;
      }
      if (messages.length > 0) await this.process(messages);
    }
  }

  /** One batch: the events to the handler, then the successes and the ignored deleted together. */
  private async process(messages: Message[]): Promise<void> {
    this.stats.received += messages.length;
    const done: Message[] = [];
    const events: Message[] = [];
    for (const m of messages) {
      const kind = messageKind(m.Body);
      if (kind === 'event') events.push(m);
      else {
        log.info(kind === 'test' ? 'S3 test event acknowledged' : 'unknown message on the upload queue acknowledged and ignored', {
          messageId: m.MessageId,
        });
        this.stats.ignored++;
        done.push(m);
      }
    }
    if (events.length > 0) {
      let failedIds: Set<string>;
      try {
        const result = await this.opts.handler({ Records: events.map((m) => this.record(m)) });
        failedIds = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      } catch (e) {
        // A handler that throws fails the whole batch, as with Lambda.
        log.error('upload processor failed a whole batch', { errorName: (e as Error)?.name ?? typeof e, messages: events.length });
        failedIds = new Set(events.map((m) => m.MessageId ?? ''));
      }
      for (const m of events) {
        if (failedIds.has(m.MessageId ?? '')) this.stats.failed++;
        else done.push(m);
      }
    }
    await this.deleteAll(done);
  }

  private async deleteAll(messages: Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const chunk = messages.slice(i, i + 10);
      try {
        const out = await this.opts.client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.opts.queueUrl,
            Entries: chunk.map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
        this.stats.deleted += out.Successful?.length ?? 0;
        if (out.Failed?.length) log.warn('upload queue delete failed for some messages', { count: out.Failed.length });
      } catch (e) {
        // Not deleted: they come back after the visibility timeout, and the processor is idempotent.
        log.warn('upload queue delete failed', { errorName: (e as Error)?.name ?? typeof e, count: chunk.length });
      }
    }
  }

  /** The record Lambda's SQS event source makes of a message. */
  private record(m: Message): SQSRecord {
    const a = m.Attributes ?? {};
    return {
      messageId: m.MessageId ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
        SentTimestamp: a.SentTimestamp ?? String(Date.now()),
        SenderId: a.SenderId ?? '',
        ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: this.opts.queueArn,
      awsRegion: this.opts.region,
    };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((ok) => {
      const timer = setTimeout(ok, ms);
      this.abort.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        ok();
      });
    });
  }
}
