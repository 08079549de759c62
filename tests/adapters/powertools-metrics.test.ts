import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { powertoolsMetricsSink } from '../../functions/adapters/powertools-metrics.js';
import { ALARM_METRICS, GUARD_METRIC_SERVICE, METRIC } from '../../functions/contract.js';

// Powertools writes each EMF document as one line on stdout.
let lines: Record<string, unknown>[];
beforeEach(() => {
  lines = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(JSON.parse(String(chunk)));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

const metricsOf = (service: string) => new Metrics({ namespace: 'Course', serviceName: service });
const published = () =>
  lines.flatMap((line) => {
    const aws = line._aws as { CloudWatchMetrics: { Metrics: { Name: string }[] }[] };
    return aws.CloudWatchMetrics.flatMap((m) => m.Metrics.map((metric) => `${line.service}:${metric.Name}`));
  });

describe('metrics to CloudWatch', () => {
  it('publishes every count by default, under the function’s own service', () => {
    powertoolsMetricsSink(metricsOf('drip-sender')).publish([
      { name: METRIC.completed, value: 1 },
      { name: METRIC.sent, email: 'lesson-1', value: 3 },
    ]);

    expect(published().sort()).toEqual(['drip-sender:completed', 'drip-sender:sent']);
  });

  it('publishes only the metrics alarms read when told so, and nothing else reaches CloudWatch', () => {
    const sink = powertoolsMetricsSink(metricsOf('mail-events'), {
      only: ALARM_METRICS,
      guard: metricsOf(GUARD_METRIC_SERVICE),
    });

    sink.publish([
      { name: METRIC.bounced, value: 2 },
      { name: METRIC.delivered, email: 'lesson-2', value: 5 },
      { name: METRIC.guardPaused, value: 1 },
    ]);

    expect(published()).toEqual([`${GUARD_METRIC_SERVICE}:guardPaused`]);
  });

  it('publishes the guard’s metric under one service whichever function sends it', () => {
    for (const service of ['mail-events', 'drip-sweep']) {
      powertoolsMetricsSink(metricsOf(service), { guard: metricsOf(GUARD_METRIC_SERVICE) }).publish([
        { name: METRIC.guardPaused, value: 1 },
      ]);
    }

    expect(published()).toEqual([
      `${GUARD_METRIC_SERVICE}:guardPaused`,
      `${GUARD_METRIC_SERVICE}:guardPaused`,
    ]);
  });
});
