/**
 * The local server passes x-request-id to the handlers in the event's headers, as API Gateway
 * does, and the handlers' answer carries it back over HTTP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalService, startLocal } from '../../local/server.js';
import { tokenFor, withToken } from '../support/local-token.js';

let svc: LocalService;
let token: string;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'dicom-reqid-'));
  delete process.env.AWS_ENDPOINT_URL_S3;
  delete process.env.BUCKET_NAME;
  svc = await startLocal({ port: 0, s3Port: 0, dataDir, bucket: 'reqid-bucket', processUploads: false });
  token = await tokenFor(svc, 'alice');
});

afterAll(async () => {
  await svc?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('x-request-id through the local server', () => {
  it('comes back as sent, on a success and on an error answered by the function', async () => {
    const ok = await fetch(`${svc.url}/files`, withToken(token, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'viewer-7.1' }, body: '{"size":10}' }));
    expect(ok.status).toBe(201);
    expect(ok.headers.get('x-request-id')).toBe('viewer-7.1');
    const bad = await fetch(`${svc.url}/files/not-a-uuid`, withToken(token, { headers: { 'x-request-id': 'viewer-7.2' } }));
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-request-id')).toBe('viewer-7.2');
    expect(bad.headers.get('access-control-expose-headers')).toContain('x-request-id');
  });

  it('is the request id of the event when none (or an unsafe one) is sent', async () => {
    const none = await fetch(`${svc.url}/openapi`);
    expect(none.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const unsafe = await fetch(`${svc.url}/openapi`, { headers: { 'x-request-id': 'a b' } });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('may be sent by a page: the preflight allows the header', async () => {
    const pre = await fetch(`${svc.url}/files`, { method: 'OPTIONS', headers: { origin: 'http://viewer.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-request-id' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-headers')).toContain('x-request-id');
  });
});
