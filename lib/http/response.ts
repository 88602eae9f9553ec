import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DomainError } from '../errors.js';

export type HttpResult = APIGatewayProxyStructuredResultV2 & { statusCode: number };

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

export const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult => ({
  statusCode,
  headers: { ...JSON_HEADERS, ...headers },
  body: JSON.stringify(body),
});

export const text = (statusCode: number, body: string, contentType: string): HttpResult => ({
  statusCode,
  headers: { 'content-type': contentType },
  body,
});

/** The one error body: {"error":{"code","message"}} plus safe details; never a stack trace. */
export const errorResponse = (e: DomainError): HttpResult =>
  json(e.status, { error: { code: e.code, message: e.message, ...(e.details ?? {}) } });

/** A binary body (API Gateway / Lambda proxy: base64 with isBase64Encoded); headers name its content-type. */
export const binary = (statusCode: number, bytes: Uint8Array, headers: Record<string, string>): HttpResult => ({
  statusCode,
  headers,
  body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
  isBase64Encoded: true,
});
