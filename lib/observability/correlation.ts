/**
 * The correlation id of a request: the caller's `x-request-id` when it is a safe token, else
 * API Gateway's request id, else the Lambda request id. Every log line written while the
 * request runs carries it (lib/observability/logger.ts) and every answer returns it in
 * `x-request-id` (lib/http/middleware.ts).
 *
 * It is held in an AsyncLocalStorage for the duration of the request rather than in the
 * logger's own state: the local server runs concurrent requests in one process, where a
 * logger-wide key would give one request's lines another's id.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** The request header (and response header) carrying the correlation id. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * What a caller's id may be: short, and only characters that cannot forge a log field or a
 * header (no quotes, spaces, control characters or separators of another syntax).
 */
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const isCorrelationId = (value: unknown): value is string => typeof value === 'string' && SAFE_ID.test(value);

interface HasRequestIds {
  headers?: Record<string, string | undefined> | null;
  requestContext?: { requestId?: string };
}

/**
 * The id for this request. A caller's header that is not a safe token is ignored (not echoed:
 * it could carry anything), and the service's own id is used.
 */
export function correlationIdOf(event: HasRequestIds | undefined, awsRequestId?: string): string {
  const sent = event?.headers?.[REQUEST_ID_HEADER];
  if (isCorrelationId(sent)) return sent;
  const gateway = event?.requestContext?.requestId;
  if (isCorrelationId(gateway)) return gateway;
  return isCorrelationId(awsRequestId) ? awsRequestId : randomUUID();
}

const scope = new AsyncLocalStorage<string>();

/** Runs `fn` (and everything it awaits) with `id` as the correlation id. */
export const withCorrelationId = <T>(id: string, fn: () => T): T => scope.run(id, fn);

/** The correlation id of the request running now, if any. */
export const currentCorrelationId = (): string | undefined => scope.getStore();
