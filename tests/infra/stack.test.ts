import type { CfnElement } from 'aws-cdk-lib';
import { Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseLinkKeys } from '../../functions/adapters/link-keys.js';
import { parsePseudonymKey } from '../../functions/adapters/pseudonym-key.js';
import { ENV, TABLE } from '../../functions/contract.js';
import { MIN_PSEUDONYM_KEY_LENGTH } from '../../functions/core/identity.js';
import { FUNCTION_ENV, type FunctionName, readEnvironment } from '../../functions/wiring.js';
import { SENDER_BATCH_SIZE } from '../../infra/constructs/drip-engine.js';
import type { CourseStack } from '../../infra/course-stack.js';
import { STACK_OUTPUTS } from '../../scripts/course/target.js';
import { type Cfn, FULL_CONFIG, resourcesOfType, synthCourse, testConfig } from './synth.js';

let template: Template;
let stack: CourseStack;

beforeAll(() => {
  ({ template, stack } = synthCourse(testConfig()));
});

/** Logical id of the CloudFormation resource behind an L2 construct. */
function logicalIdOf(construct: IConstruct): string {
  return Stack.of(construct).resolve((construct.node.defaultChild as CfnElement).logicalId);
}

function functionProps(construct: IConstruct) {
  return template.toJSON().Resources[logicalIdOf(construct)].Properties;
}

function allStatements(): { roleLogicalIds: string[]; statement: Cfn }[] {
  return Object.values(resourcesOfType(template, 'AWS::IAM::Policy')).flatMap((policy) =>
    policy.Properties.PolicyDocument.Statement.map((statement: Cfn) => ({
      roleLogicalIds: policy.Properties.Roles.map((r: Cfn) => r.Ref),
      statement,
    })),
  );
}

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

describe('subscriber table', () => {
  it('keeps its pinned logical id, so a refactor cannot replace the table', () => {
    const resources = template.toJSON().Resources;
    expect(resources.SubscriberTable?.Type).toBe('AWS::DynamoDB::Table');
  });

  it('is retained when the stack is deleted or the resource replaced', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('is on demand, encrypted with the AWS managed key, with point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      DeletionProtectionEnabled: true,
    });
    const sse = template.toJSON().Resources.SubscriberTable.Properties.SSESpecification;
    expect(sse.KMSMasterKeyId).toBeUndefined();
  });

  it('deletes items once their expiry attribute has passed', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: TABLE.expiryAttribute, Enabled: true },
    });
  });

  it('has the key schema and sparse due index of TABLE', () => {
    const props = template.toJSON().Resources.SubscriberTable.Properties;
    expect(props.KeySchema).toEqual([{ AttributeName: TABLE.partitionKey, KeyType: 'HASH' }]);
    expect(props.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: TABLE.partitionKey, AttributeType: 'S' },
        { AttributeName: TABLE.dueIndex.partitionKey, AttributeType: 'S' },
        { AttributeName: TABLE.dueIndex.sortKey, AttributeType: 'S' },
      ]),
    );
    expect(props.AttributeDefinitions).toHaveLength(3);
    expect(props.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: TABLE.dueIndex.name,
        KeySchema: [
          { AttributeName: TABLE.dueIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE.dueIndex.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...TABLE.dueIndex.projected] },
      },
    ]);
  });
});

