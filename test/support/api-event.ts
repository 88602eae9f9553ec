import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

/** A payload 2.0 event as API Gateway sends it, for handler tests. */
export function apiEvent(
  routeKey: string,
  opts: { path?: string; pathParameters?: Record<string, string>; query?: string; body?: string; headers?: Record<string, string> } = {},
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
    },
  };
}

export const context = { awsRequestId: 'test-request', functionName: 'test' } as unknown as Context;
