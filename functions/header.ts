import { getHeaderJson, getTag } from '../lib/header/header-service.js';
import { httpHandler } from '../lib/http/middleware.js';
import { fileIdParam, pathParam } from '../lib/http/request.js';
import { json } from '../lib/http/response.js';
import { defaultStorage } from '../lib/storage/default-storage.js';

/** GET /files/{id}/tags and GET /files/{id}/tags/{tag}: the header as the DICOM JSON model. */
export const handler = httpHandler({
  'GET /files/{id}/tags': async (event) => json(200, await getHeaderJson(defaultStorage(), fileIdParam(event)), {
    'content-type': 'application/dicom+json; charset=utf-8',
  }),
  'GET /files/{id}/tags/{tag}': async (event) =>
    json(200, await getTag(defaultStorage(), fileIdParam(event), pathParam(event, 'tag'))),
});
