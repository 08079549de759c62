/**
 * Lambda handler of the sender (SQS, partial batch responses): sends each queued
 * lesson once and schedules the next. Adapters and the pacer are built once per cold
 * start, so the pacer's bucket carries over between invocations of a warm instance.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSEvent } from 'aws-lambda';
import { SystemClock } from './adapters/clock.js';
import { DynamoSubscriberStore } from './adapters/dynamo-store.js';
import { loadLinkKeys } from './adapters/link-keys.js';
import { powertoolsMetricsSink } from './adapters/powertools-metrics.js';
import { SesMailer } from './adapters/ses-mailer.js';
import { settingsFromEnv } from './adapters/settings-from-env.js';
import { Pacer, senderRate } from './core/pacer.js';
import { LinkTokens } from './core/tokens.js';
import { ENV, requireEnv } from './env.js';
import { createSenderHandler } from './handlers/sender.js';

const logger = new Logger({ serviceName: 'drip-sender' });
const metrics = new Metrics({ serviceName: 'drip-sender' });

const settings = settingsFromEnv();
const dueShards = process.env[ENV.dueShards] ? Number(process.env[ENV.dueShards]) : undefined;
const configurationSet = process.env[ENV.configurationSet];
const linkSecretId = requireEnv(ENV.linkSecretId);
// The AWS minimum for an SQS event source's maxConcurrency is 2, and the stack's default.
const maxConcurrency = Number(process.env[ENV.senderMaxConcurrency] ?? 2);

const send = createSenderHandler({
  store: new DynamoSubscriberStore(
    DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } }),
    requireEnv(ENV.tableName),
    dueShards,
  ),
  mailer: new SesMailer(new SESv2Client({}), {
    from: settings.fromAddress,
    fromName: settings.fromName,
    ...(settings.replyTo ? { replyTo: settings.replyTo } : {}),
    ...(configurationSet ? { configurationSet } : {}),
  }),
  clock: new SystemClock(),
  settings,
  // Read per batch from Powertools' cache, so a warm instance picks up a key rotation.
  tokens: async () => new LinkTokens(await loadLinkKeys(linkSecretId)),
  pacer: new Pacer(senderRate(Number(requireEnv(ENV.maxSendRate)), maxConcurrency)),
  log: logger,
  metrics: powertoolsMetricsSink(metrics),
});

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return send(event, context);
};
