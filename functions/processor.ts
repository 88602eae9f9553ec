import { config, initConfig } from '../lib/config.js';
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
export const handler = createProcessorHandler({ storage: defaultStorage, config, preRender });
