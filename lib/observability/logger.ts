/**
 * Structured JSON logs through Powertools for AWS Lambda's Logger: each line has level,
 * message, timestamp, service, the Lambda context once injectLambdaContext has run (cold_start,
 * function_name, function_request_id, ...), the request's correlation_id, and the fields the
 * caller names. Only operational fields go in: route, status, timings, error codes, byte
 * counts. Never tag values, names, ids of patients, tokens or presigned URLs: callers pass
 * fields explicitly, flat scalars only, and nothing else is serialised.
 *
 * LOG_LEVEL (lib/config.ts) is read at each line, as before: `debug`, `info`, `warn`, `error`,
 * or `silent` for none. One Logger per container; a line below the level costs one comparison.
 */
import { Logger, LogLevelThreshold } from '@aws-lambda-powertools/logger';
import { LOG_LEVELS, type LogLevel, logLevel } from '../config.js';
import { currentCorrelationId } from './correlation.js';
import { SERVICE_NAME } from './metric-names.js';

export type LogFields = Record<string, string | number | boolean | undefined>;

const POWERTOOLS_LEVEL = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', silent: 'SILENT' } as const;

/** The container's Powertools Logger (for its middy middleware, injectLambdaContext). */
export const logger = new Logger({ serviceName: SERVICE_NAME, logLevel: POWERTOOLS_LEVEL[logLevel()] });

function emit(level: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields): void {
  const current = logLevel();
  if (LOG_LEVELS[level] < LOG_LEVELS[current]) return;
  const wanted = POWERTOOLS_LEVEL[current];
  // Powertools keeps its own threshold (and resets it each warm invocation): follow LOG_LEVEL.
  if (logger.level !== LogLevelThreshold[wanted]) logger.setLogLevel(wanted);
  const correlationId = currentCorrelationId();
  const extra = correlationId === undefined ? fields : { correlation_id: correlationId, ...fields };
  if (extra) logger[level](message, extra);
  else logger[level](message);
}

export const log = {
  debug: (m: string, f?: LogFields) => emit('debug', m, f),
  info: (m: string, f?: LogFields) => emit('info', m, f),
  warn: (m: string, f?: LogFields) => emit('warn', m, f),
  error: (m: string, f?: LogFields) => emit('error', m, f),
};
