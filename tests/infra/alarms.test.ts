import type { CfnElement } from 'aws-cdk-lib';
import { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { GUARD_METRIC_SERVICE } from '../../functions/contract.js';
import { parseConfig } from '../../infra/config.js';
import type { CourseStack } from '../../infra/course-stack.js';
import { type Cfn, FULL_CONFIG, resourcesOfType, synthCourse, testConfig } from './synth.js';

// The mail-events queue between EventBridge and the function, and the alarms that reach
// the owner's address.
let template: Template;
let stack: CourseStack;

beforeAll(() => {
  ({ template, stack } = synthCourse(testConfig({ sweepMinutes: 10 })));
});

const idOf = (construct: IConstruct) =>
  Stack.of(construct).resolve((construct.node.defaultChild as CfnElement).logicalId) as string;
const props = (construct: IConstruct) => template.toJSON().Resources[idOf(construct)].Properties;
const alarms = () =>
  Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties);
const queueDimension = (queue: IConstruct) => [
  { Name: 'QueueName', Value: { 'Fn::GetAtt': [idOf(queue), 'QueueName'] } },
];

describe('mail events through a queue', () => {
  it('encrypts every mail-events queue, refuses plain HTTP and keeps messages for a set time', () => {
    for (const queue of [stack.mail.queue, stack.mail.deadLetterQueue, stack.mail.ruleDeadLetterQueue]) {
      expect(props(queue).SqsManagedSseEnabled).toBe(true);
      expect(props(queue).MessageRetentionPeriod).toBeGreaterThan(0);
    }
    expect(props(stack.mail.queue).MessageRetentionPeriod).toBe(4 * 24 * 3600);
    expect(props(stack.mail.deadLetterQueue).MessageRetentionPeriod).toBe(14 * 24 * 3600);
    const policies = JSON.stringify(resourcesOfType(template, 'AWS::SQS::QueuePolicy'));
    for (const queue of [stack.mail.queue, stack.mail.deadLetterQueue, stack.mail.ruleDeadLetterQueue]) {
      expect(policies).toContain(idOf(queue));
    }
    expect(policies).toContain('"aws:SecureTransport":"false"');
  });

  it('moves an event to the dead-letter queue after five receives', () => {
    expect(props(stack.mail.queue).RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [idOf(stack.mail.deadLetterQueue), 'Arn'] },
      maxReceiveCount: 5,
    });
  });

  it('lets only the course rule send to the queue', () => {
    const statements: Cfn[] = Object.values(resourcesOfType(template, 'AWS::SQS::QueuePolicy'))
      .filter((p) => JSON.stringify(p.Properties.Queues).includes(idOf(stack.mail.queue)))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const allow = statements.find((s) => s.Effect === 'Allow');
    expect(allow?.Principal).toEqual({ Service: 'events.amazonaws.com' });
    expect(allow?.Condition.ArnEquals['aws:SourceArn']).toEqual({
      'Fn::GetAtt': [idOf(stack.mail.rule), 'Arn'],
    });
  });

  it('feeds the function in batches with partial batch failures', () => {
    const mappings = Object.values(resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')).map(
      (m) => m.Properties,
    );
    expect(mappings).toContainEqual(
      expect.objectContaining({
        EventSourceArn: { 'Fn::GetAtt': [idOf(stack.mail.queue), 'Arn'] },
        FunctionName: { Ref: idOf(stack.mail.handler.fn) },
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      }),
    );
    // Six function timeouts, so a throttled batch is not handed out twice at once.
    expect(props(stack.mail.queue).VisibilityTimeout).toBe(6 * props(stack.mail.handler.fn).Timeout);
  });

  it('gives the function no other trigger (no asynchronous invocation that could drop events)', () => {
    const permissions = Object.values(resourcesOfType(template, 'AWS::Lambda::Permission')).filter((p) =>
      JSON.stringify(p.Properties.FunctionName).includes(idOf(stack.mail.handler.fn)),
    );
    expect(permissions).toEqual([]);
  });

  it('keeps the SES identity when the stack is deleted', () => {
    const identity = template.toJSON().Resources[idOf(stack.mail.identity as IConstruct)];
    expect(identity?.DeletionPolicy).toBe('Retain');
    expect(identity?.UpdateReplacePolicy).toBe('Retain');
  });
});

describe('alarms that reach a person', () => {
  it('refuses a configuration without alarmEmail, naming the field', () => {
    const { alarmEmail: _a, ...rest } = FULL_CONFIG;
    expect(() => parseConfig(rest)).toThrow('course.config.json: alarmEmail: is required');
  });

  it('sends every alarm, and its return to OK, to the alarm address', () => {
    const topic = idOf(stack.monitoring.topic);
    expect(alarms().length).toBeGreaterThanOrEqual(12);
    for (const alarm of alarms()) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topic }]);
      expect(alarm.OKActions).toEqual([{ Ref: topic }]);
    }
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: FULL_CONFIG.alarmEmail,
    });
  });

  it('alarms on the errors of each function not behind the API (the API’s own show as 5xx)', () => {
    for (const fn of [stack.drip.sender.fn, stack.drip.sweep.fn, stack.mail.handler.fn]) {
      expect(alarms()).toContainEqual(
        expect.objectContaining({
          Namespace: 'AWS/Lambda',
          MetricName: 'Errors',
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: idOf(fn) } }],
          Statistic: 'Sum',
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        }),
      );
    }
  });

  it('alarms when a send request has waited more than 15 minutes', () => {
    expect(alarms()).toContainEqual(
      expect.objectContaining({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: queueDimension(stack.drip.queue),
        Threshold: 900,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
  });

  it('alarms as soon as either dead-letter queue, or the rule’s, holds a message', () => {
    for (const queue of [
      stack.drip.deadLetterQueue,
      stack.mail.deadLetterQueue,
      stack.mail.ruleDeadLetterQueue,
    ]) {
      expect(alarms()).toContainEqual(
        expect.objectContaining({
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: queueDimension(queue),
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        }),
      );
    }
  });

  it('alarms when the sweep has not run for three of its intervals, also when there is no data', () => {
    expect(alarms()).toContainEqual(
      expect.objectContaining({
        Namespace: 'AWS/Lambda',
        MetricName: 'Invocations',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: idOf(stack.drip.sweep.fn) } }],
        Period: 30 * 60,
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
      }),
    );
  });

  it('alarms on the API’s 5xx and on the SES bounce and complaint rates', () => {
    const names = alarms().map((a) => a.MetricName);
    expect(names).toEqual(
      expect.arrayContaining(['5xx', 'Reputation.BounceRate', 'Reputation.ComplaintRate']),
    );
  });

  it('alarms while the reputation guard holds lesson sending, on the one metric its publishers share', () => {
    const guard = alarms().find((a) => a.MetricName === 'guardPaused');
    expect(guard).toMatchObject({
      Namespace: stack.stackName,
      Dimensions: [{ Name: 'service', Value: GUARD_METRIC_SERVICE }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(guard?.AlarmDescription).toContain('course -- resume');
  });

  it('uses no SEARCH expression in any alarm (CloudWatch refuses them)', () => {
    for (const alarm of alarms()) expect(JSON.stringify(alarm)).not.toContain('SEARCH(');
  });
});
