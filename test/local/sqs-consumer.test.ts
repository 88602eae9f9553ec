import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SqsConsumer, messageKind } from '../../local/sqs-consumer.js';

const sqsMock = mockClient(SQSClient);
const QUEUE = 'http://127.0.0.1:1/123456789012/uploads';
const ARN = 'arn:aws:sqs:us-east-1:123456789012:uploads';
const EVENT = JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' }, object: { key: 'uploads/x.dcm' } } }] });
const SECRET_BODY = 'Doe^Jane 19700101 not JSON';

const msg = (id: string, body: string, receiveCount = '1'): Message => ({
  MessageId: id,
  ReceiptHandle: `rh-${id}`,
  Body: body,
  MD5OfBody: 'md5',
  Attributes: { ApproximateReceiveCount: receiveCount, SentTimestamp: '1000', SenderId: 's3', ApproximateFirstReceiveTimestamp: '1001' },
});

/** One batch, then empty long polls that end only when aborted (as a real long poll would wait). */
function queueOnce(messages: Message[]) {
  let served = false;
  sqsMock.on(ReceiveMessageCommand).callsFake(async (_input, getClient) => {
    void getClient;
    if (!served) {
      served = true;
      return { Messages: messages };
    }
    await new Promise((ok) => setTimeout(ok, 20));
    return {};
  });
  sqsMock.on(DeleteMessageBatchCommand).callsFake(async (input: { Entries: Array<{ Id: string }> }) => ({ Successful: input.Entries.map((e) => ({ Id: e.Id })) }));
}

const deletedHandles = () => sqsMock.commandCalls(DeleteMessageBatchCommand).flatMap((c) => c.args[0].input.Entries!.map((e) => e.ReceiptHandle));

async function runUntil(consumer: SqsConsumer, done: () => boolean): Promise<void> {
  consumer.start();
  const until = Date.now() + 5000;
  while (!done() && Date.now() < until) await new Promise((ok) => setTimeout(ok, 5));
  await consumer.stop();
}

const consumerWith = (handler: (e: SQSEvent) => Promise<SQSBatchResponse | void>) =>
  new SqsConsumer({ client: new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }), queueUrl: QUEUE, queueArn: ARN, region: 'us-east-1', handler, waitTimeSeconds: 1 });

beforeEach(() => sqsMock.reset());
afterEach(() => vi.restoreAllMocks());

describe('messageKind', () => {
  it('tells S3 events, the S3 test event and anything else apart', () => {
    expect(messageKind(EVENT)).toBe('event');
    expect(messageKind(JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'b' }))).toBe('test');
    expect(messageKind('not JSON')).toBe('unknown');
    expect(messageKind('{"Records":"no"}')).toBe('unknown');
    expect(messageKind('null')).toBe('unknown');
    expect(messageKind(undefined)).toBe('unknown');
  });
});

describe('SqsConsumer', () => {
  it('long-polls in batches and hands the handler the SQSEvent Lambda would send', async () => {
    queueOnce([msg('m1', EVENT, '2')]);
    const events: SQSEvent[] = [];
    await runUntil(
      consumerWith(async (e) => {
        events.push(e);
        return { batchItemFailures: [] };
      }),
      () => deletedHandles().length === 1,
    );
    const receive = sqsMock.commandCalls(ReceiveMessageCommand)[0].args[0].input;
    expect(receive).toMatchObject({ QueueUrl: QUEUE, MaxNumberOfMessages: 5, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'] });
    expect(events[0].Records[0]).toEqual({
      messageId: 'm1',
      receiptHandle: 'rh-m1',
      body: EVENT,
      attributes: { ApproximateReceiveCount: '2', SentTimestamp: '1000', SenderId: 's3', ApproximateFirstReceiveTimestamp: '1001' },
      messageAttributes: {},
      md5OfBody: 'md5',
      eventSource: 'aws:sqs',
      eventSourceARN: ARN,
      awsRegion: 'us-east-1',
    });
  });

  it('deletes the messages that succeeded and leaves the batchItemFailures for redelivery', async () => {
    queueOnce([msg('ok', EVENT), msg('bad', EVENT), msg('ok2', EVENT)]);
    const consumer = consumerWith(async () => ({ batchItemFailures: [{ itemIdentifier: 'bad' }] }));
    await runUntil(consumer, () => deletedHandles().length === 2);
    expect(deletedHandles().sort()).toEqual(['rh-ok', 'rh-ok2']);
    expect(consumer.stats).toMatchObject({ received: 3, deleted: 2, failed: 1, ignored: 0 });
  });

  it('deletes nothing of a batch whose handler throws', async () => {
    queueOnce([msg('a', EVENT), msg('b', EVENT)]);
    const consumer = consumerWith(async () => {
      throw new Error('boom');
    });
    await runUntil(consumer, () => consumer.stats.failed === 2);
    expect(deletedHandles()).toEqual([]);
  });

  it('acknowledges the S3 test event and unknown messages without the handler, logging no content', async () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (lines.push(String(chunk)), true));
    vi.stubEnv('LOG_LEVEL', 'info');
    queueOnce([msg('t', JSON.stringify({ Event: 's3:TestEvent' })), msg('u', SECRET_BODY)]);
    const handler = vi.fn(async () => ({ batchItemFailures: [] }));
    const consumer = consumerWith(handler);
    await runUntil(consumer, () => deletedHandles().length === 2);
    vi.unstubAllEnvs();
    expect(handler).not.toHaveBeenCalled();
    expect(deletedHandles().sort()).toEqual(['rh-t', 'rh-u']);
    expect(consumer.stats.ignored).toBe(2);
    const logged = lines.join('');
    expect(logged).toContain('"messageId":"u"');
    expect(logged).not.toContain('Doe');
  });

  it('stops promptly during a long poll and keeps polling after a failed receive', async () => {
    let calls = 0;
    sqsMock.on(ReceiveMessageCommand).callsFake(async () => {
      calls++;
      if (calls === 1) throw Object.assign(new Error('down'), { name: 'ECONNREFUSED' });
      await new Promise((ok) => setTimeout(ok, 10));
      return {};
    });
    const consumer = new SqsConsumer({
      client: new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }),
      queueUrl: QUEUE,
      queueArn: ARN,
      region: 'us-east-1',
      handler: async () => ({ batchItemFailures: [] }),
      retryDelayMs: 10,
    });
    consumer.start();
    const until = Date.now() + 3000;
    while (calls < 3 && Date.now() < until) await new Promise((ok) => setTimeout(ok, 5));
    expect(calls).toBeGreaterThanOrEqual(3);
    const started = Date.now();
    await consumer.stop();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
