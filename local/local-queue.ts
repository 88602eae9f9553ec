import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { log } from '../lib/log.js';
import { matchesUploadNotificationFilter } from '../lib/storage/object-keys.js';

type SqsHandler = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

export interface LocalQueueOptions {
  /** Deliveries of one message before it is dead-lettered (the stack's maxReceiveCount). */
  maxReceiveCount?: number;
  /** Wait before a failed message is delivered again (SQS waits for the visibility timeout). */
  retryDelayMs?: number;
}

/**
 * A stand-in for the SQS queue between the bucket and the processor: each message is handed
 * to the handler as a one-record SQSEvent, the shape Lambda's SQS event source sends, and
 * redelivered when the handler reports it in batchItemFailures, up to maxReceiveCount times;
 * then it is kept in `deadLetters` (the DLQ).
 */
export class LocalQueue {
  readonly deadLetters: string[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;
  private held: string[] | undefined;
  private readonly maxReceiveCount: number;
  private readonly retryDelayMs: number;

  constructor(
    private readonly handler: SqsHandler,
    opts: LocalQueueOptions = {},
  ) {
    this.maxReceiveCount = opts.maxReceiveCount ?? 3;
    this.retryDelayMs = opts.retryDelayMs ?? 250;
  }

  send(body: string): void {
    if (this.closed) return;
    if (this.held) {
      this.held.push(body);
      return;
    }
    this.track(this.deliver({ messageId: randomUUID(), body, sentAt: Date.now() }, 1));
  }

  /** Holds messages instead of delivering them (a processor that has not run yet), until resume(). */
  pause(): void {
    this.held ??= [];
  }

  resume(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const body of held) this.send(body);
  }

  /** Resolves when no message is being delivered or waiting for redelivery. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Stops taking messages and waits for those under way. */
  async close(): Promise<void> {
    this.closed = true;
    await this.idle();
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async deliver(message: { messageId: string; body: string; sentAt: number }, receiveCount: number): Promise<void> {
    // Not inside the S3 request that emitted the event: let it answer first.
    await new Promise((ok) => setImmediate(ok));
    let failed: boolean;
    try {
      const result = await this.handler({ Records: [sqsRecord(message, receiveCount)] });
      failed = Boolean(result?.batchItemFailures?.some((f) => f.itemIdentifier === message.messageId));
    } catch {
      failed = true;
    }
    if (!failed) return;
    if (receiveCount >= this.maxReceiveCount || this.closed) {
      this.deadLetters.push(message.body);
      log.warn('message dead-lettered', { messageId: message.messageId, receiveCount });
      return;
    }
    await new Promise((ok) => setTimeout(ok, this.retryDelayMs));
    await this.deliver(message, receiveCount + 1);
  }
}

function sqsRecord(message: { messageId: string; body: string; sentAt: number }, receiveCount: number): SQSRecord {
  return {
    messageId: message.messageId,
    receiptHandle: `local-${message.messageId}-${receiveCount}`,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(message.sentAt),
      SenderId: 's3.amazonaws.com',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:local:000000000000:dicom-processing',
    awsRegion: 'local',
  };
}

/** The bucket notification of the stack: ObjectCreated:* under uploads/ ending in .dcm. */
export function matchesUploadNotification(event: unknown): boolean {
  const records = (event as { Records?: Array<{ eventName?: string; s3?: { object?: { key?: string } } }> })?.Records;
  return (
    Array.isArray(records) &&
    records.some((r) => {
      const key = r.s3?.object?.key ?? '';
      return (r.eventName ?? '').startsWith('ObjectCreated:') && matchesUploadNotificationFilter(key);
    })
  );
}