describe('functions', () => {
  it('runs every function on Node.js 24 on arm64, without the cold-start cost of applying source maps', () => {
    const functions = Object.values(resourcesOfType(template, 'AWS::Lambda::Function'));
    expect(functions).toHaveLength(4);
    for (const fn of functions) {
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.Handler).toBe('index.handler');
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBeUndefined();
      expect(fn.Properties.LoggingConfig.LogGroup).toEqual({ Ref: expect.any(String) });
    }
  });

  it('logs JSON and leaves out Lambda’s own START, END and REPORT lines', () => {
    for (const fn of Object.values(resourcesOfType(template, 'AWS::Lambda::Function'))) {
      expect(fn.Properties.LoggingConfig).toMatchObject({
        LogFormat: 'JSON',
        SystemLogLevel: 'WARN',
        ApplicationLogLevel: 'INFO',
      });
    }
  });

  it('keeps every log group for the configured number of days', () => {
    const groups = Object.values(resourcesOfType(template, 'AWS::Logs::LogGroup'));
    expect(groups).toHaveLength(5); // four functions and the API access log
    for (const group of groups) expect(group.Properties.RetentionInDays).toBe(FULL_CONFIG.logRetentionDays);
  });

  const functionsByName = (): Record<FunctionName, IConstruct & { fn: IConstruct }> => ({
    api: stack.api.handler,
    sender: stack.drip.sender,
    sweep: stack.drip.sweep,
    mailEvents: stack.mail.handler,
  });

  /** A function's variables, less the house ones, with deploy-time values as placeholders. */
  function courseVariables(fn: IConstruct): Record<string, string> {
    const env: Record<string, unknown> = stack.resolve(functionProps(fn).Environment.Variables);
    return Object.fromEntries(
      Object.entries(env)
        .filter(([name]) => !name.startsWith('POWERTOOLS_'))
        .map(([name, value]) => [
          name,
          typeof value === 'string'
            ? value
            : name.endsWith('_URL')
              ? 'https://deploy-time.example'
              : 'deploy-time',
        ]),
    );
  }

  it('gives each function exactly the variables it reads, and valid ones', () => {
    for (const [name, construct] of Object.entries(functionsByName()) as [
      FunctionName,
      { fn: IConstruct },
    ][]) {
      const env = courseVariables(construct.fn);
      const optional =
        name === 'api' ? [ENV.publicBaseUrl, ENV.replyTo, ENV.bookingUrl] : [ENV.replyTo, ENV.bookingUrl];
      const expected = FUNCTION_ENV[name].filter((v) => !(optional as string[]).includes(v) || v in env);
      expect(Object.keys(env).sort(), name).toEqual([...expected].sort());
      expect(() => readEnvironment(name, env), name).not.toThrow();
    }
  });

  it('points every function at the table, and the sender and api at the keys and sending', () => {
    const fns = functionsByName();
    for (const construct of Object.values(fns)) {
      const env = stack.resolve(functionProps(construct.fn).Environment.Variables);
      expect(env[ENV.tableName]).toEqual({ Ref: 'SubscriberTable' });
      expect(env[ENV.dueShards]).toBe(String(TABLE.defaultDueShards));
    }
    for (const construct of [fns.api, fns.sender]) {
      const env = stack.resolve(functionProps(construct.fn).Environment.Variables);
      expect(env[ENV.linkSecretId]).toBeDefined();
      expect(env[ENV.configurationSet]).toEqual({ Ref: logicalIdOf(stack.mail.configurationSet) });
    }
    const sender = stack.resolve(functionProps(fns.sender.fn).Environment.Variables);
    expect(sender[ENV.maxSendRate]).toBe(String(FULL_CONFIG.maxSendRate));
    for (const construct of [fns.api, fns.sender]) {
      expect(functionProps(construct.fn).Environment.Variables[ENV.bookingUrl]).toBe(FULL_CONFIG.bookingUrl);
    }
  });

  it('gives the pages and the emails the clinic brand: logo and its size, accent, phone, practitioner, privacy policy', () => {
    const fns = functionsByName();
    for (const construct of [fns.api, fns.sender]) {
      const env = functionProps(construct.fn).Environment.Variables;
      expect(env[ENV.logoUrl]).toBe(FULL_CONFIG.logoUrl);
      expect([env[ENV.logoWidth], env[ENV.logoHeight]]).toEqual(['180', '40']);
      expect(env[ENV.accentColor]).toBe(FULL_CONFIG.accentColor);
      expect(env[ENV.phone]).toBe(FULL_CONFIG.phone);
      expect(env[ENV.practitioner]).toBe(FULL_CONFIG.practitioner);
      expect(env[ENV.privacyPolicyUrl]).toBe(FULL_CONFIG.privacyPolicyUrl);
    }
  });

  it('names each function as its own service in logs and metrics, after its stack', () => {
    const names = Object.values(functionsByName()).map(
      (construct) => functionProps(construct.fn).Environment.Variables.POWERTOOLS_SERVICE_NAME,
    );
    expect(names.sort()).toEqual(
      ['drip-sender', 'drip-sweep', 'mail-events', 'signup-api'].map((n) => `${stack.stackName}-${n}`),
    );
  });

  it('tells the sender the API URL for links, and leaves the API to derive its own', () => {
    const sender = functionProps(stack.drip.sender.fn).Environment.Variables;
    expect(JSON.stringify(sender[ENV.publicBaseUrl])).toContain(logicalIdOf(stack.api.httpApi));
    expect(sender[ENV.queueUrl]).toBeUndefined();
    const api = functionProps(stack.api.handler.fn).Environment.Variables;
    expect(api[ENV.publicBaseUrl]).toBeUndefined();
    expect(api[ENV.queueUrl]).toEqual({ Ref: logicalIdOf(stack.drip.queue) });
  });
});

