/** Lambda entry of SES mail events (configuration set -> EventBridge -> SQS). */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createMailEventsHandler } from './handlers/mail-events.js';
import { wireMailEvents } from './wiring.js';

const { logger, ...deps } = wireMailEvents();
const record = createMailEventsHandler(deps);

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  return record(event, context);
};
