import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ERROR_STATUS, type ErrorCode } from '../lib/errors.js';
import { DOCS_ASSETS } from '../lib/http/docs-assets.js';
import { ROUTES, routeErrors } from '../lib/http/routes.js';
import { parseRenderParams, renderVariant } from '../lib/export/render-params.js';
import { contentRenderKey, renderKey } from '../lib/storage/object-keys.js';

/** The contract in openapi.yaml against the route table (lib/http/routes.ts) and the error table (lib/errors.ts). */

type Node = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const doc: Node = parse(readFileSync(join(ROOT, 'openapi.yaml'), 'utf8'), { strict: true, uniqueKeys: true });
const ALL_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];
const ERROR_SCHEMA_REF = '#/components/schemas/Error';

/** Follows a local `$ref` (repeatedly) to the node it names. */
function deref(node: Node): Node {
  let current = node;
  for (let hops = 0; current && typeof current.$ref === 'string'; hops++) {
    if (hops > 10) throw new Error(`$ref loop at ${node.$ref}`);
    const ref: string = current.$ref;
    if (!ref.startsWith('#/')) throw new Error(`only local $refs are expected, got ${ref}`);
    current = ref
      .slice(2)
      .split('/')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<Node>((n, key) => n?.[key], doc);
    if (current === undefined) throw new Error(`unresolved $ref ${ref}`);
  }
  return current;
}

const operation = (path: string, method: string): Node | undefined => doc.paths?.[path]?.[method.toLowerCase()];

/** The error codes a response shows: in its examples, and written as `Code` in its description. */
function codesIn(response: Node): { inExamples: string[]; inDescription: string[] } {
  const r = deref(response);
  const inExamples: string[] = [];
  for (const media of Object.values<Node>(r.content ?? {})) {
    if (media.example?.error?.code) inExamples.push(media.example.error.code);
    for (const ex of Object.values<Node>(media.examples ?? {})) {
      const code = deref(ex).value?.error?.code;
      if (code) inExamples.push(code);
    }
  }
  const inDescription = ALL_CODES.filter((c) => new RegExp(`\\b${c}\\b`).test(String(r.description ?? '')));
  return { inExamples, inDescription };
}

function* allRefs(node: unknown, at = '#'): Generator<[string, string]> {
  if (Array.isArray(node)) {
    for (const [i, v] of node.entries()) yield* allRefs(v, `${at}/${i}`);
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') yield [at, v];
      else yield* allRefs(v, `${at}/${k}`);
    }
  }
}

