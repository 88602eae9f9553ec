/**
 * The names the service's logs, metrics and traces are published under: the contract the
 * stack's alarms and dashboard (infra/) are built on, so they live here once, free of any
 * Powertools import (infra/ may import this file).
 */

/** The `service` of every log line and trace, and the one default metric dimension. */
export const SERVICE_NAME = 'dicom-service';

/** The CloudWatch namespace of every metric. */
export const METRIC_NAMESPACE = 'DicomService';

/**
 * Every metric, each published with the dimension set {service} alone; the ones with a
 * breakdown are published in the same line with a second set {service, <breakdown>} too.
 */
export const METRIC = {
  /** Milliseconds of one new rendering (read, decode, window, encode); breakdown TransferSyntax. */
  RenderTime: 'RenderTime',
  /** Milliseconds of one frame's decode (a decoded frame kept in the container is not decoded again). */
  DecodeTime: 'DecodeTime',
  /** Bytes read from S3 to answer one header request (0 when the container had it). */
  HeaderBytesRead: 'HeaderBytesRead',
  /** Count: a PNG export found its rendering cached. */
  ExportCacheHit: 'ExportCacheHit',
  /** Count: a PNG export rendered anew. */
  ExportCacheMiss: 'ExportCacheMiss',
  /** Count: an upload the processor quarantined; breakdown Reason (the error code). */
  UploadRejected: 'UploadRejected',
  /** Bytes of one upload the processor read. */
  UploadSize: 'UploadSize',
  /** Count: a 4xx answer; breakdown StatusCode. */
  Http4xx: 'Http4xx',
  /** Count: a 5xx answer; breakdown StatusCode. */
  Http5xx: 'Http5xx',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** The breakdown dimension of the metrics that have one. */
export const METRIC_BREAKDOWN = {
  RenderTime: 'TransferSyntax',
  UploadRejected: 'Reason',
  Http4xx: 'StatusCode',
  Http5xx: 'StatusCode',
} as const satisfies Partial<Record<MetricName, string>>;
