import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { DomainError } from '../errors.js';
import { log } from '../log.js';
import { errorResponse, type HttpResult } from './response.js';

export type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult>;
export type RouteHandlers = Record<string, HttpHandler>;

/**
 * Routes an API Gateway HTTP API (payload 2.0) event by its routeKey ("GET /files/{id}").
 * The local server sets routeKey from the same route table, so both dispatch identically.
 */
export function dispatch(routes: RouteHandlers): HttpHandler {
  return async (event, context) => {
    const route = routes[event.routeKey];
    if (!route) throw new DomainError('NotFound', `No route for ${event.routeKey || 'this request'}.`);
    return route(event, context);
  };
}

/** Domain errors -> their status and JSON body; anything else -> 500 InternalError, logged without values. */
const errorsToResponses = (): middy.MiddlewareObj<APIGatewayProxyEventV2, HttpResult> => ({
  onError: async (request) => {
    const e = request.error;
    if (e instanceof DomainError) {
      request.response = errorResponse(e);
      return;
    }
    // Only the error's class and a hash-free summary: messages of unknown errors may carry data.
    log.error('unhandled error', { routeKey: request.event?.routeKey, errorName: (e as Error)?.name ?? typeof e });
    request.response = errorResponse(new DomainError('InternalError', 'An internal error occurred; it has been logged.'));
  },
});

/** One access-log line per request: route, status, duration. No query values, no URLs. */
const accessLog = (): middy.MiddlewareObj<APIGatewayProxyEventV2, HttpResult> => {
  const started = new WeakMap<object, number>();
  const done = (request: middy.Request<APIGatewayProxyEventV2, HttpResult>) => {
    const t0 = started.get(request) ?? Date.now();
    const status = request.response?.statusCode;
    const fields = {
      routeKey: request.event?.routeKey,
      status,
      ms: Date.now() - t0,
      code: status && status >= 400 ? tryCode(request.response?.body) : undefined,
      requestId: request.context?.awsRequestId,
    };
    log.info('request', fields);
  };
  return {
    before: async (request) => {
      started.set(request, Date.now());
    },
    after: async (request) => done(request),
    onError: async (request) => {
      if (request.response) done(request);
    },
  };
};

function tryCode(body: unknown): string | undefined {
  if (typeof body !== 'string') return undefined;
  try {
    return (JSON.parse(body) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

/** The middleware stack every function shares. */
export function httpHandler(routes: RouteHandlers) {
  return middy<APIGatewayProxyEventV2, HttpResult>()
    .use(accessLog())
    .use(errorsToResponses())
    .handler(dispatch(routes));
}
