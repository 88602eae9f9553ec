import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { METRIC, METRIC_NAMESPACE, SERVICE_NAME, type MetricName } from '../lib/observability/metric-names.js';

/**
 * The custom metrics the functions emit (Powertools Metrics, embedded metric format), in one
 * place: the dashboard reads exactly these, and the functions' environment names the service and
 * namespace (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE). Each metric carries only the
 * dimension set {service}: a metric emitted with other dimensions is another metric to CloudWatch
 * and would not show here.
 */
// The names are the functions' own (lib/observability/metric-names.ts): one owner for both sides.
export { SERVICE_NAME };
export const METRICS_NAMESPACE = METRIC_NAMESPACE;
export const METRIC_DIMENSIONS = { service: SERVICE_NAME } as const;

/** Metric name -> the unit the functions emit it in (a name missing here does not compile). */
export const SERVICE_METRICS = {
  [METRIC.RenderTime]: cloudwatch.Unit.MILLISECONDS,
  [METRIC.DecodeTime]: cloudwatch.Unit.MILLISECONDS,
  [METRIC.HeaderBytesRead]: cloudwatch.Unit.BYTES,
  [METRIC.ExportCacheHit]: cloudwatch.Unit.COUNT,
  [METRIC.ExportCacheMiss]: cloudwatch.Unit.COUNT,
  [METRIC.UploadRejected]: cloudwatch.Unit.COUNT,
  [METRIC.UploadSize]: cloudwatch.Unit.BYTES,
  [METRIC.Http4xx]: cloudwatch.Unit.COUNT,
  [METRIC.Http5xx]: cloudwatch.Unit.COUNT,
} as const satisfies Record<MetricName, cloudwatch.Unit>;

export type ServiceMetricName = keyof typeof SERVICE_METRICS;

/**
 * A CloudWatch metric of the service. No unit filter on the query: CloudWatch returns nothing
 * when a query's unit differs from the one stored, and the unit is the emitter's business.
 */
export function serviceMetric(name: ServiceMetricName, props: { statistic: string; label?: string; period?: Duration }): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { ...METRIC_DIMENSIONS },
    statistic: props.statistic,
    label: props.label,
    period: props.period ?? Duration.minutes(5),
  });
}
