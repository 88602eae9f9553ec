import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** A Swagger UI page over /openapi. It loads the UI from a CDN in the browser; the API itself needs none. */
export const SWAGGER_UI_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>DICOM service API</title>
<link rel="stylesheet" href="https://unpkg.com/swagger-ui-dist@5/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="https://unpkg.com/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: 'openapi', dom_id: '#ui' });</script>
</body></html>`;
