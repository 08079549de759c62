/**
 * Lambda handler of the sign-up API (API Gateway HTTP API, payload 2.0). Clients and
 * adapters are built once per cold start; each event only goes through `createApi`.
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { SystemClock } from './adapters/clock.js';
import { DynamoSubscriberStore } from './adapters/dynamo-store.js';
import { loadLinkKeys } from './adapters/link-keys.js';
import { powertoolsMetricsSink } from './adapters/powertools-metrics.js';
import { SesMailer } from './adapters/ses-mailer.js';
import { settingsFromEnv } from './adapters/settings-from-env.js';
import { SqsQueue } from './adapters/sqs-queue.js';
import { LinkTokens } from './core/tokens.js';
import { ENV, requireEnv } from './env.js';
import { type ApiHandler, createApi, SIGNUP_MIN_MS } from './http/api.js';

const logger = new Logger({ serviceName: 'signup-api' });
const metrics = powertoolsMetricsSink(new Metrics({ serviceName: 'signup-api' }));

// The stack may leave PUBLIC_BASE_URL unset: createApi then takes the base URL of each
// request's own domain.
const settings = settingsFromEnv(process.env, { publicBaseUrl: 'optional' });

const dueShards = process.env[ENV.dueShards] ? Number(process.env[ENV.dueShards]) : undefined;
const store = new DynamoSubscriberStore(
  DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } }),
  requireEnv(ENV.tableName),
  dueShards,
);
const mailer = new SesMailer(new SESv2Client({}), {
  from: settings.fromAddress,
  fromName: settings.fromName,
  ...(settings.replyTo ? { replyTo: settings.replyTo } : {}),
  ...(process.env[ENV.configurationSet] ? { configurationSet: process.env[ENV.configurationSet] } : {}),
});
const queue = new SqsQueue(new SQSClient({}), requireEnv(ENV.queueUrl));
const clock = new SystemClock();
const linkSecretId = requireEnv(ENV.linkSecretId);

// The keys are read on the first event (not at import, so a cold start with a secret
// problem answers with an error instead of failing to load). Powertools caches the
// secret for a few minutes; the API is rebuilt only when the keys change, so a warm
// function picks up a rotation without a restart.
let current: { fingerprint: string; api: ApiHandler } | undefined;

async function api(): Promise<ApiHandler> {
  const keys = await loadLinkKeys(linkSecretId);
  const fingerprint = JSON.stringify(keys);
  if (current?.fingerprint !== fingerprint) {
    const tokens = new LinkTokens(keys);
    current = {
      fingerprint,
      api: createApi({
        store,
        mailer,
        queue,
        clock,
        tokens,
        settings,
        log: logger,
        metrics,
        signupMinMs: SIGNUP_MIN_MS,
      }),
    };
  }
  return current.api;
}

export const handler = async (
  event: APIGatewayProxyEventV2,
  context: Context,
): Promise<APIGatewayProxyStructuredResultV2> => {
  logger.addContext(context);
  return (await api())(event);
};
