import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DomainError } from '../../../lib/errors.js';
import { ANONYMOUS_TENANT, isTenantSegment, tenantOf } from '../../../lib/auth/tenant.js';
import { resetConfig } from '../../../lib/config.js';
import { httpHandler, requestCaller } from '../../../lib/http/middleware.js';
import { json } from '../../../lib/http/response.js';
import { TEST_ISSUER, apiEvent, context, tenantOfCaller } from '../../support/api-event.js';

beforeEach(() => {
  process.env.LOG_LEVEL = 'debug';
});
afterEach(() => {
  vi.restoreAllMocks();
  process.env.LOG_LEVEL = 'silent';
});

describe('the shared middleware stack', () => {
  const handler = httpHandler({
    'GET /ok': async () => json(200, { ok: true }),
    'GET /domain': async () => {
      throw new DomainError('TagNotFound', 'The element is not in this file.', { tag: '00100010' });
    },
    'GET /bug': async () => {
      throw new TypeError('Cannot read properties of undefined (secret patient Doe^Jane)');
    },
    'GET /string': async () => {
      throw 'dicomParser: some string'; // eslint-disable-line @typescript-eslint/only-throw-error -- what a library that throws strings does
    },
  });

  it('passes results through', async () => {
    const r = await handler(apiEvent('GET /ok'), context);
    expect(r.statusCode).toBe(200);
    expect(JSON.parse(r.body as string)).toEqual({ ok: true });
  });

  it('maps a domain error to its status and the one error body', async () => {
    const r = await handler(apiEvent('GET /domain'), context);
    expect(r.statusCode).toBe(404);
    expect(JSON.parse(r.body as string)).toEqual({
      error: { code: 'TagNotFound', message: 'The element is not in this file.', tag: '00100010' },
    });
  });

  it.each(['GET /bug', 'GET /string'])('turns anything else (%s) into a 500 without stack or message, and logs no values', async (route) => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (written.push(String(s)), true));
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (written.push(String(s)), true));
    const r = await handler(apiEvent(route), context);
    expect(r.statusCode).toBe(500);
    const body = JSON.parse(r.body as string);
    expect(body.error.code).toBe('InternalError');
    expect(r.body).not.toMatch(/at |Doe|TypeError|dicomParser/);
    expect(written.join('')).toContain('unhandled error');
    expect(written.join('')).not.toMatch(/Doe\^Jane|dicomParser: some string/);
  });

  it('answers unknown routes with 404 NotFound', async () => {
    const r = await handler(apiEvent('GET /nowhere'), context);
    expect(r.statusCode).toBe(404);
    expect(JSON.parse(r.body as string).error.code).toBe('NotFound');
  });
});

describe('the caller of a request', () => {
  const handler = httpHandler({
    'GET /files/{id}': async (event) => json(200, requestCaller(event)),
    'GET /openapi': async () => json(200, { open: true }),
  });
  const ID = '6f1c4a52-3b8e-4d5f-9a7b-2c1d0e9f8a7b';
  const saved = { AUTH: process.env.AUTH, TENANT_CLAIM: process.env.TENANT_CLAIM };
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    resetConfig();
  });

  it('names the tenant and a pseudonymous caller from the authorizer claims', async () => {
    const r = await handler(apiEvent('GET /files/{id}', { pathParameters: { id: ID }, caller: 'alice' }), context);
    expect(r.statusCode).toBe(200);
    const { tenant, caller } = JSON.parse(r.body as string);
    expect(tenant).toBe(tenantOfCaller('alice'));
    expect(isTenantSegment(tenant)).toBe(true);
    expect(caller).toMatch(/^c[0-9a-f]{32}$/);
    expect(caller).not.toContain('alice');
  });

  it('takes the tenant from TENANT_CLAIM', async () => {
    process.env.TENANT_CLAIM = 'custom:tenant';
    resetConfig();
    const event = apiEvent('GET /files/{id}', { pathParameters: { id: ID } });
    (event.requestContext as unknown as { authorizer: { jwt: { claims: Record<string, string> } } }).authorizer.jwt.claims['custom:tenant'] = 'clinic-1';
    const r = await handler(event, context);
    expect(JSON.parse(r.body as string).tenant).toBe(tenantOf({ 'custom:tenant': 'clinic-1' }, { issuer: TEST_ISSUER, tenantClaim: 'custom:tenant' }));
    const missing = await handler(apiEvent('GET /files/{id}', { pathParameters: { id: ID } }), context);
    expect(missing.statusCode).toBe(401);
  });

  it('answers 401 with WWW-Authenticate when the event has no claims or claims of another issuer, never a default tenant', async () => {
    const none = await handler(apiEvent('GET /files/{id}', { pathParameters: { id: ID }, caller: null }), context);
    expect(none.statusCode).toBe(401);
    expect(none.headers?.['www-authenticate']).toBe('Bearer');
    expect(JSON.parse(none.body as string).error.code).toBe('Unauthorized');
    const other = apiEvent('GET /files/{id}', { pathParameters: { id: ID } });
    (other.requestContext as unknown as { authorizer: { jwt: { claims: Record<string, string> } } }).authorizer.jwt.claims.iss = 'https://other.test';
    expect((await handler(other, context)).statusCode).toBe(401);
  });

  it('lets public routes through without claims', async () => {
    expect((await handler(apiEvent('GET /openapi', { caller: null }), context)).statusCode).toBe(200);
  });

  it('puts every file under the anonymous tenant with AUTH=off', async () => {
    process.env.AUTH = 'off';
    resetConfig();
    const r = await handler(apiEvent('GET /files/{id}', { pathParameters: { id: ID }, caller: null }), context);
    expect(JSON.parse(r.body as string)).toEqual({ tenant: ANONYMOUS_TENANT, caller: 'anonymous' });
  });

  it('writes the audit line: request id, caller, route, file id, status, latency, bytes; no token or name', async () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (written.push(String(s)), true));
    const r = await handler(apiEvent('GET /files/{id}', { pathParameters: { id: ID }, caller: 'alice', headers: { authorization: 'Bearer secret.token.value' } }), context);
    const line = JSON.parse(written.find((l) => l.includes('"request"'))!);
    expect(line).toMatchObject({
      message: 'request',
      routeKey: 'GET /files/{id}',
      status: 200,
      fileId: ID,
      bytes: Buffer.byteLength(r.body as string),
      requestId: 'test-request',
      caller: JSON.parse(r.body as string).caller,
      // Powertools' fields: the service, the Lambda context, the correlation id (API Gateway's request id).
      service: 'dicom-service',
      function_name: 'test',
      function_request_id: 'test-request',
      correlation_id: 'req-1',
    });
    expect(typeof line.ms).toBe('number');
    expect(typeof line.timestamp).toBe('string');
    expect(typeof line.cold_start).toBe('boolean');
    expect(r.headers?.['x-request-id']).toBe('req-1');
    expect(written.join('')).not.toMatch(/alice|secret\.token/);
  });
});
