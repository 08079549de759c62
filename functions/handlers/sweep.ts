/**
 * The sweep's per-event logic: on each scheduled tick, queue every due subscriber.
 */

import { METRIC } from '../contract.js';
import { type SweepDeps, type SweepOptions, type SweepResult, sweep } from '../core/drip.js';
import { isPaused } from '../core/guard.js';
import { type GuardStore, type Logger, type MetricsSink, silentLogger } from '../core/ports.js';

export interface SweepHandlerDeps extends SweepDeps {
  /** The reputation guard's state; while it holds, nothing is queued. @default - never paused */
  readonly guard?: GuardStore;
  readonly options?: SweepOptions;
  readonly log?: Logger;
  readonly metrics?: MetricsSink;
}

/**
 * Builds the scheduled handler. The event itself carries nothing we need: the sweep
 * always looks at "now". A run that hits its budget says so in the log; the next run,
 * minutes later, continues with what is still due.
 */
export function createSweepHandler(deps: SweepHandlerDeps): (event?: unknown) => Promise<SweepResult> {
  const log = deps.log ?? silentLogger;
  return async () => {
    if (deps.guard && (await isPaused(deps.guard))) {
      // Every due subscriber stays due; the first sweep after `course resume` queues them.
      deps.metrics?.publish([{ name: METRIC.guardPaused, value: 1 }]);
      log.warn('lesson sending is paused by the reputation guard; nothing queued', {});
      return { itemsRead: 0, queued: 0, truncated: false, paused: true };
    }
    const result = await sweep(deps, deps.options);
    deps.metrics?.publish([{ name: METRIC.queued, value: result.queued }]);
    if (result.truncated) log.warn('sweep stopped at its budget; the next run continues', { ...result });
    else log.info('sweep done', { ...result });
    return result;
  };
}