describe('openapi.yaml', () => {
  it('is an OpenAPI 3.0 document whose every $ref resolves', () => {
    expect(doc.openapi).toMatch(/^3\.0\.\d+$/);
    expect(doc.info?.title).toBeTruthy();
    const refs = [...allRefs(doc)];
    expect(refs.length).toBeGreaterThan(20);
    for (const [at, ref] of refs) expect(() => deref({ $ref: ref }), `${at} -> ${ref}`).not.toThrow();
  });

  it('documents every route of ROUTES with its method, and nothing else', () => {
    for (const route of ROUTES) {
      expect(operation(route.path, route.method), `${route.method} ${route.path}`).toBeDefined();
    }
    const documented = Object.entries<Node>(doc.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((k) => ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'].includes(k))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('declares each {placeholder} of a route path as a required path parameter', () => {
    for (const route of ROUTES) {
      const op = operation(route.path, route.method)!;
      const params = [...(doc.paths[route.path].parameters ?? []), ...(op.parameters ?? [])].map(deref);
      const placeholders = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const name of placeholders) {
        const p = params.find((x) => x.in === 'path' && x.name === name);
        expect(p, `${route.method} ${route.path}: {${name}}`).toBeDefined();
        expect(p!.required).toBe(true);
      }
      expect(params.filter((x) => x.in === 'path').map((x) => x.name).sort()).toEqual([...placeholders].sort());
    }
  });

  it('declares the bearer scheme, required on every route but the public ones', () => {
    const schemes = (doc).components.securitySchemes;
    expect(schemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect((doc).security).toEqual([{ bearer: [] }]);
    for (const route of ROUTES) {
      const op = operation(route.path, route.method)!;
      if (route.public) expect(op.security, `${route.method} ${route.path}`).toEqual([]);
      else expect(op.security, `${route.method} ${route.path}`).toBeUndefined();
    }
  });

  it('documents every error code a route can return, under its status', () => {
    for (const route of ROUTES) {
      const op = operation(route.path, route.method)!;
      for (const code of routeErrors(route)) {
        const where = `${route.method} ${route.path} ${code}`;
        const response = op.responses?.[String(ERROR_STATUS[code])];
        expect(response, `${where}: no ${ERROR_STATUS[code]} response`).toBeDefined();
        const { inExamples, inDescription } = codesIn(response);
        expect([...inExamples, ...inDescription], where).toContain(code);
      }
    }
  });

  it('files every error example under the status of its code', () => {
    for (const route of ROUTES) {
      for (const [status, response] of Object.entries<Node>(operation(route.path, route.method)!.responses)) {
        const { inExamples, inDescription } = codesIn(response);
        for (const code of [...inExamples, ...inDescription]) {
          expect(ERROR_STATUS[code as ErrorCode], `${route.method} ${route.path} ${status}: ${code}`).toBe(Number(status));
        }
      }
    }
  });

  it('answers every 4xx and 5xx with the Error schema', () => {
    let checked = 0;
    for (const route of ROUTES) {
      for (const [status, response] of Object.entries<Node>(operation(route.path, route.method)!.responses)) {
        if (!/^[45]\d\d$/.test(status)) continue;
        const content = deref(response).content;
        expect(Object.keys(content ?? {}), `${route.method} ${route.path} ${status}`).toEqual(['application/json']);
        expect(content['application/json'].schema, `${route.method} ${route.path} ${status}`).toEqual({ $ref: ERROR_SCHEMA_REF });
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(ROUTES.length * 3);
  });

  it('has an Error schema {"error":{"code","message"}} listing exactly the codes of lib/errors.ts', () => {
    const error = deref({ $ref: ERROR_SCHEMA_REF });
    expect(error.required).toEqual(['error']);
    const inner = error.properties.error;
    expect(inner.required).toEqual(['code', 'message']);
    expect(inner.properties.message.type).toBe('string');
    expect([...inner.properties.code.enum].sort()).toEqual([...ALL_CODES].sort());
    for (const code of ALL_CODES) expect(code).toMatch(/^[A-Z][A-Za-z]+$/);
  });

  it('gives error examples the error body shape, with a known code and a sentence', () => {
    const examples = Object.entries<Node>(doc.components.examples).filter(([, ex]) => ex.value?.error);
    expect(examples.length).toBeGreaterThanOrEqual(ALL_CODES.length - 4);
    for (const [name, ex] of examples) {
      expect(Object.keys(ex.value), name).toEqual(['error']);
      expect(ALL_CODES, name).toContain(ex.value.error.code);
      expect(ex.value.error.message, name).toMatch(/^[A-Z].*\.$/);
    }
  });

  describe('the contract', () => {
    it('POST /files: {size, filename?} -> 201 with the presigned PUT', () => {
      const op = operation('/files', 'POST')!;
      const body = deref(op.requestBody.content['application/json'].schema);
      expect(body.required).toEqual(['size']);
      expect(body.properties.size).toMatchObject({ type: 'integer', minimum: 1 });
      expect(body.properties.filename.type).toBe('string');
      const created = op.responses['201'].content['application/json'];
      const schema = deref(created.schema);
      expect(schema.required.sort()).toEqual(['expiresAt', 'headers', 'id', 'method', 'uploadUrl']);
      expect(schema.properties.method.enum).toEqual(['PUT']);
      expect(schema.properties.headers.properties['content-type'].enum).toEqual(['application/dicom']);
      expect(created.example.headers).toEqual({ 'content-type': 'application/dicom', 'content-length': '524288', 'if-none-match': '*' });
      expect(doc.info.description).toMatch(/PUT/);
      expect(op.description).toContain('10485760');
    });

    it('GET /files/{id}: 200 {id, size, uploadedAt, ...}', () => {
      const ok = deref(operation('/files/{id}', 'GET')!.responses['200'].content['application/json'].schema);
      expect(ok.required).toEqual(['id', 'size', 'uploadedAt', 'status']);
      expect(ok.additionalProperties).toBe(true);
    });

    it('GET /files/{id}/tags/{tag}: the example of the issue, every accepted tag form', () => {
      const op = operation('/files/{id}/tags/{tag}', 'GET')!;
      const ok = op.responses['200'].content['application/json'];
      expect(ok.examples.PatientName.value).toEqual({
        tag: '00100010',
        keyword: 'PatientName',
        vr: 'PN',
        Value: [{ Alphabetic: 'Doe^Jane' }],
      });
      const tag = op.parameters.map(deref).find((p: Node) => p.name === 'tag');
      const forms = Object.values<Node>(tag.examples).map((e) => e.value);
      expect(forms).toEqual(expect.arrayContaining(['00100010', '0010,0010', '(0010,0010)', 'x00100010', 'PatientName']));
    });

    it('GET /files/{id}/tags: the DICOM JSON model, pixel data without a value', () => {
      const ok = operation('/files/{id}/tags', 'GET')!.responses['200'].content['application/dicom+json'];
      expect(deref(ok.schema).additionalProperties).toEqual({ $ref: '#/components/schemas/DicomJsonAttribute' });
      expect(ok.example['7FE00010']).toEqual({ vr: 'OW' });
      for (const key of Object.keys(ok.example)) expect(key).toMatch(/^[0-9A-F]{8}$/);
    });

    it('GET /files/{id}/png: frame, window, bitDepth; 303 with Location, or 200 JSON', () => {
      const op = operation('/files/{id}/png', 'GET')!;
      const query = Object.fromEntries(op.parameters.map(deref).filter((p: Node) => p.in === 'query').map((p: Node) => [p.name, p]));
      expect(Object.keys(query).sort()).toEqual(['bitDepth', 'frame', 'overlays', 'size', 'voi', 'window']);
      expect(query.overlays.schema).toMatchObject({ type: 'boolean', default: true });
      expect(query.frame.schema).toMatchObject({ type: 'integer', minimum: 1, default: 1 });
      expect(query.bitDepth.schema.enum).toEqual([8, 16]);
      for (const fn of ['linear', 'linear-exact', 'sigmoid']) expect(query.window.description).toContain(fn);
      expect(op.responses['303'].headers.Location).toBeDefined();
      const json = deref(op.responses['200'].content['application/json'].schema);
      expect(json.required.sort()).toEqual(['bitDepth', 'cached', 'frame', 'height', 'url', 'width']);
    });

    it('shows render keys (openapi.yaml and README) as lib/storage builds them, with the current variant', () => {
      const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
      const yaml = readFileSync(join(ROOT, 'openapi.yaml'), 'utf8');
      const keys = [...`${yaml}\n${readme}`.matchAll(/renders\/[^\s'"`?…]+?\.png/g)].map((m) => m[0]);
      expect(keys.length).toBeGreaterThanOrEqual(2);
      // The parameters the examples show: ?window=40,400 (and the defaults).
      const variants = ['window=40,400', ''].map((q) => renderVariant(parseRenderParams(new Map([...new URLSearchParams(q)].map(([k, v]) => [k, [v]])))));
      for (const key of keys) {
        const m = /^renders\/(t[0-9a-f]{32}|<tenant>)\/(?:sha256\/([0-9a-f]{64}|<hash>)|(<id>))\/(.+)\.png$/.exec(key);
        expect(m, key).not.toBeNull();
        const [, tenant, hash, id, variant] = m!;
        // Placeholders stand for values of the right shape; the builders check the shapes.
        const sample = { '<tenant>': `t${'0'.repeat(32)}`, '<hash>': 'a'.repeat(64), '<id>': '6f1c4a52-3b8e-4d5f-9a7b-2c1d0e9f8a7b' } as Record<string, string>;
        const real = (v: string) => sample[v] ?? v;
        const built = hash ? contentRenderKey(real(tenant), real(hash), variant) : renderKey({ tenant: real(tenant), id: real(id) }, variant);
        expect(built, key).toBe(key.replace(/<tenant>|<hash>|<id>/g, real));
        // A concrete variant is one renderVariant() makes today; `<variant>` is a placeholder.
        if (variant !== '<variant>') expect(variants, key).toContain(variant);
      }
      const example = deref(operation('/files/{id}/png', 'GET')!.responses['200']).content['application/json'].example;
      expect(new URL(example.url).pathname.slice(1), 'the example url').toMatch(/^renders\/t[0-9a-f]{32}\/sha256\/[0-9a-f]{64}\/v\d+-/);
    });

    it('GET /openapi is YAML and GET /docs is HTML', () => {
      expect(Object.keys(operation('/openapi', 'GET')!.responses['200'].content)).toEqual(['application/yaml']);
      expect(Object.keys(operation('/docs', 'GET')!.responses['200'].content)).toEqual(['text/html']);
    });

    it('GET /docs/{asset} lists exactly the served Swagger UI files, with their types', () => {
      const op = operation('/docs/{asset}', 'GET')!;
      const asset = op.parameters.map(deref).find((p: Node) => p.name === 'asset');
      expect([...asset.schema.enum].sort()).toEqual(Object.keys(DOCS_ASSETS).sort());
      const types = Object.values(DOCS_ASSETS).map((t) => t.split(';')[0]);
      expect(Object.keys(op.responses['200'].content).sort()).toEqual([...new Set(types)].sort());
    });
  });
});
