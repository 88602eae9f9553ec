import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { config, initConfig } from '../lib/config.js';
import { powertoolsMiddleware } from '../lib/observability/powertools-middleware.js';
import { preRender } from '../lib/export/pre-render.js';
import { createProcessorHandler } from '../lib/processing/sqs-handler.js';
import { defaultStorage } from '../lib/storage/default-storage.js';

// Cold start: the SSM parameters SECRET_PARAMETER_NAMES names, then the whole configuration
// validated once (lib/config.ts); a bad setting fails the container's init, not a request.
await initConfig();

/**
 * The upload processor: SQS messages carrying S3 ObjectCreated events for new uploads.
 * Validates, hashes, summarises and pre-renders each upload (lib/processing/, with the
 * render-ahead step of lib/export/pre-render.ts).
 */
const processor = middy<SQSEvent, SQSBatchResponse>()
  .use(powertoolsMiddleware())
  .handler(createProcessorHandler({ storage: defaultStorage, config, preRender }));

/** Lambda passes a context; the local queue (local/local-queue.ts) and the tests need not. */
export const handler = (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => processor(event, context as Context);
