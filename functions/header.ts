import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { HeaderService, type HeaderWarning, parseTagFilter, warningHeaders } from '../lib/header/header-service.js';
import { parseRangeHeader } from '../lib/http/byte-range.js';
import { httpHandler, requestCaller } from '../lib/http/middleware.js';
import { fileIdParam, header, pathParam, queryParams } from '../lib/http/request.js';
import { json } from '../lib/http/response.js';
import { perContainer } from '../lib/storage/default-storage.js';
import { initConfig } from '../lib/config.js';

// Cold start: the SSM parameters SECRET_PARAMETER_NAMES names, then the whole configuration
// validated once (lib/config.ts); a bad setting fails the container's init, not a request.
await initConfig();

const service = perContainer((storage, cfg) => new HeaderService(storage, cfg));

/** Absolute BulkDataURIs (PS3.18 F.2.6) back at this API: /files/{id}/bulk/{tag path}. */
function bulkUris(event: APIGatewayProxyEventV2, id: string): (tagPath: string) => string {
  const host = event.requestContext?.domainName ?? header(event, 'host') ?? 'localhost';
  const local = /^(localhost|127\.0\.0\.1)(:|$)/.test(host);
  const proto = header(event, 'x-forwarded-proto') ?? (local ? 'http' : 'https');
  const stage = event.requestContext?.stage && event.requestContext.stage !== '$default' ? `/${event.requestContext.stage}` : '';
  return (tagPath) => `${proto}://${host}${stage}/files/${id}/bulk/${tagPath}`;
}

/** GET /files/{id}/tags, /files/{id}/tags/{tag} and /files/{id}/bulk/{path}: the header as the DICOM JSON model. */
export const handler = httpHandler({
  'GET /files/{id}/tags': async (event) => {
    const id = fileIdParam(event);
    const ref = { tenant: requestCaller(event).tenant, id };
    const specs = queryParams(event).get('tag');
    // Bad tags are refused before anything is read.
    const tags = specs ? parseTagFilter(specs) : undefined;
    let warnings: readonly HeaderWarning[] = [];
    const body = await service().headerJson(ref, tags, { bulkDataUri: bulkUris(event, id), onWarnings: (w) => (warnings = w) });
    return json(200, body, { 'content-type': 'application/dicom+json; charset=utf-8', ...warningHeaders(warnings) });
  },
  'GET /files/{id}/tags/{tag}': async (event) => {
    const id = fileIdParam(event);
    const ref = { tenant: requestCaller(event).tenant, id };
    let warnings: readonly HeaderWarning[] = [];
    const body = await service().tag(ref, pathParam(event, 'tag'), { bulkDataUri: bulkUris(event, id), onWarnings: (w) => (warnings = w) });
    return json(200, body, warningHeaders(warnings));
  },
  'GET /files/{id}/bulk/{path}': async (event) => {
    const ref = { tenant: requestCaller(event).tenant, id: fileIdParam(event) };
    let warnings: readonly HeaderWarning[] = [];
    const value = await service().bulk(ref, pathParam(event, 'path'), parseRangeHeader(header(event, 'range')), { onWarnings: (w) => (warnings = w) });
    const headers: Record<string, string> = {
      'content-type': 'application/octet-stream',
      'cache-control': 'private, max-age=300',
      'accept-ranges': 'bytes',
      ...warningHeaders(warnings),
    };
    if (value.range) headers['content-range'] = `bytes ${value.range.start}-${value.range.end}/${value.totalLength}`;
    return {
      statusCode: value.range ? 206 : 200,
      headers,
      body: Buffer.from(value.bytes.buffer, value.bytes.byteOffset, value.bytes.byteLength).toString('base64'),
      isBase64Encoded: true,
    };
  },
});
