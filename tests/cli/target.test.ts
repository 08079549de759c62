import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTable } from '../../functions/adapters/dynamo-store.js';
import { COUNTER } from '../../functions/contract.js';
import { main } from '../../scripts/course/cli.js';
import { createContext, LOCAL_DATA_FILES, type WiringIo } from '../../scripts/course/wiring.js';
import { startDynalite } from '../../scripts/dev/dynalite.js';
import { LOCAL_TABLE_NAME } from '../../scripts/local-config.js';
import { DATA_FILES } from '../../scripts/local-stack.js';
import { useDynalite } from '../support/dynalite.js';
import { subscriberId, TEST_PSEUDONYM_KEY } from '../support/identity.js';
import { flatSecretJson, rotatedKeys, testKeys, testTokens } from '../support/link-keys.js';
import { Buffer } from './harness.js';

const configFile = fileURLToPath(new URL('../fixtures/cli/course.config.json', import.meta.url));

const db = useDynalite();

/** Runs the CLI with the real wiring; only the environment and CloudFormation are the test's. */
async function cli(argv: string[], io: Partial<WiringIo> = {}) {
  const out = new Buffer();
  const err = new Buffer();
  const wiring: WiringIo = { out, err, env: {}, configFile, ...io };
  const code = await main(argv, { out, err, context: (target) => createContext(target, wiring) });
  return { code, out: out.text, err: err.text };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the local stack target (default)', () => {
  beforeAll(async () => {
    await createTable(db.clients.client, LOCAL_TABLE_NAME);
  });

  it('reads the local table at localhost:$DYNAMODB_PORT', async () => {
    const { DynamoSubscriberStore } = await import('../../functions/adapters/dynamo-store.js');
    await new DynamoSubscriberStore(db.clients.docClient, LOCAL_TABLE_NAME).increment({
      [COUNTER.signedUp]: 7,
    });

    const result = await cli(['stats', '--json'], { env: { DYNAMODB_PORT: String(db.port) } });

    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out).counters[COUNTER.signedUp]).toBe(7);
  });

  it('names the endpoint and says to start the stack when DynamoDB is not running, exit code 1', async () => {
    const port = await closedPort();

    const result = await cli(['stats'], { env: { DYNAMODB_PORT: String(port) } });

    expect(result.code).toBe(1);
    expect(result.err).toContain(`Cannot reach DynamoDB at http://localhost:${port} for the local stack`);
    expect(result.err).toContain('npm start');
  });

  it('says which table is missing when DynamoDB runs without the course table', async () => {
    const other = await startDynalite();
    try {
      const result = await cli(['list'], { env: { DYNAMODB_PORT: String(other.port) } });

      expect(result.code).toBe(1);
      expect(result.err).toContain(`Table ${LOCAL_TABLE_NAME} not found at http://localhost:${other.port}`);
    } finally {
      await other.close();
    }
  });

  it('names the SES endpoint when the local inbox is not running, exit code 1', async () => {
    const port = await closedPort();

    const result = await cli(['send-test', 'lesson-1', 'owner@clinic.example'], {
      env: { DYNAMODB_PORT: String(db.port), INBOX_PORT: String(port) },
    });

    expect(result.code).toBe(1);
    expect(result.err).toContain(`Cannot reach SES at http://localhost:${port} (the local stack)`);
  });

  it('rejects a malformed DYNAMODB_PORT', async () => {
    const result = await cli(['stats'], { env: { DYNAMODB_PORT: 'eighty' } });

    expect(result.code).toBe(1);
    expect(result.err).toContain('DYNAMODB_PORT must be a port number');
  });

  describe('link keys for resend-confirmation', () => {
    let dataDir: string;
    beforeEach(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'course-local-'));
    });
    afterEach(async () => {
      await rm(dataDir, { recursive: true, force: true });
    });

    it('reads the same file names the local stack writes', () => {
      expect(LOCAL_DATA_FILES.linkKeys).toBe(DATA_FILES.linkKeys);
      expect(LOCAL_DATA_FILES.pseudonymKey).toBe(DATA_FILES.pseudonymKey);
      expect(LOCAL_DATA_FILES.clock).toBe(DATA_FILES.clock);
    });

    it('finds people by the ids of the key the local stack keeps in its data folder', async () => {
      await writeFile(join(dataDir, 'pseudonym-key.txt'), `${TEST_PSEUDONYM_KEY}\n`);
      const io = { out: new Buffer(), err: new Buffer(), env: { DYNAMODB_PORT: String(db.port) } };
      const ctx = await createContext({}, { ...io, localDataDir: dataDir });
      expect(await ctx.pseudonymKey()).toBe(TEST_PSEUDONYM_KEY);

      const empty = await mkdtemp(join(tmpdir(), 'course-local-'));
      const inMemory = await createContext({}, { ...io, localDataDir: empty });
      await expect(inMemory.pseudonymKey()).rejects.toThrow('npm start -- --data-dir .local-data');
      await rm(empty, { recursive: true, force: true });
    });

    it('uses the keys the local stack keeps in its data folder', async () => {
      await writeFile(join(dataDir, 'link-keys.json'), JSON.stringify(rotatedKeys));
      const ctx = await createContext(
        {},
        {
          out: new Buffer(),
          err: new Buffer(),
          env: { DYNAMODB_PORT: String(db.port) },
          localDataDir: dataDir,
        },
      );

      const tokens = await ctx.linkTokens();

      const token = tokens.sign('unsubscribe', 'abc', { now: new Date() });
      expect(token.startsWith(`${rotatedKeys.currentKeyId}.`)).toBe(true);
      expect(testTokens(rotatedKeys).verify(token, 'unsubscribe', new Date())).toEqual({
        subscriberId: 'abc',
      });
    });

    it('explains how to start the stack so the CLI can sign links, when it keeps its keys in memory', async () => {
      const ctx = await createContext(
        {},
        {
          out: new Buffer(),
          err: new Buffer(),
          env: { DYNAMODB_PORT: String(db.port) },
          localDataDir: dataDir,
        },
      );

      await expect(ctx.linkTokens()).rejects.toThrow('npm start -- --data-dir .local-data');
    });
  });
});

