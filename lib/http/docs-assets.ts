import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import swaggerUiPackage from 'swagger-ui-dist/package.json' with { type: 'json' };
import { DomainError } from '../errors.js';
import type { HttpResult } from './response.js';

/**
 * The Swagger UI files GET /docs/{asset} serves, from the pinned swagger-ui-dist package, so the
 * docs page needs no CDN (and works offline). An allow-list: the name is looked up here and
 * never joined into a path as given.
 */
export const DOCS_ASSETS = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
} as const satisfies Record<string, string>;

export type DocsAssetName = keyof typeof DOCS_ASSETS;

/** Where the assets are in the repository; infra/bundling.ts copies them beside the upload bundle. */
export const DOCS_ASSET_FILES: readonly string[] = Object.keys(DOCS_ASSETS).map((name) => `node_modules/swagger-ui-dist/${name}`);

/** The package version; the page puts it in the asset URLs so a new version is not hidden by the long cache. */
export const SWAGGER_UI_VERSION: string = swaggerUiPackage.version;

const isDocsAsset = (name: string): name is DocsAssetName => Object.hasOwn(DOCS_ASSETS, name);

interface Loaded {
  body: Buffer;
  gzipped?: Buffer;
}
const loaded = new Map<DocsAssetName, Loaded>();

/**
 * The asset's bytes, read once per container. In Lambda they sit beside the handler (/var/task,
 * copied at bundling); locally they are in node_modules.
 */
function load(name: DocsAssetName): Loaded {
  const cached = loaded.get(name);
  if (cached) return cached;
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
  const inPackage = join('node_modules', 'swagger-ui-dist', name);
  const candidates = [join(here, name), join(process.cwd(), inPackage), join(here, '..', '..', inPackage)];
  const found = candidates.find((p) => existsSync(p));
  // A bundle without its assets is a deployment bug (a 500), not a missing page (a 404).
  if (!found) throw new Error(`docs asset ${name} is missing from the deployment bundle`);
  const entry = { body: readFileSync(found) };
  loaded.set(name, entry);
  return entry;
}

/**
 * Whether an Accept-Encoding header value accepts gzip (RFC 9110 12.5.3): gzip's own q if it is
 * listed, else that of `*`; q=0 refuses.
 */
function acceptsGzip(acceptEncoding: string | undefined): boolean {
  const q: Record<string, number> = {};
  for (const part of (acceptEncoding ?? '').split(',')) {
    const [coding, ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const weight = params.find((p) => p.startsWith('q='));
    q[coding] = weight === undefined ? 1 : Number(weight.slice(2)) || 0;
  }
  return (q.gzip ?? q['*'] ?? 0) > 0;
}

/**
 * GET /docs/{asset}: one of DOCS_ASSETS, gzipped when the client accepts it (the bundle is
 * 1.7 MB as it is), cacheable for a year: the page asks for it with ?v=<package version>.
 * Any other name: 404 NotFound.
 */
export function docsAsset(name: string, acceptEncoding?: string): HttpResult {
  if (!isDocsAsset(name)) throw new DomainError('NotFound', 'No such documentation asset.');
  const entry = load(name);
  const headers: Record<string, string> = {
    'content-type': DOCS_ASSETS[name],
    'cache-control': 'public, max-age=31536000, immutable',
    vary: 'accept-encoding',
  };
  if (acceptsGzip(acceptEncoding)) {
    entry.gzipped ??= gzipSync(entry.body);
    return { statusCode: 200, headers: { ...headers, 'content-encoding': 'gzip' }, body: entry.gzipped.toString('base64'), isBase64Encoded: true };
  }
  return { statusCode: 200, headers, body: entry.body.toString('utf8') };
}