describe('permissions', () => {
  const sesStatements = () =>
    allStatements().filter(({ statement }) => JSON.stringify(statement.Action).includes('ses:Send'));
  /** The one resource-less action: reading the account's sending quota. */
  const readsSendQuota = (statement: Cfn) =>
    statement.Action === 'ses:GetAccount' && statement.Resource === '*';

  it('lets only the sender read the account’s SES sending quota (GetAccount takes no resource)', () => {
    const reads = allStatements().filter(({ statement }) =>
      JSON.stringify(statement.Action).includes('GetAccount'),
    );
    expect(reads).toEqual([
      {
        roleLogicalIds: [logicalIdOf(stack.drip.sender.role)],
        statement: { Effect: 'Allow', Action: 'ses:GetAccount', Resource: '*' },
      },
    ]);
  });

  it('lets the sender and the api send email only with ses:SendEmail on the identity and configuration set', () => {
    const statements = sesStatements();
    const roles = statements.flatMap((s) => s.roleLogicalIds).sort();
    expect(roles).toEqual([logicalIdOf(stack.api.handler.role), logicalIdOf(stack.drip.sender.role)].sort());
    for (const { statement } of statements) {
      expect(statement.Effect).toBe('Allow');
      expect(statement.Action).toBe('ses:SendEmail');
      expect(statement.Condition).toBeUndefined();
      const arns = asArray(statement.Resource).map((r) => JSON.stringify(stack.resolve(r)));
      expect(arns).toHaveLength(3);
      expect(arns.filter((a) => a.includes(':identity/clinic.example"'))).toHaveLength(1);
      expect(arns.filter((a) => a.includes(':identity/course@clinic.example"'))).toHaveLength(1);
      expect(arns.filter((a) => a.includes(':configuration-set/'))).toEqual([
        expect.stringContaining(logicalIdOf(stack.mail.configurationSet)),
      ]);
      for (const arn of arns) expect(arn).not.toContain('*');
    }
  });

  it('grants no wildcard action and no wildcard resource but GetAccount’s', () => {
    for (const { statement } of allStatements().filter(({ statement }) => !readsSendQuota(statement))) {
      for (const action of asArray(statement.Action)) {
        expect(action).not.toBe('*');
        expect(action).not.toMatch(/:\*$/);
      }
      for (const resource of asArray(statement.Resource)) {
        expect(JSON.stringify(resource)).not.toContain('*');
      }
    }
  });

  const tableStatementsOf = (role: IConstruct) =>
    allStatements()
      .filter(({ roleLogicalIds }) => roleLogicalIds.includes(logicalIdOf(role)))
      .map(({ statement }) => statement)
      .filter((statement) => JSON.stringify(statement.Action).includes('dynamodb:'));

  it('lets the sweep only query the due index, never write', () => {
    expect(tableStatementsOf(stack.drip.sweep.role)).toEqual([
      {
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: {
          'Fn::Join': ['', [{ 'Fn::GetAtt': ['SubscriberTable', 'Arn'] }, `/index/${TABLE.dueIndex.name}`]],
        },
      },
    ]);
  });

  it('lets the other functions get, put and update single records, but not scan or delete', () => {
    for (const fn of [stack.api.handler, stack.drip.sender, stack.mail.handler]) {
      expect(tableStatementsOf(fn.role), fn.node.path).toEqual([
        {
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
          Resource: { 'Fn::GetAtt': ['SubscriberTable', 'Arn'] },
        },
      ]);
    }
  });

  it('writes logs only to the function’s own log group', () => {
    const logStatements = allStatements().filter(({ statement }) =>
      JSON.stringify(statement.Action).includes('logs:'),
    );
    expect(logStatements).toHaveLength(4);
    for (const { statement } of logStatements) {
      expect(statement.Resource).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
    }
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    for (const role of Object.values(resourcesOfType(template, 'AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('drip engine', () => {
  it('moves a message to the dead-letter queue after five receives', () => {
    const queue = template.toJSON().Resources[logicalIdOf(stack.drip.queue)].Properties;
    expect(queue.RedrivePolicy.maxReceiveCount).toBeGreaterThanOrEqual(5);
    expect(queue.RedrivePolicy.deadLetterTargetArn).toEqual({
      'Fn::GetAtt': [logicalIdOf(stack.drip.deadLetterQueue), 'Arn'],
    });
  });

  it('keeps a message invisible for at least six sender timeouts', () => {
    const queue = template.toJSON().Resources[logicalIdOf(stack.drip.queue)].Properties;
    const sender = functionProps(stack.drip.sender.fn);
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * sender.Timeout);
  });

  it('gives the sender time to pace a full batch at its share of the send rate', () => {
    const sender = functionProps(stack.drip.sender.fn);
    const perInstanceRate = FULL_CONFIG.maxSendRate / FULL_CONFIG.senderMaxConcurrency;
    expect(sender.Timeout).toBeGreaterThanOrEqual((2 * SENDER_BATCH_SIZE) / perInstanceRate);
    expect(sender.Environment.Variables[ENV.senderMaxConcurrency]).toBe(
      String(FULL_CONFIG.senderMaxConcurrency),
    );
  });

  it('encrypts both queues and refuses requests without TLS', () => {
    for (const queue of [stack.drip.queue, stack.drip.deadLetterQueue]) {
      expect(functionProps(queue).SqsManagedSseEnabled).toBe(true);
    }
    const policies = Object.values(resourcesOfType(template, 'AWS::SQS::QueuePolicy'));
    expect(policies).toHaveLength(5); // the drip's two, the mail events' three (tests/infra/alarms.test.ts)
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('reports failed messages one by one and caps sender concurrency from the config', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(stack.drip.sender.fn) },
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(stack.drip.queue), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: FULL_CONFIG.senderMaxConcurrency },
    });
  });

  it('runs the sweep on the configured schedule', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: `rate(${FULL_CONFIG.sweepMinutes} minutes)`,
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalIdOf(stack.drip.sweep.fn), 'Arn'] } })],
    });
  });
});

