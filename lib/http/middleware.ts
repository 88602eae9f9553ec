import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { ANONYMOUS_TENANT, type ClaimsLike, callerOf, tenantOf } from '../auth/tenant.js';
import { type AuthConfig, config } from '../config.js';
import { DomainError } from '../errors.js';
import { log } from '../log.js';
import { REQUEST_ID_HEADER, correlationIdOf, currentCorrelationId, withCorrelationId } from '../observability/correlation.js';
import { recordHttpStatus } from '../observability/metrics.js';
import { powertoolsMiddleware } from '../observability/powertools-middleware.js';
import { isFileId } from './request.js';
import { errorResponse, type HttpResult } from './response.js';
import { ROUTES } from './routes.js';

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

/** Who is calling: the tenant whose files the request may reach, and a pseudonym for the audit line. */
export interface RequestCaller {
  /** The tenant segment (lib/auth/tenant.ts): every object key the request touches carries it. */
  tenant: string;
  /** `c` + 32 hex (callerOf), or `anonymous` with AUTH=off. */
  caller: string;
}

const callers = new WeakMap<object, RequestCaller>();
const PUBLIC_ROUTES = new Set(ROUTES.filter((r) => r.public).map((r) => `${r.method} ${r.path}`));

/** The claims API Gateway's JWT authorizer (or the local server, which does what it does) put in the event. */
function claimsOf(event: APIGatewayProxyEventV2): ClaimsLike | undefined {
  const ctx = event.requestContext as { authorizer?: { jwt?: { claims?: unknown } } } | undefined;
  const claims = ctx?.authorizer?.jwt?.claims;
  return claims && typeof claims === 'object' ? (claims as ClaimsLike) : undefined;
}

const unauthorized = (message: string) => new DomainError('Unauthorized', message);

/**
 * The caller of a request to a non-public route. The functions are reachable only through API
 * Gateway, whose JWT authorizer has verified the token (signature, issuer, audience, expiry)
 * before the event exists; what is left here is to name the tenant. An event without claims on
 * such a route is a misconfiguration and gets 401, never a default tenant.
 */
export function callerFromEvent(event: APIGatewayProxyEventV2, auth: AuthConfig): RequestCaller {
  if (auth.mode === 'off') return { tenant: ANONYMOUS_TENANT, caller: 'anonymous' };
  const claims = claimsOf(event);
  if (!claims) throw unauthorized('The request has no verified bearer token.');
  const { issuer } = auth;
  // Claims of another issuer than the configured one cannot name a tenant of this service.
  if (!issuer || claims.iss !== issuer) throw unauthorized('The token issuer is not trusted.');
  const tenant = tenantOf(claims, { issuer, tenantClaim: auth.tenantClaim });
  return { tenant, caller: callerOf(claims, issuer, tenant) };
}

/** The caller the authentication middleware found for this event; Unauthorized when there is none. */
export function requestCaller(event: APIGatewayProxyEventV2): RequestCaller {
  const found = callers.get(event);
  if (!found) throw unauthorized('The request has no verified bearer token.');
  return found;
}

/** Names the caller of every request to a route that is not public (before any handler runs). */
const authenticate = (): middy.MiddlewareObj<APIGatewayProxyEventV2, HttpResult> => ({
  before: async (request) => {
    const { event } = request;
    if (PUBLIC_ROUTES.has(event.routeKey)) return;
    callers.set(event, callerFromEvent(event, config().auth));
  },
});

/** Domain errors -> their status and JSON body; anything else -> 500 InternalError, logged without values. */
const errorsToResponses = (): middy.MiddlewareObj<APIGatewayProxyEventV2, HttpResult> => ({
  onError: async (request) => {
    const e = request.error;
    if (e instanceof DomainError) {
      request.response = errorResponse(e);
      // RFC 6750 3: a 401 names the scheme it wants.
      if (e.code === 'Unauthorized') request.response.headers = { ...request.response.headers, 'www-authenticate': 'Bearer' };
      return;
    }
    // Only the error's class and a hash-free summary: messages of unknown errors may carry data.
    log.error('unhandled error', { routeKey: request.event?.routeKey, errorName: (e as Error)?.name ?? typeof e });
    request.response = errorResponse(new DomainError('InternalError', 'An internal error occurred; it has been logged.'));
  },
});

/** The response body's length in bytes (base64 bodies decoded). */
function bodyBytes(response: HttpResult | null | undefined): number | undefined {
  const body = response?.body;
  if (typeof body !== 'string') return undefined;
  return response?.isBase64Encoded ? Buffer.byteLength(body, 'base64') : Buffer.byteLength(body, 'utf8');
}

/**
 * One access-log line per request, the audit trail: time (the log line's), request id, caller
 * (a pseudonym), route, file id, status, latency, bytes. No query values, URLs, tag values,
 * filenames or tokens: only fields named here are written.
 */
const accessLog = (): middy.MiddlewareObj<APIGatewayProxyEventV2, HttpResult> => {
  const started = new WeakMap<object, number>();
  const done = (request: middy.Request<APIGatewayProxyEventV2, HttpResult>) => {
    const t0 = started.get(request) ?? Date.now();
    const status = request.response?.statusCode;
    const id = request.event?.pathParameters?.id;
    const fields = {
      routeKey: request.event?.routeKey,
      status,
      ms: Date.now() - t0,
      bytes: bodyBytes(request.response),
      code: status && status >= 400 ? tryCode(request.response?.body) : undefined,
      requestId: request.context?.awsRequestId,
      // correlation_id (the caller's x-request-id or API Gateway's request id) is added by the logger.
      caller: request.event ? callers.get(request.event)?.caller : undefined,
      // Only a well-formed id: the path parameter is caller input until it is checked.
      fileId: id && isFileId(id) ? id.toLowerCase() : undefined,
    };
    log.info('request', fields);
    if (status !== undefined) recordHttpStatus(status);
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

/** Every answer, success or error, returns the request's correlation id in `x-request-id`. */
const correlationHeader = (): middy.MiddlewareObj<APIGatewayProxyEventV2, HttpResult> => {
  const stamp = (request: middy.Request<APIGatewayProxyEventV2, HttpResult>) => {
    const id = currentCorrelationId();
    if (request.response && id) request.response.headers = { ...request.response.headers, [REQUEST_ID_HEADER]: id };
  };
  return { after: stamp, onError: stamp };
};

/**
 * The middleware stack every function shares, outermost first: the Lambda context into the
 * logs, the metrics flushed once per request, the trace (in Lambda), the correlation header,
 * the access line, errors to answers, the caller. The whole runs with the request's
 * correlation id (lib/observability/correlation.ts), which every log line then carries.
 */
export function httpHandler(routes: RouteHandlers): HttpHandler {
  const handler = middy<APIGatewayProxyEventV2, HttpResult>()
    .use(powertoolsMiddleware())
    .use(correlationHeader())
    .use(accessLog())
    .use(errorsToResponses())
    .use(authenticate())
    .handler(dispatch(routes));
  return (event, context) => withCorrelationId(correlationIdOf(event, context?.awsRequestId), () => handler(event, context));
}
