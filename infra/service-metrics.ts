import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/**
 * The custom metrics the functions emit (Powertools Metrics, embedded metric format), in one
 * place: the dashboard reads exactly these, and the functions' environment names the service and
 * namespace (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE). Each metric carries only the
 * dimension set {service}: a metric emitted with other dimensions is another metric to CloudWatch
 * and would not show here.
 */
export const SERVICE_NAME = 'dicom-service';
export const METRICS_NAMESPACE = 'DicomService';
export const METRIC_DIMENSIONS = { service: SERVICE_NAME } as const;

/** Metric name -> the unit the functions emit it in. */
export const SERVICE_METRICS = {
  RenderTime: cloudwatch.Unit.MILLISECONDS,
  DecodeTime: cloudwatch.Unit.MILLISECONDS,
  HeaderBytesRead: cloudwatch.Unit.BYTES,
  ExportCacheHit: cloudwatch.Unit.COUNT,
  ExportCacheMiss: cloudwatch.Unit.COUNT,
  UploadRejected: cloudwatch.Unit.COUNT,
  UploadSize: cloudwatch.Unit.BYTES,
  Http4xx: cloudwatch.Unit.COUNT,
  Http5xx: cloudwatch.Unit.COUNT,
} as const;

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