describe('sign-up API', () => {
  it('sends every request to the api function, which owns the routes', () => {
    const routes = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Route'));
    expect(routes.map((r) => r.Properties.RouteKey)).toEqual(['$default']);
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [logicalIdOf(stack.api.handler.fn), 'Arn'] },
    });
  });

  it('throttles the default stage with the configured rate and burst', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: FULL_CONFIG.apiThrottle.rateLimit,
        ThrottlingBurstLimit: FULL_CONFIG.apiThrottle.burstLimit,
      },
    });
  });

  it('writes a JSON access log without query strings', () => {
    const stage = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Stage'))[0]?.Properties;
    expect(stage.AccessLogSettings.DestinationArn).toEqual({
      'Fn::GetAtt': [logicalIdOf(stack.api.accessLogs), 'Arn'],
    });
    const format = JSON.parse(stage.AccessLogSettings.Format);
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
    expect(stage.AccessLogSettings.Format).not.toMatch(/querystring|rawQueryString|\$context\.path/i);
  });

  it('allows cross-origin posts only from the configured origins', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.objectLike({ AllowOrigins: FULL_CONFIG.allowedOrigins }),
    });
  });
});

describe('mail events', () => {
  it('publishes the course’s SES events to the default event bus', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: { Ref: logicalIdOf(stack.mail.configurationSet) },
      EventDestination: {
        Enabled: true,
        EventBridgeDestination: { EventBusArn: Match.anyValue() },
        MatchingEventTypes: Match.arrayWith(['delivery', 'bounce', 'complaint', 'reject', 'open', 'click']),
      },
    });
    const destination = Object.values(
      resourcesOfType(template, 'AWS::SES::ConfigurationSetEventDestination'),
    )[0];
    expect(JSON.stringify(destination?.Properties.EventDestination.EventBridgeDestination)).toContain(
      'event-bus/default',
    );
  });

  it('leaves out Send events, which the mail-events function would only ignore', () => {
    const destinations = Object.values(
      resourcesOfType(template, 'AWS::SES::ConfigurationSetEventDestination'),
    );
    const types = destinations.flatMap((d) => d.Properties.EventDestination.MatchingEventTypes as string[]);

    expect(destinations).toHaveLength(1);
    expect(types).not.toContain('send');
    expect([...types].sort()).toEqual([
      'bounce',
      'click',
      'complaint',
      'delivery',
      'deliveryDelay',
      'open',
      'reject',
    ]);
  });

  it('puts SES events of the course configuration set on the mail-events queue, never straight on the function', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ses'],
        detail: {
          mail: { tags: { 'ses:configuration-set': [{ Ref: logicalIdOf(stack.mail.configurationSet) }] } },
        },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalIdOf(stack.mail.queue), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf(stack.mail.ruleDeadLetterQueue), 'Arn'] } },
        }),
      ],
    });
  });

  it('creates the domain identity with Easy DKIM, the custom MAIL FROM and the configuration set', () => {
    // Easy DKIM is on unless DkimAttributes.SigningEnabled says false.
    expect(JSON.stringify(resourcesOfType(template, 'AWS::SES::EmailIdentity'))).not.toContain(
      '"SigningEnabled":false',
    );
    template.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'clinic.example',
      DkimSigningAttributes: { NextSigningKeyLength: 'RSA_2048_BIT' },
      MailFromAttributes: { MailFromDomain: 'mail.clinic.example' },
      ConfigurationSetAttributes: { ConfigurationSetName: { Ref: logicalIdOf(stack.mail.configurationSet) } },
    });
  });
});

