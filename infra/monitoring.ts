import { Duration, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FunctionName } from '../lib/http/routes.js';
import { serviceMetric } from './service-metrics.js';
import type { StackConfig } from './stack-config.js';

export interface MonitoringProps {
  api: HttpApi;
  functions: Record<FunctionName, lambda.IFunction>;
  processingQueue: sqs.IQueue;
  deadLetterQueue: sqs.IQueue;
  /** Encrypts the alarm topic (its key policy lets CloudWatch publish). */
  key: kms.IKey;
  alarmEmail?: string;
  thresholds: StackConfig['alarms'];
}

/** The alarms, by what they watch (tests and the dashboard's alarm widget read them). */
export interface ServiceAlarms {
  api5xxRate: cloudwatch.Alarm;
  throttles: Record<FunctionName, cloudwatch.Alarm>;
  headerLatencyP99: cloudwatch.Alarm;
  exportLatencyP99: cloudwatch.Alarm;
  deadLetters: cloudwatch.Alarm;
}

/** Evaluation of the rate and latency alarms: 5-minute periods. */
const PERIOD = Duration.minutes(5);

/**
 * Alarms that notify an SNS topic (e-mail from configuration) and one dashboard: API and function
 * latency (p50/p99), 4xx/5xx, the export's cache hit ratio and render time (README, Operations).
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: ServiceAlarms;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { api, functions, thresholds } = props;
    const names = Object.keys(functions) as FunctionName[];

    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'DICOM service alarms',
      masterKey: props.key,
      enforceSSL: true,
    });
    // enforceSSL gives the topic a policy of its own, which replaces SNS's default one: CloudWatch
    // is allowed to publish explicitly, for this account's alarms only.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccount',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    const api5xxRate = new cloudwatch.MathExpression({
      expression: 'IF(requests > 0, 100 * errors / requests, 0)',
      usingMetrics: { errors: api.metricServerError({ period: PERIOD, statistic: 'Sum' }), requests: api.metricCount({ period: PERIOD, statistic: 'Sum' }) },
      period: PERIOD,
      label: 'API 5xx (% of requests)',
    });
    const duration = (name: FunctionName, statistic: string) => functions[name].metricDuration({ period: PERIOD, statistic, label: `${name} ${statistic}` });
    const latencyAlarm = (name: 'header' | 'export', thresholdMs: number) =>
      duration(name, 'p99').createAlarm(this, `${name === 'header' ? 'Header' : 'Export'}LatencyP99Alarm`, {
        alarmDescription: `p99 Duration of the ${name} function above ${thresholdMs} ms in 2 of 3 five-minute periods.`,
        threshold: thresholdMs,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });

    this.alarms = {
      api5xxRate: api5xxRate.createAlarm(this, 'Api5xxRateAlarm', {
        alarmDescription: `More than ${thresholds.api5xxRatePercent}% of API requests answered 5xx in five minutes.`,
        threshold: thresholds.api5xxRatePercent,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      throttles: Object.fromEntries(
        names.map((name) => [
          name,
          functions[name].metricThrottles({ period: Duration.minutes(1), statistic: 'Sum' }).createAlarm(this, `${name.charAt(0).toUpperCase()}${name.slice(1)}ThrottlesAlarm`, {
            alarmDescription: `The ${name} function was throttled (its reserved concurrency or the account's limit was reached).`,
            threshold: 1,
            evaluationPeriods: 1,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          }),
        ]),
      ) as Record<FunctionName, cloudwatch.Alarm>,
      headerLatencyP99: latencyAlarm('header', thresholds.headerLatencyP99Ms),
      exportLatencyP99: latencyAlarm('export', thresholds.exportLatencyP99Ms),
      deadLetters: props.deadLetterQueue
        .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' })
        .createAlarm(this, 'DeadLetterQueueAlarm', {
          alarmDescription: 'Upload events the processor failed on after all retries are waiting in the dead-letter queue.',
          threshold: 0,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
    };
    const allAlarms = [this.alarms.api5xxRate, ...names.map((n) => this.alarms.throttles[n]), this.alarms.headerLatencyP99, this.alarms.exportLatencyP99, this.alarms.deadLetters];
    for (const alarm of allAlarms) alarm.addAlarmAction(new SnsAction(this.topic));

    const graph = (title: string, left: cloudwatch.IMetric[], opts: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: 12, height: 6, ...opts });
    const cacheHitRatio = new cloudwatch.MathExpression({
      expression: 'hit / (hit + miss)',
      usingMetrics: { hit: serviceMetric('ExportCacheHit', { statistic: 'Sum' }), miss: serviceMetric('ExportCacheMiss', { statistic: 'Sum' }) },
      period: PERIOD,
      label: 'export cache hit ratio',
    });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    this.dashboard.addWidgets(
      graph('API latency (ms)', [api.metricLatency({ period: PERIOD, statistic: 'p50', label: 'p50' }), api.metricLatency({ period: PERIOD, statistic: 'p99', label: 'p99' })], {
        right: [api.metricIntegrationLatency({ period: PERIOD, statistic: 'p99', label: 'integration p99' })],
      }),
      graph('Function duration (ms)', names.flatMap((n) => [duration(n, 'p50'), duration(n, 'p99')])),
    );
    this.dashboard.addWidgets(
      graph('API errors', [api.metricClientError({ period: PERIOD, statistic: 'Sum', label: '4xx' }), api.metricServerError({ period: PERIOD, statistic: 'Sum', label: '5xx' })], {
        right: [serviceMetric('Http4xx', { statistic: 'Sum', label: 'function 4xx' }), serviceMetric('Http5xx', { statistic: 'Sum', label: 'function 5xx' })],
      }),
      graph(
        'Function errors and throttles',
        names.flatMap((n) => [
          functions[n].metricErrors({ period: PERIOD, statistic: 'Sum', label: `${n} errors` }),
          functions[n].metricThrottles({ period: PERIOD, statistic: 'Sum', label: `${n} throttles` }),
        ]),
      ),
    );
    this.dashboard.addWidgets(
      graph('Export cache hit ratio', [cacheHitRatio], { leftYAxis: { min: 0, max: 1 } }),
      graph('Render and decode time (ms)', [
        serviceMetric('RenderTime', { statistic: 'p50', label: 'render p50' }),
        serviceMetric('RenderTime', { statistic: 'p99', label: 'render p99' }),
        serviceMetric('DecodeTime', { statistic: 'p50', label: 'decode p50' }),
        serviceMetric('DecodeTime', { statistic: 'p99', label: 'decode p99' }),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Uploads', [serviceMetric('UploadSize', { statistic: 'Average', label: 'size avg (bytes)' }), serviceMetric('UploadSize', { statistic: 'Maximum', label: 'size max (bytes)' })], {
        right: [serviceMetric('UploadRejected', { statistic: 'Sum', label: 'rejected' })],
      }),
      graph('Header bytes read', [serviceMetric('HeaderBytesRead', { statistic: 'p50', label: 'p50' }), serviceMetric('HeaderBytesRead', { statistic: 'p99', label: 'p99' })]),
    );
    this.dashboard.addWidgets(
      graph('Processing queue', [
        props.processingQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label: 'waiting' }),
        props.processingQueue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum', label: 'oldest (s)' }),
        props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label: 'dead letters' }),
      ]),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: allAlarms, width: 12, height: 6 }),
    );
  }
}
