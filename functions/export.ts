import { ExportService, type InlineExportResult } from '../lib/export/export-service.js';
import { acceptsPngInline, inlinePngHeaders } from '../lib/export/inline-png.js';
import { parseRenderParams } from '../lib/export/render-params.js';
import { httpHandler, requestCaller } from '../lib/http/middleware.js';
import { fileIdParam, header, queryParams } from '../lib/http/request.js';
import { binary, json } from '../lib/http/response.js';
import { config, initConfig } from '../lib/config.js';
import { perContainer } from '../lib/storage/default-storage.js';

// Cold start: the SSM parameters SECRET_PARAMETER_NAMES names, then the whole configuration
// validated once (lib/config.ts); a bad setting fails the container's init, not a request.
await initConfig();

const service = perContainer((storage, cfg) => new ExportService(storage, cfg));

/**
 * GET /files/{id}/png: 303 to the cached PNG, or its description as JSON when asked for, or
 * with `Accept: image/png` the PNG itself when it is small enough (lib/export/inline-png.ts).
 */
export const handler = httpHandler({
  'GET /files/{id}/png': async (event) => {
    const ref = { tenant: requestCaller(event).tenant, id: fileIdParam(event) };
    const params = parseRenderParams(queryParams(event));
    const accept = header(event, 'accept') ?? '';
    if (accept.includes('application/json')) return json(200, await service().exportPng(ref, params));
    const result: InlineExportResult = acceptsPngInline(accept) ? await service().exportPngInline(ref, params) : await service().exportPng(ref, params);
    if (result.png) return binary(200, result.png, inlinePngHeaders(config().renderUrlTtlSeconds, result.cached));
    return { statusCode: 303, headers: { location: result.url, 'cache-control': 'no-store', vary: 'accept' }, body: '' };
  },
});
