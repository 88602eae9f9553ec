/**
 * Structured JSON logs. Only operational fields go in: route, status, timings, error codes,
 * byte counts. Never tag values, names, ids of patients, or presigned URLs — callers pass
 * fields explicitly and nothing else is serialised.
 */
import { LOG_LEVELS, type LogLevel, logLevel } from './config.js';

export type LogFields = Record<string, string | number | boolean | undefined>;

function emit(level: Exclude<LogLevel, 'silent'>, message: string, fields: LogFields = {}): void {
  if (LOG_LEVELS[level] < LOG_LEVELS[logLevel()]) return;
  const line = JSON.stringify({ level, message, time: new Date().toISOString(), ...fields });
  if (LOG_LEVELS[level] >= LOG_LEVELS.warn) process.stderr.write(line + '\n');
  else process.stdout.write(line + '\n');
}

export const log = {
  debug: (m: string, f?: LogFields) => emit('debug', m, f),
  info: (m: string, f?: LogFields) => emit('info', m, f),
  warn: (m: string, f?: LogFields) => emit('warn', m, f),
  error: (m: string, f?: LogFields) => emit('error', m, f),
};
