/**
 * Publishes an invocation's counts through Powertools Metrics (CloudWatch embedded
 * metric format in the function's log): plain counts in one batch, per-email counts
 * each with its own `email` dimension.
 */
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricCount, MetricsSink } from '../core/ports.js';

export function powertoolsMetricsSink(metrics: Metrics): MetricsSink {
  return {
    publish(counts: readonly MetricCount[]) {
      for (const { name, value, email } of counts) {
        if (email === undefined) {
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
