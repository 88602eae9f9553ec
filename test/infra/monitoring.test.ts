import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { STACK_DEFAULTS } from '../../infra/stack-config.js';
import { METRICS_NAMESPACE, METRIC_DIMENSIONS, SERVICE_METRICS, SERVICE_NAME } from '../../infra/service-metrics.js';
import { FUNCTION_ENTRIES, type FunctionName } from '../../lib/http/routes.js';
import { synthStack, type Json } from '../support/synth-stack.js';

const NAMES = Object.keys(FUNCTION_ENTRIES) as FunctionName[];

describe('Monitoring', () => {
  const { stack, template } = synthStack();
  const custom = synthStack({ alarmEmail: 'pacs-ops@hospital.example', api5xxRatePercent: '5', headerLatencyP99Ms: '800', exportLatencyP99Ms: '9000' });
  const id = (s: typeof stack, c: { node: { defaultChild?: unknown } }) => s.getLogicalId(c.node.defaultChild as CfnElement);
  const resource = (s: typeof stack, t: typeof template, c: { node: { defaultChild?: unknown } }): Json => t.toJSON().Resources[id(s, c)];
  const alarms = (t: typeof template): Json[] => Object.values(t.findResources('AWS::CloudWatch::Alarm'));
  const topicRef = { Ref: id(stack, stack.monitoring.topic) };
  const fnRef = (name: FunctionName) => ({ Ref: id(stack, stack.functions[name]) });

  it('has at least four alarms, each notifying the SNS topic', () => {
    expect(alarms(template).length).toBeGreaterThanOrEqual(4);
    // 5xx rate, throttles of each function, header and export p99, dead letters.
    expect(alarms(template)).toHaveLength(1 + NAMES.length + 2 + 1);
    for (const a of alarms(template)) expect(a.Properties.AlarmActions).toEqual([topicRef]);
  });

  it('alarms on the API 5xx rate: 5xx / Count of the HTTP API, above 1% by default, from context', () => {
    const a = resource(stack, template, stack.monitoring.alarms.api5xxRate).Properties;
    expect(a.Threshold).toBe(STACK_DEFAULTS.api5xxRatePercent);
    expect(a.Threshold).toBe(1);
    expect(a.ComparisonOperator).toBe('GreaterThanThreshold');
    const expr = a.Metrics.find((m: Json) => m.Expression);
    expect(expr.Expression).toBe('IF(requests > 0, 100 * errors / requests, 0)');
    const byId = Object.fromEntries(a.Metrics.filter((m: Json) => m.MetricStat).map((m: Json) => [m.Id, m.MetricStat]));
    expect(byId.errors.Metric).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: '5xx', Dimensions: [{ Name: 'ApiId', Value: { Ref: id(stack, stack.api) } }] });
    expect(byId.requests.Metric).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: 'Count' });
    expect(resource(custom.stack, custom.template, custom.stack.monitoring.alarms.api5xxRate).Properties.Threshold).toBe(5);
  });

  it('alarms on throttles of every function', () => {
    for (const name of NAMES) {
      const a = resource(stack, template, stack.monitoring.alarms.throttles[name]).Properties;
      expect(a, name).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Throttles', Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
      expect(a.Dimensions, name).toEqual([{ Name: 'FunctionName', Value: fnRef(name) }]);
    }
  });

  it('alarms on p99 Duration of header (2 s) and export (15 s), thresholds from context', () => {
    const header = resource(stack, template, stack.monitoring.alarms.headerLatencyP99).Properties;
    const exp = resource(stack, template, stack.monitoring.alarms.exportLatencyP99).Properties;
    const p99Of = (name: FunctionName) => [
      { Id: 'm1', Label: `${name} p99`, ReturnData: true, MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: 'Duration', Dimensions: [{ Name: 'FunctionName', Value: fnRef(name) }] }, Period: 300, Stat: 'p99' } },
    ];
    expect(header).toMatchObject({ Threshold: 2000, ComparisonOperator: 'GreaterThanThreshold', Metrics: p99Of('header') });
    expect(exp).toMatchObject({ Threshold: 15000, ComparisonOperator: 'GreaterThanThreshold', Metrics: p99Of('export') });
    expect([STACK_DEFAULTS.headerLatencyP99Ms, STACK_DEFAULTS.exportLatencyP99Ms]).toEqual([2000, 15000]);
    expect(resource(custom.stack, custom.template, custom.stack.monitoring.alarms.headerLatencyP99).Properties.Threshold).toBe(800);
    expect(resource(custom.stack, custom.template, custom.stack.monitoring.alarms.exportLatencyP99).Properties.Threshold).toBe(9000);
  });

  it("alarms when the processor's dead-letter queue holds any message", () => {
    const a = resource(stack, template, stack.monitoring.alarms.deadLetters).Properties;
    expect(a).toMatchObject({ Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    expect(a.Dimensions).toEqual([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(stack, stack.deadLetterQueue), 'QueueName'] } }]);
  });

  it('notifies a KMS-encrypted, TLS-only topic; e-mail only when alarmEmail is set', () => {
    expect(resource(stack, template, stack.monitoring.topic).Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [id(stack, stack.messagingKey), 'Arn'] });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [topicRef],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          // The topic's own policy replaces SNS's default: CloudWatch must be allowed by name.
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish', Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } }),
        ]),
      },
    });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    custom.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'pacs-ops@hospital.example' });
    expect(() => synthStack({ alarmEmail: 'not an address' })).toThrow(/alarmEmail/);
  });

  it('lets CloudWatch use the topic key to publish alarms', () => {
    const statements: Json[] = resource(stack, template, stack.messagingKey).Properties.KeyPolicy.Statement;
    expect(statements).toEqual(
      expect.arrayContaining([expect.objectContaining({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] })]),
    );
  });

  describe('dashboard', () => {
    // The body is a Fn::Join of JSON text and references: references become "REF", then it parses.
    const parts: unknown[] = template.toJSON().Resources[id(stack, stack.monitoring.dashboard)].Properties.DashboardBody['Fn::Join'][1];
    const widgets: Json[] = JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'REF')).join('')).widgets;
    const metricsOf = (title: string): unknown[][] => {
      const w = widgets.find((x) => x.properties.title === title);
      if (!w) throw new Error(`no widget "${title}"`);
      return w.properties.metrics;
    };
    /** "namespace metric stat" of a widget's metric lines (expressions as their expression). */
    const lines = (title: string) =>
      metricsOf(title).map((m) => {
        const opts = m[m.length - 1] as Json;
        return opts.expression ?? `${m[0]} ${m[1]} ${opts.stat ?? 'Average'}`;
      });

    it('is one, and shows API and function latency p50/p99, 4xx/5xx, cache hit ratio and render time', () => {
      template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
      expect(lines('API latency (ms)')).toEqual(expect.arrayContaining(['AWS/ApiGateway Latency p50', 'AWS/ApiGateway Latency p99']));
      expect(lines('Function duration (ms)')).toEqual(NAMES.flatMap(() => ['AWS/Lambda Duration p50', 'AWS/Lambda Duration p99']));
      expect(lines('API errors')).toEqual(['AWS/ApiGateway 4xx Sum', 'AWS/ApiGateway 5xx Sum', 'DicomService Http4xx Sum', 'DicomService Http5xx Sum']);
      expect(lines('Export cache hit ratio')).toEqual(['hit / (hit + miss)', 'DicomService ExportCacheHit Sum', 'DicomService ExportCacheMiss Sum']);
      expect(lines('Render and decode time (ms)')).toEqual(['DicomService RenderTime p50', 'DicomService RenderTime p99', 'DicomService DecodeTime p50', 'DicomService DecodeTime p99']);
      const alarmsWidget = widgets.find((w) => w.type === 'alarm');
      expect(alarmsWidget?.properties.alarms).toHaveLength(alarms(template).length);
    });

    it('reads the custom metrics of the contract: namespace DicomService, dimension service=dicom-service', () => {
      expect(METRICS_NAMESPACE).toBe('DicomService');
      expect(SERVICE_NAME).toBe('dicom-service');
      expect(METRIC_DIMENSIONS).toEqual({ service: 'dicom-service' });
      expect(Object.keys(SERVICE_METRICS).sort()).toEqual(
        ['DecodeTime', 'ExportCacheHit', 'ExportCacheMiss', 'HeaderBytesRead', 'Http4xx', 'Http5xx', 'RenderTime', 'UploadRejected', 'UploadSize'].sort(),
      );
      const custom = widgets.flatMap((w) => (w.properties.metrics ?? []) as unknown[][]).filter((m) => m[0] === 'DicomService');
      // Every contract metric is on the dashboard, each exactly with the dimension service=dicom-service.
      expect([...new Set(custom.map((m) => m[1]))].sort()).toEqual(Object.keys(SERVICE_METRICS).sort());
      for (const m of custom) expect(m.slice(2, 4), String(m[1])).toEqual(['service', 'dicom-service']);
    });
  });

  it('the functions name the service and the metrics namespace for Powertools, and are traced by X-Ray', () => {
    for (const name of NAMES) {
      const fn = resource(stack, template, stack.functions[name]).Properties;
      expect(fn.Environment.Variables, name).toMatchObject({ POWERTOOLS_SERVICE_NAME: SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE });
      expect(fn.TracingConfig, name).toEqual({ Mode: 'Active' });
    }
  });
});
