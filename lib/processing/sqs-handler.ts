/**
 * The processor's Lambda handler: an SQS batch of S3 event notifications. Each message is
 * processed on its own; the ones that fail are reported in batchItemFailures so only they
 * return to the queue (and, after maxReceiveCount deliveries, to the dead-letter queue).
 */
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Config } from '../config.js';
import { DomainError } from '../errors.js';
import { log } from '../log.js';
import { correlationIdOf, withCorrelationId } from '../observability/correlation.js';
import type { Storage } from '../storage/storage.js';
import { type PreRender, processUpload } from './process-upload.js';
import { MalformedEventError, uploadEventsOf } from './s3-event.js';

export interface ProcessorDeps {
  storage: () => Storage;
  config: () => Pick<Config, 'bucketName' | 'maxUploadBytes'> & Partial<Pick<Config, 'maxDecodedBytes' | 'features'>>;
  /** The render-ahead step (lib/export/pre-render.ts): injected, so processing does not depend on the export. */
  preRender: PreRender;
  now?: () => Date;
}

export function createProcessorHandler(deps: ProcessorDeps) {
  /** One message: its uploads processed, or false when it goes back to the queue. */
  async function processRecord(record: SQSRecord, cfg: ReturnType<ProcessorDeps['config']>): Promise<boolean> {
    const started = Date.now();
    try {
      for (const upload of uploadEventsOf(record.body)) {
        if (upload.bucket !== cfg.bucketName) {
          log.warn('event for another bucket ignored', { messageId: record.messageId });
          continue;
        }
        const result = await processUpload(deps.storage(), cfg, { tenant: upload.tenant, id: upload.id }, { preRender: deps.preRender, now: deps.now, eventEtag: upload.etag });
        log.info('upload processed', {
          messageId: record.messageId,
          fileId: upload.id,
          outcome: result.outcome,
          rendered: result.rendered,
          receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 1),
          ms: Date.now() - started,
        });
      }
      return true;
    } catch (e) {
      log.error('upload processing failed', {
        messageId: record.messageId,
        errorName: e instanceof MalformedEventError ? 'MalformedEvent' : ((e as Error)?.name ?? typeof e),
        errorCode: e instanceof DomainError ? e.code : undefined,
        receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 1),
      });
      return false;
    }
  }

  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    const cfg = deps.config();
    // One message at a time: each may hold a 10 MiB file and its decoded frame in memory.
    for (const record of event.Records ?? []) {
      // Every line about a message carries its message id as the correlation id.
      const done = await withCorrelationId(correlationIdOf(undefined, record.messageId), () => processRecord(record, cfg));
      if (!done) batchItemFailures.push({ itemIdentifier: record.messageId });
    }
    return { batchItemFailures };
  };
}
