import { ExportService } from '../lib/export/export-service.js';
import { parseRenderParams } from '../lib/export/render-params.js';
import { httpHandler, requestCaller } from '../lib/http/middleware.js';
import { fileIdParam, header, queryParams } from '../lib/http/request.js';
import { json } from '../lib/http/response.js';
import { perContainer } from '../lib/storage/default-storage.js';

const service = perContainer((storage, cfg) => new ExportService(storage, cfg));

/** GET /files/{id}/png: 303 to the cached PNG, or its description as JSON when asked for. */
export const handler = httpHandler({
  'GET /files/{id}/png': async (event) => {
    const ref = { tenant: requestCaller(event).tenant, id: fileIdParam(event) };
    const params = parseRenderParams(queryParams(event));
    const result = await service().exportPng(ref, params);
    if ((header(event, 'accept') ?? '').includes('application/json')) return json(200, result);
    return { statusCode: 303, headers: { location: result.url, 'cache-control': 'no-store' }, body: '' };
  },
});