describe('link secret', () => {
  it('generates a key in a shape the link-keys adapter reads', () => {
    const secrets = Object.entries(resourcesOfType(template, 'AWS::SecretsManager::Secret'))
      .filter(([id]) => id.startsWith('LinkKeys'))
      .map(([, secret]) => secret);
    expect(secrets).toHaveLength(1);
    const generate = secrets[0]?.Properties.GenerateSecretString;
    expect(generate.PasswordLength).toBeGreaterThanOrEqual(32);
    // What Secrets Manager stores: the template plus the generated key under its name.
    const stored = {
      ...JSON.parse(generate.SecretStringTemplate),
      [generate.GenerateStringKey]: 'A1'.repeat(32),
    };
    expect(parseLinkKeys(stored)).toEqual({ currentKeyId: 'k1', keys: { k1: 'A1'.repeat(32) } });
  });

  it('generates the subscriber-id key as its own secret, kept when the stack goes', () => {
    const all = template.findResources('AWS::SecretsManager::Secret') as Record<
      string,
      { Properties: { GenerateSecretString: Record<string, unknown> }; DeletionPolicy?: string }
    >;
    const [id, secret] =
      Object.entries(all).find(([logicalId]) => logicalId.startsWith('PseudonymKey')) ?? [];
    expect(id).toBeDefined();
    expect(secret?.DeletionPolicy).toBe('Retain');
    const generate = secret?.Properties.GenerateSecretString ?? {};
    expect(generate.PasswordLength).toBeGreaterThanOrEqual(MIN_PSEUDONYM_KEY_LENGTH);
    // A plain string: no template, as the pseudonym-key adapter reads it.
    expect(generate.SecretStringTemplate).toBeUndefined();
    expect(parsePseudonymKey('A1'.repeat(32))).toBe('A1'.repeat(32));
  });
});

