/**
 * The service's CloudWatch metrics through Powertools for AWS Lambda's Metrics, as embedded
 * metric format (EMF) lines on stdout: in Lambda, CloudWatch Logs turns them into metrics;
 * locally they are printed the same way (METRICS, lib/config.ts, turns them off).
 *
 * Names, units and dimensions are the contract of the stack's alarms and dashboard
 * (./metric-names.ts): every metric has the dimension set {service} alone; a breakdown
 * (transfer syntax, reject reason, status code) is a second set {service, <breakdown>} in the
 * same EMF line, written at once so concurrent requests of the local server never share one.
 * Dimension values are bounded sets (table keywords, error codes, status codes), never input.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { GenericLogger } from '@aws-lambda-powertools/commons/types';
import { metricsEnabled } from '../config.js';
import { log } from './logger.js';
import { METRIC, METRIC_BREAKDOWN, METRIC_NAMESPACE, SERVICE_NAME } from './metric-names.js';

/**
 * Powertools' own warnings go to the service's log. "No application metrics to publish" is
 * what every request without a metric would say: not worth a line.
 */
const metricsLog: GenericLogger = {
  debug: (m: unknown) => log.debug(`metrics: ${String(m)}`),
  info: (m: unknown) => log.info(`metrics: ${String(m)}`),
  warn: (m: unknown) => (String(m).startsWith('No application metrics') ? undefined : log.warn(`metrics: ${String(m)}`)),
  error: (m: unknown) => log.error(`metrics: ${String(m)}`),
};

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

const options = { namespace: METRIC_NAMESPACE, serviceName: SERVICE_NAME, logger: metricsLog };

/** Metrics with the {service} set alone, buffered and flushed once a request by logMetrics (lib/http/middleware.ts). */
export const metrics = new Metrics(options);

/** Metrics with a breakdown: each written at once, in its own line, with both of its sets. */
const brokenDown = new Metrics({ ...options, singleMetric: true });

function breakdown(name: keyof typeof METRIC_BREAKDOWN, unit: Unit, value: number, by: string): void {
  if (!metricsEnabled()) return;
  // An empty set is the {service} set alone (Powertools adds the default dimension to each set).
  brokenDown.addDimensions({}).addDimensions({ [METRIC_BREAKDOWN[name]]: by });
  brokenDown.addMetric(METRIC[name], unit, value);
}

function plain(name: keyof typeof METRIC, unit: Unit, value: number): void {
  if (metricsEnabled()) metrics.addMetric(METRIC[name], unit, value);
}

/** A new rendering took `ms` (decode, window, encode); `transferSyntax` is the table's keyword (lib/dicom/transfer-syntax.ts). */
export const recordRenderTime = (ms: number, transferSyntax: string): void => breakdown('RenderTime', MetricUnit.Milliseconds, ms, transferSyntax);

/** One frame's decode took `ms`. */
export const recordDecodeTime = (ms: number): void => plain('DecodeTime', MetricUnit.Milliseconds, ms);

/** A header request read `bytes` from S3. */
export const recordHeaderBytesRead = (bytes: number): void => plain('HeaderBytesRead', MetricUnit.Bytes, bytes);

/** A PNG export found its rendering cached (`hit`) or rendered it anew. */
export const recordExportCache = (hit: boolean): void => plain(hit ? 'ExportCacheHit' : 'ExportCacheMiss', MetricUnit.Count, 1);

/** The processor quarantined an upload; `reason` is the error code. */
export const recordUploadRejected = (reason: string): void => breakdown('UploadRejected', MetricUnit.Count, 1, reason);

/** The processor read an upload of `bytes`. */
export const recordUploadSize = (bytes: number): void => plain('UploadSize', MetricUnit.Bytes, bytes);

/** An HTTP answer of `status`: counted as Http4xx or Http5xx by its code (other statuses are not counted). */
export function recordHttpStatus(status: number): void {
  if (status >= 400 && status < 500) breakdown('Http4xx', MetricUnit.Count, 1, String(status));
  else if (status >= 500 && status < 600) breakdown('Http5xx', MetricUnit.Count, 1, String(status));
}
