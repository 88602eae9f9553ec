import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DomainError } from '../errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Whether `id` (any case) is a file id as POST /files makes them: a UUID. */
export const isFileId = (id: string): boolean => UUID.test(id.toLowerCase());

/** The {id} path parameter, checked to be a UUID before anything touches S3. */
export function fileIdParam(event: APIGatewayProxyEventV2): string {
  const id = (event.pathParameters?.id ?? '').toLowerCase();
  if (!isFileId(id)) {
    throw new DomainError('InvalidFileId', 'The file id must be a UUID as returned by POST /files.');
  }
  return id;
}

export function pathParam(event: APIGatewayProxyEventV2, name: string): string {
  return event.pathParameters?.[name] ?? '';
}

/** Bodies of POST /files are tiny; anything larger is not a request this API understands. */
const MAX_JSON_BODY = 16 * 1024;

export function jsonBody(event: APIGatewayProxyEventV2): unknown {
  if (!event.body) throw new DomainError('InvalidRequest', 'The request body must be a JSON object, e.g. {"size": 524288}.');
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (raw.length > MAX_JSON_BODY) throw new DomainError('InvalidRequest', `The request body must be under ${MAX_JSON_BODY} bytes.`);
  try {
    return JSON.parse(raw);
  } catch {
    throw new DomainError('InvalidRequest', 'The request body is not valid JSON.');
  }
}

export const header = (event: APIGatewayProxyEventV2, name: string): string | undefined => {
  const h = event.headers ?? {};
  return h[name] ?? h[name.toLowerCase()] ?? Object.entries(h).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
};

/**
 * Query parameters, with repeated names kept apart: API Gateway joins repeats with commas in
 * queryStringParameters, so read rawQueryString when it is there.
 */
export function queryParams(event: APIGatewayProxyEventV2): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (event.rawQueryString !== undefined) {
    if (event.rawQueryString.length > 4096) {
      throw new DomainError('InvalidParameter', 'The query string is too long (over 4096 characters).');
    }
    let params: URLSearchParams;
    try {
      params = new URLSearchParams(event.rawQueryString);
    } catch {
      throw new DomainError('InvalidParameter', 'The query string could not be decoded.');
    }
    for (const [k, v] of params) out.set(k, [...(out.get(k) ?? []), v]);
    return out;
  }
  for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) if (v !== undefined) out.set(k, [v]);
  return out;
}
