/**
 * X-Ray traces through Powertools for AWS Lambda's Tracer: the handler's segment
 * (captureLambdaHandler, lib/http/middleware.ts), the S3 client's calls (captureAWSv3Client,
 * lib/storage/s3-storage.ts), and subsegments around decoding and PNG encoding (`traced`).
 *
 * The Tracer is loaded only where tracing can apply (tracingEnabled, lib/config.ts: in Lambda):
 * the X-Ray SDK installs async hooks when it loads, which would slow every await of a local
 * run or a test for nothing. Elsewhere `tracing` is undefined and `traced` just calls through.
 */
import type middy from '@middy/core';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { tracingEnabled } from '../config.js';
import { SERVICE_NAME } from './metric-names.js';

export interface Tracing {
  tracer: Tracer;
  /** The middy middleware opening and closing the handler's subsegment. */
  middleware: () => middy.MiddlewareObj;
}

async function loadTracing(): Promise<Tracing> {
  const [{ Tracer }, { captureLambdaHandler }] = await Promise.all([import('@aws-lambda-powertools/tracer'), import('@aws-lambda-powertools/tracer/middleware')]);
  // Outbound HTTP is traced through the S3 client; responses are never recorded (they hold header values).
  const tracer = new Tracer({ serviceName: SERVICE_NAME, captureHTTPsRequests: false });
  return { tracer, middleware: () => captureLambdaHandler(tracer, { captureResponse: false }) as middy.MiddlewareObj };
}

/** The container's Tracer and its middleware, or undefined where tracing does not apply. */
export const tracing: Tracing | undefined = tracingEnabled() ? await loadTracing() : undefined;

/** An AWS SDK v3 client whose calls are traced (the client itself where tracing does not apply). */
export const traceClient = <T>(client: T): T => (tracing ? tracing.tracer.captureAWSv3Client(client) : client);

/**
 * Runs `fn` in a subsegment named `name` (sync or async); without tracing, `fn()` and nothing
 * else. Errors are not recorded on the subsegment: their messages may carry values.
 */
export function traced<T>(name: string, fn: () => T): T {
  if (!tracing) return fn();
  const { tracer } = tracing;
  const parent = tracer.getSegment();
  if (!parent) return fn();
  const sub = parent.addNewSubsegment(name);
  tracer.setSegment(sub);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    sub.close();
    tracer.setSegment(parent);
    throw e;
  }
  if (result instanceof Promise) {
    // The subsegment stays current for what fn awaits; the caller continues in the parent.
    tracer.setSegment(parent);
    return result.finally(() => sub.close()) as T;
  }
  sub.close();
  tracer.setSegment(parent);
  return result;
}
