/**
 * The Powertools middy middlewares every function runs, outermost first: the Lambda context
 * into every log line (injectLambdaContext), the buffered metrics flushed once per invocation
 * (logMetrics), and in Lambda the X-Ray segment of the handler (captureLambdaHandler).
 */
import type middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { logger } from './logger.js';
import { metrics } from './metrics.js';
import { tracing } from './tracer.js';

export function powertoolsMiddleware<TEvent, TResult>(): middy.MiddlewareObj<TEvent, TResult>[] {
  const inject = injectLambdaContext(logger) as middy.MiddlewareObj<TEvent, TResult>;
  const lambdaContext: middy.MiddlewareObj<TEvent, TResult> = {
    // The local queue and tests invoke the processor without a context: nothing to inject then.
    before: (request) => (request.context ? inject.before?.(request) : undefined),
    after: inject.after,
    onError: inject.onError,
  };
  const all = [lambdaContext, logMetrics(metrics) as middy.MiddlewareObj<TEvent, TResult>];
  if (tracing) all.push(tracing.middleware() as middy.MiddlewareObj<TEvent, TResult>);
  return all;
}