describe('a deployed stack (--stack)', () => {
  const cloudFormation = new CloudFormationClient({ region: 'eu-west-1' });
  const cfn = mockClient(cloudFormation);
  const saved = { ...process.env };
  let tableName: string;

  beforeAll(async () => {
    tableName = `KneeCourse-SubscribersTable-${Date.now()}`;
    await createTable(db.clients.client, tableName);
  });
  beforeEach(() => {
    cfn.reset();
    // The real AWS clients, pointed at dynalite for DynamoDB; the credentials are fake.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
  });
  afterEach(() => {
    for (const key of ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  const outputs = (extra: Record<string, string> = {}) => ({
    Stacks: [
      {
        StackName: 'knee-course',
        CreationTime: new Date(),
        StackStatus: 'CREATE_COMPLETE' as const,
        Outputs: Object.entries({
          TableName: tableName,
          QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/knee-course-send',
          ApiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/',
          ...extra,
        }).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  });

  it('finds the table through the stack outputs and reads its counters', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'knee-course' }).resolves(outputs());
    const { DynamoSubscriberStore } = await import('../../functions/adapters/dynamo-store.js');
    await new DynamoSubscriberStore(db.clients.docClient, tableName).increment({ [COUNTER.confirmed]: 3 });

    const result = await cli(['stats', '--json', '--stack', 'knee-course'], { cloudFormation });

    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out).counters[COUNTER.confirmed]).toBe(3);
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(1);
  });

  it('takes the clinic details from course.config.json and the links from the stack', async () => {
    cfn.on(DescribeStacksCommand).resolves(outputs({ SenderAddress: 'lessons@riverside-clinic.example' }));

    const ctx = await createContext(
      { stack: 'knee-course' },
      { out: new Buffer(), err: new Buffer(), env: {}, configFile, cloudFormation },
    );

    expect(ctx.target).toBe('stack knee-course (eu-west-1)');
    expect(ctx.settings).toMatchObject({
      clinicName: 'Riverside Massage & Bodywork',
      siteUrl: 'https://riverside-clinic.example',
      bookingUrl: 'https://riverside-clinic.example/book',
      publicBaseUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
      fromAddress: 'lessons@riverside-clinic.example',
      replyTo: 'hello@riverside-clinic.example',
    });
  });

  describe('sending', () => {
    // SES and Secrets Manager have no emulator here; the mocks stay inside this block.
    let ses: AwsClientStub<SESv2Client>;
    let secrets: AwsClientStub<SecretsManagerClient>;
    beforeAll(() => {
      ses = mockClient(SESv2Client);
      secrets = mockClient(SecretsManagerClient);
    });
    afterAll(() => {
      ses.restore();
      secrets.restore();
    });
    const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:LinkKeys-abc';
    const pseudonymSecretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:PseudonymKey-abc';
    beforeEach(() => {
      ses.reset();
      secrets.reset();
      ses.on(SendEmailCommand).resolves({ MessageId: 'ses-message-1' });
      secrets
        .on(GetSecretValueCommand, { SecretId: secretArn })
        .resolves({ SecretString: flatSecretJson(testKeys) });
      secrets
        .on(GetSecretValueCommand, { SecretId: pseudonymSecretArn })
        .resolves({ SecretString: TEST_PSEUDONYM_KEY });
      cfn.on(DescribeStacksCommand).resolves(outputs());
      cfn.on(ListStackResourcesCommand, { StackName: 'knee-course' }).resolves({
        StackResourceSummaries: [
          {
            LogicalResourceId: 'LinkKeysSecret',
            PhysicalResourceId: secretArn,
            ResourceType: 'AWS::SecretsManager::Secret',
            LastUpdatedTimestamp: new Date(),
            ResourceStatus: 'CREATE_COMPLETE',
          },
          {
            LogicalResourceId: 'PseudonymKeySecret0123',
            PhysicalResourceId: pseudonymSecretArn,
            ResourceType: 'AWS::SecretsManager::Secret',
            LastUpdatedTimestamp: new Date(),
            ResourceStatus: 'CREATE_COMPLETE',
          },
          {
            LogicalResourceId: 'MailConfigurationSet',
            PhysicalResourceId: 'knee-course-mail',
            ResourceType: 'AWS::SES::ConfigurationSet',
            LastUpdatedTimestamp: new Date(),
            ResourceStatus: 'CREATE_COMPLETE',
          },
        ],
      });
    });

    it('sends through the stack’s SES configuration set, so bounces and complaints are recorded', async () => {
      const result = await cli(
        ['send-test', 'lesson-1', 'owner@riverside-clinic.example', '--stack', 'knee-course'],
        {
          cloudFormation,
        },
      );

      expect(result.err).toBe('');
      expect(result.code).toBe(0);
      const [call] = ses.commandCalls(SendEmailCommand);
      expect(call?.args[0].input).toMatchObject({
        FromEmailAddress: '"Riverside Massage & Bodywork" <course@riverside-clinic.example>',
        ConfigurationSetName: 'knee-course-mail',
        Destination: { ToAddresses: ['owner@riverside-clinic.example'] },
      });
      expect(call?.args[0].input.Content?.Simple?.Body?.Text?.Data).toContain('12 Mill Lane');
    });

    it('signs a resent confirmation link with the stack’s secret and points it at the stack’s API', async () => {
      const email = `pending-${Date.now()}@example.com`;
      const { DynamoSubscriberStore } = await import('../../functions/adapters/dynamo-store.js');
      await new DynamoSubscriberStore(db.clients.docClient, tableName).put(
        {
          id: subscriberId(email),
          email,
          status: 'pending',
          timeZone: 'Europe/London',
          createdAt: '2026-11-25T10:00:00.000Z',
          confirmationSentAt: '2026-11-25T10:00:00.000Z',
          optInId: 'opt-in-1',
          sent: {},
          version: 1,
        },
        undefined,
      );

      const result = await cli(['resend-confirmation', email, '--stack', 'knee-course'], { cloudFormation });

      expect(result.err).toBe('');
      expect(result.code).toBe(0);
      const text =
        ses.commandCalls(SendEmailCommand)[0]?.args[0].input.Content?.Simple?.Body?.Text?.Data ?? '';
      const token =
        /https:\/\/abc123\.execute-api\.eu-west-1\.amazonaws\.com\/confirm\?token=([A-Za-z0-9_.%-]+)/.exec(
          text,
        )?.[1];
      const verified = testTokens(testKeys).verify(decodeURIComponent(token ?? ''), 'confirm', new Date());
      expect(verified).toEqual({ subscriberId: subscriberId(email), optInId: 'opt-in-1' });
    });
  });

  it('says so when no stack has that name, exit code 1', async () => {
    cfn
      .on(DescribeStacksCommand)
      .rejects(
        Object.assign(new Error('Stack with id knee-curse does not exist'), { name: 'ValidationError' }),
      );

    const result = await cli(['stats', '--stack', 'knee-curse'], { cloudFormation });

    expect(result.code).toBe(1);
    expect(result.err).toBe('Error: No stack named knee-curse in eu-west-1. Check --stack and --region.\n');
  });

  it('says so when the stack is not the course stack', async () => {
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'other', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [] }],
    });

    const result = await cli(['stats', '--stack', 'other'], { cloudFormation });

    expect(result.code).toBe(1);
    expect(result.err).toContain('stack other (eu-west-1) has no output "TableName"');
  });

  it('explains missing AWS credentials', async () => {
    cfn.on(DescribeStacksCommand).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
    );

    const result = await cli(['list', '--stack', 'knee-course'], { cloudFormation });

    expect(result.code).toBe(1);
    expect(result.err).toContain('no usable AWS credentials');
  });

  it('needs the clinic configuration of the project', async () => {
    cfn.on(DescribeStacksCommand).resolves(outputs());

    const result = await cli(['stats', '--stack', 'knee-course'], {
      cloudFormation,
      configFile: join(tmpdir(), 'no-such-folder', 'course.config.json'),
    });

    expect(result.code).toBe(1);
    expect(result.err).toContain('run the CLI in the project folder the stack was deployed from');
  });

  it('does not accept --region without --stack', async () => {
    const result = await cli(['stats', '--region', 'eu-west-1']);

    expect(result.code).toBe(2);
    expect(result.err).toContain('--region goes with --stack');
  });
});
