/**
 * Damaged files keep their header, over real HTTP (issue 14): the local server, the embedded S3
 * and the processor its events drive. Per damage class: `ready` with `warnings`, the header
 * routes' elements before the damage and their `Warning: 299` header, which frames render and
 * the 422 of the others; what is not an instance is `rejected` with its reason; and the tag route
 * names a private element the private dictionary knows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalService, startLocal } from '../../local/server.js';
import {
  type DamagedFixture,
  itemOutsideSequenceFile,
  noSopInstanceUidFile,
  preambleOnlyFile,
  sequencePastEndFile,
  shortLastFrameEncapsulatedFile,
  truncatedPixelDataFile,
} from '../support/damaged-fixtures.js';
import { makeImageDicom } from '../support/dicom-writer.js';
import { tokenFor, withToken } from '../support/local-token.js';

let svc: LocalService;
let token: string;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'dicom-damaged-'));
  delete process.env.AWS_ENDPOINT_URL_S3;
  delete process.env.BUCKET_NAME;
  svc = await startLocal({ port: 0, s3Port: 0, dataDir, bucket: 'damaged-bucket' });
  token = await tokenFor(svc, 'alice');
});

afterAll(async () => {
  await svc?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const api = (path: string, init?: RequestInit) => fetch(`${svc.url}${path}`, withToken(token, { redirect: 'manual', ...init }));
const asJson = { headers: { accept: 'application/json' } };

type Info = Record<string, unknown> & { status: string; warnings?: Array<{ code: string; message: string }>; reason?: { code: string } };

/** Uploads `bytes` and waits until the processor has decided. */
async function processed(bytes: Uint8Array): Promise<{ id: string; info: Info }> {
  const res = await api('/files', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ size: bytes.length }) });
  expect(res.status).toBe(201);
  const created = (await res.json()) as { id: string; uploadUrl: string; headers: Record<string, string> };
  expect((await fetch(created.uploadUrl, { method: 'PUT', headers: created.headers, body: Buffer.from(bytes) })).status).toBe(200);
  const until = performance.now() + 5000;
  for (;;) {
    const info = (await (await api(`/files/${created.id}`)).json()) as Info;
    if (info.status !== 'pending' && info.status !== 'awaiting-upload') return { id: created.id, info };
    if (performance.now() > until) throw new Error(`still ${info.status}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The header as the route answers it, and its Warning header. */
async function header(id: string): Promise<{ status: number; tags: string[]; warning: string | null }> {
  const res = await api(`/files/${id}/tags`);
  const body = (await res.json()) as Record<string, unknown>;
  return { status: res.status, tags: Object.keys(body), warning: res.headers.get('warning') };
}

/** A damaged file: ready with one warning of `code` naming the offset; the header routes say so. */
async function expectKeptWithWarning(fixture: DamagedFixture, code: string): Promise<string> {
  const { id, info } = await processed(fixture.bytes);
  expect(info).toMatchObject({ status: 'ready', sopInstanceUid: '1.2.826.0.1.3680043.10.1466.14.1' });
  expect(info.warnings).toEqual([{ code, message: expect.stringContaining(`byte ${fixture.damageAt}`) }]);
  expect(JSON.stringify(info)).not.toMatch(/Damaged|DAMAGED-14/);

  const whole = await header(id);
  expect(whole.status).toBe(200);
  for (const t of fixture.before) expect(whole.tags, t).toContain(t);
  for (const t of fixture.after) expect(whole.tags, t).not.toContain(t);
  // RFC 7234 5.5 as PS3.18 8.4 uses it: 299, agent "-", a quoted text saying incomplete and why.
  expect(whole.warning).toMatch(new RegExp(`^299 - "The header is incomplete: the file is damaged \\(${code}\\): .*byte ${fixture.damageAt}.*"$`));

  // The tag route and ?tag= too.
  const one = await api(`/files/${id}/tags/00100020`);
  expect(one.status).toBe(200);
  expect(one.headers.get('warning')).toBe(whole.warning);
  const filtered = await api(`/files/${id}/tags?tag=PatientID`);
  expect(Object.keys(await filtered.json())).toEqual(['00100020']);
  expect(filtered.headers.get('warning')).toBe(whole.warning);
  return id;
}

/** GET png as JSON: status and body. */
async function png(id: string, frame: number): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await api(`/files/${id}/png?frame=${frame}`, asJson);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('damaged files keep their header (issue 14)', () => {
  it('Pixel Data cut short: ready with TruncatedPixelData; frames 1-2 render, frame 3 is 422 naming the bytes', async () => {
    const fixture = truncatedPixelDataFile();
    const id = await expectKeptWithWarning(fixture, 'TruncatedPixelData');
    expect((await png(id, 1)).status).toBe(200);
    expect((await png(id, 2)).status).toBe(200);
    const third = await png(id, 3);
    expect(third.status).toBe(422);
    expect(third.body).toEqual({
      error: expect.objectContaining({ code: 'TruncatedPixelData', frame: 3, bytesExpected: fixture.frameBytes, bytesPresent: fixture.presentOfLast }),
    });
    expect((third.body.error as { message: string }).message).toMatch(/^Frame 3 of 3 .*needs 32 bytes.*12 are present/);
    // The pixel data's bulk value is the bytes there, with the same warning.
    const bulk = await api(`/files/${id}/bulk/7FE00010`);
    expect(bulk.status).toBe(200);
    expect((await bulk.arrayBuffer()).byteLength).toBe(2 * fixture.frameBytes + fixture.presentOfLast);
    expect(bulk.headers.get('warning')).toMatch(/^299 - "/);
  });

  it('a sequence of defined length running past the end: ready with SequencePastEnd; the header before it', async () => {
    const id = await expectKeptWithWarning(sequencePastEndFile(false), 'SequencePastEnd');
    expect((await png(id, 1)).body).toMatchObject({ error: { code: 'NoPixelData' } });
  });

  it('a sequence of undefined length running past the end: ready with SequencePastEnd', async () => {
    await expectKeptWithWarning(sequencePastEndFile(true), 'SequencePastEnd');
  });

  it('an Item outside a sequence: ready with ItemOutsideSequence; the elements after it are missing', async () => {
    await expectKeptWithWarning(itemOutsideSequenceFile(), 'ItemOutsideSequence');
  });

  it('a multi-frame encapsulated file with one short frame: frames 1-2 render, frame 3 is 422 TruncatedPixelData', async () => {
    const fixture = shortLastFrameEncapsulatedFile();
    const id = await expectKeptWithWarning(fixture, 'TruncatedPixelData');
    expect((await png(id, 1)).status).toBe(200);
    expect((await png(id, 2)).status).toBe(200);
    const third = await png(id, 3);
    expect(third).toEqual({
      status: 422,
      body: { error: expect.objectContaining({ code: 'TruncatedPixelData', frame: 3, bytesExpected: fixture.lastFragmentLength, bytesPresent: fixture.presentOfLast }) },
    });
  });

  it('an undamaged file has no warnings and no Warning header', async () => {
    const { id, info } = await processed(makeImageDicom({ rows: 2, columns: 2, bitsAllocated: 8, pixel: () => 7 }));
    expect(info.status).toBe('ready');
    expect(info.warnings).toBeUndefined();
    expect((await header(id)).warning).toBeNull();
  });
});

describe('what is not a DICOM instance stays rejected (issue 14)', () => {
  it('preamble and "DICM" only (132 bytes): rejected NoDataSet; the header routes answer the same 422', async () => {
    const { id, info } = await processed(preambleOnlyFile());
    expect(info).toMatchObject({ status: 'rejected', reason: { code: 'NoDataSet', message: expect.stringMatching(/no data set/) } });
    const res = await api(`/files/${id}/tags`);
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NoDataSet');
  });

  it('a data set without SOP Instance UID (0008,0018): rejected NoSopInstanceUid', async () => {
    const { id, info } = await processed(noSopInstanceUidFile());
    expect(info).toMatchObject({ status: 'rejected', reason: { code: 'NoSopInstanceUid', message: expect.stringMatching(/\(0008,0018\)/) } });
    expect((await api(`/files/${id}/tags/PatientName`)).status).toBe(422);
  });
});

describe('the tag route names a known private element (issue 14, part 1)', () => {
  it('GEMS_IDEN_01 0009,1001 comes with its creator and its dictionary name; an unknown creator with neither name', async () => {
    const bytes = makeImageDicom({
      rows: 2,
      columns: 2,
      bitsAllocated: 8,
      pixel: () => 1,
      extra: [
        { tag: '00090010', vr: 'LO', value: 'GEMS_IDEN_01' },
        { tag: '00091001', vr: 'LO', value: 'GE_GENESIS_FF' },
        { tag: '00110010', vr: 'LO', value: 'NOBODY KNOWS 1' },
        { tag: '00111001', vr: 'LO', value: 'x' },
      ],
    });
    const { id } = await processed(bytes);
    const known = await api(`/files/${id}/tags/00091001`);
    expect(await known.json()).toEqual({ tag: '00091001', keyword: '', privateCreator: 'GEMS_IDEN_01', name: 'Full fidelity', vr: 'LO', Value: ['GE_GENESIS_FF'] });
    const unknown = (await (await api(`/files/${id}/tags/00111001`)).json()) as Record<string, unknown>;
    expect(unknown).toMatchObject({ privateCreator: 'NOBODY KNOWS 1' });
    expect(unknown.name).toBeUndefined();
  });
});
