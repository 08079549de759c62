/** Lambda entry of the sender (SQS, partial batch responses). */
import type { Context, SQSEvent } from 'aws-lambda';
import { createSenderHandler } from './handlers/sender.js';
import { wireSender } from './wiring.js';

// Built once per cold start, so the pacer's bucket carries over between invocations.
const { logger, ...deps } = wireSender();
const send = createSenderHandler(deps);

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return send(event, context);
};
