import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SWAGGER_UI_VERSION } from './docs-assets.js';

let document: string | undefined;

/**
 * The contract, read once per container. In Lambda the bundle carries openapi.yaml beside
 * the handler (/var/task); locally it is at the repository root.
 */
export function openApiDocument(): string {
  if (document !== undefined) return document;
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'openapi.yaml'), join(process.cwd(), 'openapi.yaml'), join(here, '..', '..', 'openapi.yaml')];
  const found = candidates.find((p) => existsSync(p));
  // A bundle without its contract is a deployment bug: fail loudly rather than serve a blank one.
  if (!found) throw new Error('openapi.yaml is missing from the deployment bundle');
  document = readFileSync(found, 'utf8');
  return document;
}

/**
 * A Swagger UI page over /openapi. Its stylesheet and script come from this API (GET /docs/{asset},
 * lib/http/docs-assets.ts), by relative URLs as the contract itself, so it needs no CDN and works
 * offline and under any stage path. validatorUrl: null keeps Swagger UI from asking its public
 * online validator for a badge (a request to a third party carrying this API's URL).
 */
export const SWAGGER_UI_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>DICOM service API</title>
<link rel="stylesheet" href="docs/swagger-ui.css?v=${SWAGGER_UI_VERSION}"></head>
<body><div id="ui"></div>
<script src="docs/swagger-ui-bundle.js?v=${SWAGGER_UI_VERSION}"></script>
<script>window.ui = SwaggerUIBundle({ url: 'openapi', dom_id: '#ui', validatorUrl: null });</script>
</body></html>`;
