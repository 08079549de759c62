/**
 * Lambda handler of SES mail events (configuration set -> EventBridge): suppresses
 * bounced and complaining addresses, counts deliveries, opens and clicks.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { SystemClock } from './adapters/clock.js';
import { DynamoSubscriberStore } from './adapters/dynamo-store.js';
import { powertoolsMetricsSink } from './adapters/powertools-metrics.js';
import { ENV, requireEnv } from './env.js';
import { createMailEventsHandler } from './handlers/mail-events.js';

const logger = new Logger({ serviceName: 'mail-events' });
const metrics = new Metrics({ serviceName: 'mail-events' });

const dueShards = process.env[ENV.dueShards] ? Number(process.env[ENV.dueShards]) : undefined;
const record = createMailEventsHandler({
  store: new DynamoSubscriberStore(
    DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } }),
    requireEnv(ENV.tableName),
    dueShards,
  ),
  clock: new SystemClock(),
  log: logger,
  metrics: powertoolsMetricsSink(metrics),
});

export const handler = async (event: EventBridgeEvent<string, unknown>, context: Context) => {
  logger.addContext(context);
  await record(event);
};
