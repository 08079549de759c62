/** Lambda entry of the sweep (EventBridge schedule): queues every due subscriber. */
import type { Context, ScheduledEvent } from 'aws-lambda';
import { createSweepHandler } from './handlers/sweep.js';
import { wireSweep } from './wiring.js';

const { logger, ...deps } = wireSweep();
const sweep = createSweepHandler(deps);

export const handler = async (event: ScheduledEvent, context: Context) => {
  logger.addContext(context);
  return sweep(event);
};
