import { HeadObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as exportHandler } from '../../../functions/export.js';
import { DomainError } from '../../../lib/errors.js';
import { httpHandler } from '../../../lib/http/middleware.js';
import { json } from '../../../lib/http/response.js';
import { log } from '../../../lib/log.js';
import { correlationIdOf, currentCorrelationId, isCorrelationId, withCorrelationId } from '../../../lib/observability/correlation.js';
import { apiEvent, context, tenantOfCaller } from '../../support/api-event.js';
import { makeImageDicom } from '../../support/dicom-writer.js';
import { s3Body, s3Error, useS3Mock } from '../../support/s3-mock.js';

const s3 = useS3Mock();

describe('the correlation id', () => {
  it('is the caller x-request-id when it is a safe token, else API Gateway request id, else the Lambda one', () => {
    const ev = (headers: Record<string, string>) => ({ headers, requestContext: { requestId: 'gw-1' } });
    expect(correlationIdOf(ev({ 'x-request-id': 'Abc.1_2:3-4' }))).toBe('Abc.1_2:3-4');
    expect(correlationIdOf(ev({ 'x-request-id': 'a'.repeat(128) }))).toBe('a'.repeat(128));
    for (const bad of ['a'.repeat(129), '', 'has space', 'quote"', 'new\nline', 'semi;colon', 'slash/', '{"json":1}', 'é']) {
      expect(isCorrelationId(bad), bad).toBe(false);
      expect(correlationIdOf(ev({ 'x-request-id': bad })), bad).toBe('gw-1');
    }
    expect(correlationIdOf({ headers: {} }, 'lambda-1')).toBe('lambda-1');
    expect(correlationIdOf(undefined)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('stays with its own request when requests interleave', async () => {
    const seen: Array<[string, string | undefined]> = [];
    const run = (id: string, delay: number) =>
      withCorrelationId(id, async () => {
        await new Promise((r) => setTimeout(r, delay));
        seen.push([id, currentCorrelationId()]);
      });
    await Promise.all([run('one', 20), run('two', 5), run('three', 10)]);
    expect(seen.every(([id, current]) => id === current)).toBe(true);
    expect(currentCorrelationId()).toBeUndefined();
  });
});

describe('x-request-id on every answer, and in every log line of the request', () => {
  let written: string[];
  beforeEach(() => {
    process.env.LOG_LEVEL = 'debug';
    written = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (written.push(String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (written.push(String(s)), true));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.env.LOG_LEVEL = 'silent';
  });

  const handler = httpHandler({
    'GET /ok': async () => {
      log.debug('inside the handler');
      return json(200, { ok: true });
    },
    'GET /domain': async () => {
      throw new DomainError('TagNotFound', 'The element is not in this file.');
    },
    'GET /bug': async () => {
      throw new TypeError('boom');
    },
  });
  const logLines = () =>
    written
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{') && !l.includes('"_aws"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it.each([
    ['GET /ok', 200],
    ['GET /domain', 404],
    ['GET /bug', 500],
    ['GET /nowhere', 404],
  ])('%s: the caller id comes back (%i) and is every line correlation_id', async (route, status) => {
    const r = await handler(apiEvent(route, { headers: { 'x-request-id': 'client-42' } }), context);
    expect(r.statusCode).toBe(status);
    expect(r.headers?.['x-request-id']).toBe('client-42');
    const lines = logLines();
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.correlation_id, JSON.stringify(line)).toBe('client-42');
  });

  it('a 401 too; an unsafe x-request-id is not echoed: the API Gateway request id is used', async () => {
    const r = await handler(apiEvent('GET /ok', { headers: { 'x-request-id': 'evil"id' }, caller: null }), context);
    expect(r.statusCode).toBe(401);
    expect(r.headers?.['x-request-id']).toBe('req-1');
    expect(written.join('')).not.toContain('evil');
  });

  it('on the 303 to a presigned URL and on the inline PNG', async () => {
    const T = tenantOfCaller('alice');
    const id = '0b7e3f52-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
    const fixture = makeImageDicom({ rows: 2, columns: 3, bitsAllocated: 16, window: { center: 0, width: 100 }, pixel: (_f, r, c) => r * 3 + c });
    s3.on(HeadObjectCommand).rejects(s3Error('NotFound', 404));
    s3.on(HeadObjectCommand, { Key: `uploads/${T}/${id}.dcm` }).resolves({ ContentLength: fixture.length });
    s3.on(GetObjectCommand, { Key: `uploads/${T}/${id}.dcm` }).resolves({ Body: s3Body(fixture) as never });
    s3.on(PutObjectCommand).resolves({});
    for (const [accept, status] of [
      ['*/*', 303],
      ['image/png', 200],
    ] as const) {
      const r = await exportHandler(apiEvent('GET /files/{id}/png', { pathParameters: { id }, query: `window=${status},10`, headers: { accept, 'x-request-id': `r-${status}` } }), context);
      expect(r.statusCode, accept).toBe(status);
      expect(r.headers?.['x-request-id'], accept).toBe(`r-${status}`);
    }
  });
});
