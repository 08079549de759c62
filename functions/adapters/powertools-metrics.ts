/**
 * Publishes an invocation's counts through Powertools Metrics (CloudWatch embedded
 * metric format in the function's log): plain counts in one batch, per-email counts
 * each with its own `email` dimension, the guard's metric under one shared service
 * (GUARD_METRIC_SERVICE in the contract).
 */
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRIC } from '../contract.js';
import type { MetricCount, MetricsSink } from '../core/ports.js';

export interface MetricsSinkOptions {
  /** Publish only these metric names (the rest are dropped). @default every metric */
  readonly only?: readonly string[];
  /**
   * Publishes the guard's metric: same namespace, service GUARD_METRIC_SERVICE.
   * @default `metrics` itself
   */
  readonly guard?: Metrics;
}

export function powertoolsMetricsSink(metrics: Metrics, options: MetricsSinkOptions = {}): MetricsSink {
  const only = options.only && new Set(options.only);
  return {
    publish(counts: readonly MetricCount[]) {
      for (const { name, value, email } of counts) {
        if (only && !only.has(name)) continue;
        if (name === METRIC.guardPaused && options.guard) {
          options.guard.addMetric(name, MetricUnit.Count, value);
          options.guard.publishStoredMetrics();
        } else if (email === undefined) {
          metrics.addMetric(name, MetricUnit.Count, value);
        } else {
          // A single metric carries its own dimension and is written at once.
          const single = metrics.singleMetric();
          single.addDimension('email', email);
          single.addMetric(name, MetricUnit.Count, value);
        }
      }
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    },
  };
}
