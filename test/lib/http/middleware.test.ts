import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DomainError } from '../../../lib/errors.js';
import { httpHandler } from '../../../lib/http/middleware.js';
import { json } from '../../../lib/http/response.js';
import { apiEvent, context } from '../../support/api-event.js';

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
      throw 'dicomParser: some string';
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
