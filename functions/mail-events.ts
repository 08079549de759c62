/** Lambda entry of SES mail events (configuration set -> EventBridge). */
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { createMailEventsHandler } from './handlers/mail-events.js';
import { wireMailEvents } from './wiring.js';

const { logger, ...deps } = wireMailEvents();
const record = createMailEventsHandler(deps);

export const handler = async (event: EventBridgeEvent<string, unknown>, context: Context) => {
  logger.addContext(context);
  await record(event);
};