describe('monitoring', () => {
  const alarms = () =>
    Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties);

  it('alarms as soon as a message lands in the dead-letter queue', () => {
    expect(alarms()).toContainEqual(
      expect.objectContaining({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Dimensions: [
          {
            Name: 'QueueName',
            Value: { 'Fn::GetAtt': [logicalIdOf(stack.drip.deadLetterQueue), 'QueueName'] },
          },
        ],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    );
  });

  it('alarms on sender errors', () => {
    expect(alarms()).toContainEqual(
      expect.objectContaining({
        MetricName: 'Errors',
        Namespace: 'AWS/Lambda',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(stack.drip.sender.fn) } }],
        Threshold: 1,
      }),
    );
  });

  it('alarms when the sign-up API answers with a server error, which the api function catches itself', () => {
    expect(alarms()).toContainEqual(
      expect.objectContaining({
        MetricName: '5xx',
        Namespace: 'AWS/ApiGateway',
        Dimensions: expect.arrayContaining([
          { Name: 'ApiId', Value: { Ref: logicalIdOf(stack.api.httpApi) } },
          { Name: 'Stage', Value: '$default' },
        ]),
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    );
  });

  it('alarms before SES bounce and complaint rates reach the review thresholds', () => {
    expect(alarms()).toContainEqual(
      expect.objectContaining({
        Namespace: 'AWS/SES',
        MetricName: 'Reputation.BounceRate',
        Threshold: 0.02,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    expect(alarms()).toContainEqual(
      expect.objectContaining({
        Namespace: 'AWS/SES',
        MetricName: 'Reputation.ComplaintRate',
        Threshold: 0.0005,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
  });

  it('notifies the alarm address through a topic that requires TLS', () => {
    const topic = stack.monitoring.topic;
    if (!topic) throw new Error('expected an alarm topic when alarmEmail is set');
    const topicId = logicalIdOf(topic);
    for (const alarm of alarms()) expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: FULL_CONFIG.alarmEmail,
      TopicArn: { Ref: topicId },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('lets the course’s own alarms, and only those, publish to the alarm topic', () => {
    const topic = stack.monitoring.topic;
    if (!topic) throw new Error('expected an alarm topic when alarmEmail is set');
    const policies = Object.values(resourcesOfType(template, 'AWS::SNS::TopicPolicy'));
    expect(policies).toHaveLength(1);
    const allows = policies[0]?.Properties.PolicyDocument.Statement.filter((s: Cfn) => s.Effect === 'Allow');
    expect(allows).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: { Ref: logicalIdOf(topic) },
        Condition: {
          ArnLike: {
            'aws:SourceArn': stack.monitoring.alarms.map((alarm) => ({
              'Fn::GetAtt': [logicalIdOf(alarm), 'Arn'],
            })),
          },
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        },
        Sid: expect.any(String),
      },
    ]);
  });

  it('has a dashboard with course metrics, queue depths and errors', () => {
    const dashboards = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]?.Properties.DashboardBody);
    for (const text of [
      'KneePainCourse',
      'MetricName=\\\\\\"signedUp\\\\\\"',
      'MetricName=\\\\\\"confirmed\\\\\\"',
      'MetricName=\\\\\\"sent\\\\\\"',
      'MetricName=\\\\\\"bounced\\\\\\"',
      'MetricName=\\\\\\"complained\\\\\\"',
      'ApproximateNumberOfMessagesVisible',
      'Errors',
      'Reputation.BounceRate',
    ]) {
      expect(body).toContain(text);
    }
  });
});

describe('outputs', () => {
  it('exports the sign-up page, API, dashboard, table and queue for people and the admin CLI', () => {
    const outputs = template.toJSON().Outputs;
    for (const name of [
      'SignupUrl',
      'ApiUrl',
      'DashboardUrl',
      'TableName',
      'QueueUrl',
      'SenderAddress',
      'ConfigurationSetName',
      'LinkSecretArn',
    ]) {
      expect(outputs[name], name).toBeDefined();
    }
    expect(outputs.TableName.Value).toEqual({ Ref: 'SubscriberTable' });
    expect(outputs.QueueUrl.Value).toEqual({ Ref: logicalIdOf(stack.drip.queue) });
    expect(JSON.stringify(outputs.SignupUrl.Value)).toContain(logicalIdOf(stack.api.httpApi));
    expect(JSON.stringify(outputs.DashboardUrl.Value)).toContain(
      logicalIdOf(stack.monitoring.dashboard as IConstruct),
    );
  });

  it('has every output the admin CLI reads', () => {
    const outputs = template.toJSON().Outputs;
    for (const name of Object.values(STACK_OUTPUTS)) expect(outputs[name], name).toBeDefined();
  });

  it('lists the DKIM records to add to DNS', () => {
    const outputs = template.toJSON().Outputs;
    expect(Object.keys(outputs).filter((k) => k.startsWith('DkimRecord'))).toHaveLength(3);
  });
});
