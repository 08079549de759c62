/**
 * Lambda handler of the sweep (EventBridge schedule): queues every subscriber whose
 * next lesson is due. Adapters are built once per cold start.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { SystemClock } from './adapters/clock.js';
import { DynamoSubscriberStore } from './adapters/dynamo-store.js';
import { powertoolsMetricsSink } from './adapters/powertools-metrics.js';
import { SqsQueue } from './adapters/sqs-queue.js';
import { ENV, requireEnv } from './env.js';
import { createSweepHandler } from './handlers/sweep.js';

const logger = new Logger({ serviceName: 'drip-sweep' });
const metrics = new Metrics({ serviceName: 'drip-sweep' });

const dueShards = process.env[ENV.dueShards] ? Number(process.env[ENV.dueShards]) : undefined;
const store = new DynamoSubscriberStore(
  DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } }),
  requireEnv(ENV.tableName),
  dueShards,
);
const sweep = createSweepHandler({
  store,
  queue: new SqsQueue(new SQSClient({}), requireEnv(ENV.queueUrl)),
  clock: new SystemClock(),
  log: logger,
  metrics: powertoolsMetricsSink(metrics),
});

export const handler = async (event: ScheduledEvent, context: Context) => {
  logger.addContext(context);
  return sweep(event);
};
