/**
 * The Lambda handler as deployed: real wiring against dynalite (DynamoDB) and
 * aws-ses-v2-local (SES) through the SDK's endpoint variables; SQS and Secrets Manager,
 * which have no emulator here, are mocked.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import sesLocalModule from 'aws-ses-v2-local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTable, DynamoSubscriberStore } from '../../functions/adapters/dynamo-store.js';
import { ENV } from '../../functions/contract.js';
import type { HttpResponse } from '../../functions/http/response.js';
import { makeDynamoClients, type RunningDynalite, startDynalite } from '../../scripts/dev/dynalite.js';
import { formPost, httpEvent, TEST_DOMAIN } from '../support/http-event.js';
import { subscriberId, TEST_PSEUDONYM_KEY } from '../support/identity.js';
import { flatSecretJson } from '../support/link-keys.js';

const TABLE = 'subscribers-handler-test';
const ADDRESS = 'handler@example.com';
const secrets = mockClient(SecretsManagerClient);
const sqs = mockClient(SQSClient);
const savedEnv = { ...process.env };
const context = { awsRequestId: 'req-1', functionName: 'api' } as Context;

let dynalite: RunningDynalite;
let ses: Server;
let sesBase: string;
let handler: (event: ReturnType<typeof httpEvent>, context: Context) => Promise<HttpResponse>;

beforeAll(async () => {
  dynalite = await startDynalite();
  const { client } = makeDynamoClients(dynalite.endpoint);
  await createTable(client, TABLE);
  const startSes = ((sesLocalModule as unknown as { default?: unknown }).default ??
    sesLocalModule) as (config: { host: string; port: number }) => Promise<Server>;
  ses = await startSes({ host: '127.0.0.1', port: 0 });
  sesBase = `http://127.0.0.1:${(ses.address() as AddressInfo).port}`;

  secrets.on(GetSecretValueCommand).resolves({
    SecretString: flatSecretJson(),
  });
  secrets
    .on(GetSecretValueCommand, { SecretId: 'pseudonym-key' })
    .resolves({ SecretString: TEST_PSEUDONYM_KEY });
  sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
    Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: 'x' })),
    Failed: [],
  }));

  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
    AWS_ENDPOINT_URL_SESV2: sesBase,
    POWERTOOLS_DEV: 'false',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    [ENV.tableName]: TABLE,
    [ENV.queueUrl]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/send',
    [ENV.linkSecretId]: 'link-keys',
    [ENV.pseudonymSecretId]: 'pseudonym-key',
    [ENV.fromAddress]: 'course@clinic.example',
    [ENV.fromName]: 'Riverside Massage & Bodywork',
    [ENV.clinicName]: 'Riverside Massage & Bodywork',
    [ENV.postalAddress]: '12 Mill Lane, Riverside',
    [ENV.siteUrl]: 'https://clinic.example',
    [ENV.sendHour]: '8',
    [ENV.defaultTimeZone]: 'Europe/London',
    [ENV.allowedOrigins]: 'https://clinic.example',
  });
  delete process.env[ENV.publicBaseUrl];
  handler = (await import('../../functions/api.js')).handler as typeof handler;
});

afterAll(async () => {
  process.env = savedEnv;
  secrets.restore();
  sqs.restore();
  await new Promise((resolve) => ses?.close(resolve));
  await dynalite?.close();
});

async function sentEmails(): Promise<
  { subject: string; destination: { to: string[] }; body: { text?: string } }[]
> {
  return ((await (await fetch(`${sesBase}/store`)).json()) as { emails: never[] }).emails;
}

describe('the API Lambda handler', () => {
  it('serves the sign-up page', async () => {
    const response = await handler(httpEvent({ path: '/' }), context);
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<form method="post" action="/subscribe">');
  });

  it('signs up into DynamoDB, mails a confirm link on its own domain, and confirms into the queue', async () => {
    const signup = await handler(formPost('/subscribe', { email: ADDRESS, firstName: 'Hal' }), context);

    expect(signup.statusCode).toBe(303);
    const [email] = await sentEmails();
    expect(email?.destination.to).toEqual([ADDRESS]);
    const link = /https:\/\/[^\s)]+\/confirm\?token=[A-Za-z0-9._~%-]+/.exec(email?.body.text ?? '')?.[0];
    expect(link?.startsWith(`https://${TEST_DOMAIN}/confirm?token=`)).toBe(true);

    const token = new URL(link as string).searchParams.get('token') as string;
    const confirmed = await handler(formPost('/confirm', { token }), context);

    expect(confirmed.statusCode).toBe(200);
    const { docClient } = makeDynamoClients(dynalite.endpoint);
    const stored = await new DynamoSubscriberStore(docClient, TABLE).get(subscriberId(ADDRESS));
    expect(stored?.status).toBe('active');
    const queued = sqs.commandCalls(SendMessageBatchCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(queued.map((e) => JSON.parse(e.MessageBody as string))).toEqual([
      { subscriberId: subscriberId(ADDRESS), emailId: 'lesson-1' },
    ]);
  });

  it('reads the link keys and the pseudonym key once for many requests', async () => {
    await handler(httpEvent({ path: '/health' }), context);
    await handler(httpEvent({ path: '/health' }), context);
    const reads = (id: string) =>
      secrets.commandCalls(GetSecretValueCommand).filter((c) => c.args[0].input.SecretId === id);
    expect(reads('link-keys')).toHaveLength(1);
    expect(reads('pseudonym-key')).toHaveLength(1);
  });
});
