import { config } from '../lib/config.js';
import { createProcessorHandler } from '../lib/processing/sqs-handler.js';
import { defaultStorage } from '../lib/storage/default-storage.js';

/**
 * The upload processor: SQS messages carrying S3 ObjectCreated events for uploads/*.dcm.
 * Validates, hashes, summarises and pre-renders each upload (lib/processing/).
 */
export const handler = createProcessorHandler({ storage: defaultStorage, config });
