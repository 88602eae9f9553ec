import { docsAsset } from '../lib/http/docs-assets.js';
import { httpHandler, requestCaller } from '../lib/http/middleware.js';
import { SWAGGER_UI_HTML, openApiDocument } from '../lib/http/openapi.js';
import { fileIdParam, jsonBody } from '../lib/http/request.js';
import { json, text } from '../lib/http/response.js';
import { deleteFile } from '../lib/upload/delete-file.js';
import { perContainer } from '../lib/storage/default-storage.js';
import { createUpload, getFileInfo } from '../lib/upload/upload-service.js';
import { initConfig } from '../lib/config.js';

// Cold start: the SSM parameters SECRET_PARAMETER_NAMES names, then the whole configuration
// validated once (lib/config.ts); a bad setting fails the container's init, not a request.
await initConfig();

const deps = perContainer((storage, cfg) => ({ storage, cfg }));

/** POST /files, GET /files/{id}, DELETE /files/{id}, and the contract: GET /openapi, GET /docs, GET /docs/{asset}. */
export const handler = httpHandler({
  'POST /files': async (event) => {
    const { storage, cfg } = deps();
    return json(201, await createUpload(storage, cfg, requestCaller(event).tenant, jsonBody(event)));
  },
  // Another tenant's id reads keys of the caller's tenant, where it does not exist: the same 404.
  'GET /files/{id}': async (event) =>
    json(200, await getFileInfo(deps().storage, { tenant: requestCaller(event).tenant, id: fileIdParam(event) })),
  // Idempotent 204; another tenant's id builds keys of the caller's tenant: the same 404 as above.
  'DELETE /files/{id}': async (event) => {
    await deleteFile(deps().storage, { tenant: requestCaller(event).tenant, id: fileIdParam(event) });
    return { statusCode: 204, headers: {}, body: '' };
  },
  'GET /openapi': async () => text(200, openApiDocument(), 'application/yaml; charset=utf-8'),
  'GET /docs': async () => text(200, SWAGGER_UI_HTML, 'text/html; charset=utf-8'),
  'GET /docs/{asset}': async (event) => docsAsset(event.pathParameters?.asset ?? '', event.headers?.['accept-encoding']),
});
