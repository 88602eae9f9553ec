import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { httpHandler } from '../../../lib/http/middleware.js';
import { json } from '../../../lib/http/response.js';
import { log } from '../../../lib/log.js';
import { apiEvent, context } from '../../support/api-event.js';

let out: string[];
let err: string[];
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  process.env.LOG_LEVEL = 'silent';
});

const lines = (chunks: string[]) =>
  chunks
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the logger (Powertools)', () => {
  it('writes one JSON line: level, message, timestamp, service and the named fields only', () => {
    process.env.LOG_LEVEL = 'info';
    log.info('hello', { route: 'GET /x', ms: 3, skipped: undefined });
    const [line] = lines(out);
    expect(line).toMatchObject({ level: 'INFO', message: 'hello', service: 'dicom-service', route: 'GET /x', ms: 3 });
    expect(Date.parse(line.timestamp as string)).not.toBeNaN();
    expect(line).not.toHaveProperty('skipped');
  });

  it('warn and error go to stderr, debug and info to stdout', () => {
    process.env.LOG_LEVEL = 'debug';
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(lines(out).map((l) => l.message)).toEqual(['d', 'i']);
    expect(lines(err).map((l) => l.message)).toEqual(['w', 'e']);
  });

  it('follows LOG_LEVEL at each line, silent included, also across warm invocations', async () => {
    const handler = httpHandler({ 'GET /ok': async () => (log.debug('inside'), json(200, {})) });
    for (const [level, expected] of [
      ['debug', ['inside', 'request']],
      ['info', ['request']],
      ['warn', []],
      ['silent', []],
      ['debug', ['inside', 'request']],
    ] as const) {
      process.env.LOG_LEVEL = level;
      out.length = 0;
      await handler(apiEvent('GET /ok'), context);
      expect(lines(out).filter((l) => !('_aws' in l)).map((l) => l.message), level).toEqual(expected);
    }
    process.env.LOG_LEVEL = 'silent';
    out.length = 0;
    err.length = 0;
    log.error('nothing');
    expect([...out, ...err]).toEqual([]);
  });
});
