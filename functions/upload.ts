import { docsAsset } from '../lib/http/docs-assets.js';
import { httpHandler, requestCaller } from '../lib/http/middleware.js';
import { SWAGGER_UI_HTML, openApiDocument } from '../lib/http/openapi.js';
import { fileIdParam, jsonBody } from '../lib/http/request.js';
import { json, text } from '../lib/http/response.js';
import { perContainer } from '../lib/storage/default-storage.js';
import { createUpload, getFileInfo } from '../lib/upload/upload-service.js';

const deps = perContainer((storage, cfg) => ({ storage, cfg }));

/** POST /files, GET /files/{id}, and the contract: GET /openapi, GET /docs, GET /docs/{asset}. */
export const handler = httpHandler({
  'POST /files': async (event) => {
    const { storage, cfg } = deps();
    return json(201, await createUpload(storage, cfg, requestCaller(event).tenant, jsonBody(event)));
  },
  // Another tenant's id reads keys of the caller's tenant, where it does not exist: the same 404.
  'GET /files/{id}': async (event) =>
    json(200, await getFileInfo(deps().storage, { tenant: requestCaller(event).tenant, id: fileIdParam(event) })),
  'GET /openapi': async () => text(200, openApiDocument(), 'application/yaml; charset=utf-8'),
  'GET /docs': async () => text(200, SWAGGER_UI_HTML, 'text/html; charset=utf-8'),
  'GET /docs/{asset}': async (event) => docsAsset(event.pathParameters?.asset ?? '', event.headers?.['accept-encoding']),
});
