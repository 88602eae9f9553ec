import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { tenantOf } from '../../lib/auth/tenant.js';
import { resetConfig } from '../../lib/config.js';

/**
 * The issuer handler tests trust, as the stack tells the functions (AUTH_ISSUER). Set when this
 * module loads: every test file runs in its own process (vitest pool: forks).
 */
export const TEST_ISSUER = 'https://issuer.test/pool';
process.env.AUTH_ISSUER = TEST_ISSUER;
resetConfig();

/** The tenant segment of a test caller (TENANT_CLAIM unset: `sub`). */
export const tenantOfCaller = (sub: string): string => tenantOf({ sub }, { issuer: TEST_ISSUER, tenantClaim: 'sub' });

/**
 * A payload 2.0 event as API Gateway sends it, for handler tests: with the claims its JWT
 * authorizer adds of a token for `caller` (default `alice`), or none with `caller: null`.
 */
export function apiEvent(
  routeKey: string,
  opts: { path?: string; pathParameters?: Record<string, string>; query?: string; body?: string; headers?: Record<string, string>; caller?: string | null } = {},
): APIGatewayProxyEventV2 {
  const [method, routePath] = routeKey.split(' ');
  const path = opts.path ?? routePath.replace(/\{(\w+)\}/g, (_, k: string) => opts.pathParameters?.[k] ?? k);
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(opts.query ?? '')) query[k] = k in query ? `${query[k]},${v}` : v;
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: opts.query ?? '',
    headers: opts.headers ?? {},
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: opts.pathParameters,
    body: opts.body,
    isBase64Encoded: false,
    requestContext: {
      accountId: 'test',
      apiId: 'test',
      domainName: 'test.local',
      domainPrefix: 'test',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: 'req-1',
      routeKey,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      ...(opts.caller === null ? {} : { authorizer: { jwt: { claims: { iss: TEST_ISSUER, sub: opts.caller ?? 'alice', aud: 'test-client' }, scopes: [] } } }),
    },
  };
}

export const context = { awsRequestId: 'test-request', functionName: 'test' } as unknown as Context;
