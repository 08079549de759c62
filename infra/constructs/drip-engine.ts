import { Duration, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../functions/contract.js';
import {
  CourseFunction,
  type FunctionDefaults,
  type MailSending,
  type SettingsEnvironment,
} from './course-function.js';

/** Receives before a message goes to the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;

/** Send requests per sender invocation. */
export const SENDER_BATCH_SIZE = 10;

/** Properties of {@link DripEngine}. */
export interface DripEngineProps {
  readonly sweepEntry: string;
  readonly senderEntry: string;
  readonly functionDefaults: FunctionDefaults;
  /** The clinic's settings as the sender reads them (names from the contract's ENV). */
  readonly settings: SettingsEnvironment;
  readonly table: dynamodb.ITable;
  readonly linkSecret: secretsmanager.ISecret;
  readonly sending: MailSending;
  /** @default Duration.minutes(5) */
  readonly sweepEvery?: Duration;
  /** Emails per second for the whole course; the sender instances share it. */
  readonly maxSendRate: number;
  /** Sender functions running at once; with the pacer this keeps sends under the SES rate. @default 2 */
  readonly senderMaxConcurrency?: number;
  /**
   * @default - twice the time pacing a full batch takes at this instance's share of
   * maxSendRate, plus 10 s for SES and DynamoDB, and at least 30 s
   */
  readonly senderTimeout?: Duration;
}

/**
 * The drip: a schedule runs the sweep, which queues every subscriber whose next lesson
 * is due; the sender takes them off the queue, sends through SES and reports each
 * failed message alone so the rest of the batch is not sent again.
 */
export class DripEngine extends Construct {
  readonly sweep: CourseFunction;
  readonly sender: CourseFunction;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: DripEngineProps) {
    super(scope, id);
    const maxConcurrency = props.senderMaxConcurrency ?? 2;
    const pacingSeconds = SENDER_BATCH_SIZE / (props.maxSendRate / maxConcurrency);
    const senderTimeout =
      props.senderTimeout ?? Duration.seconds(Math.min(900, Math.max(30, Math.ceil(2 * pacingSeconds) + 10)));

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'Serverless::Serverless-SQSRedrivePolicy',
      reason:
        'It is the send queue’s dead-letter queue; its messages wait for the owner (alarmed), not for another redrive.',
    });
    this.queue = new sqs.Queue(this, 'SendQueue', {
      // Explicit: four days (the SQS default) outlasts any outage worth waiting out, and a
      // lost request is only a hint: the next sweep queues a due subscriber again.
      retentionPeriod: Duration.days(4),
      // AWS guidance for Lambda event sources: at least six times the function timeout,
      // so a message is not handed out again while a throttled invocation still holds it.
      visibilityTimeout: Duration.seconds(senderTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });

    this.sweep = new CourseFunction(this, 'Sweep', {
      ...props.functionDefaults,
      entry: props.sweepEntry,
      description: 'Queues every subscriber whose next lesson is due',
      timeout: Duration.seconds(60),
      serviceName: 'drip-sweep',
    })
      // The sweep only reads the due index; the sender does the writing.
      .bindTable(props.table, 'due-index')
      .bindSendQueue(this.queue);

    Validations.of(this.sweep.fn).acknowledge({
      id: 'Serverless::Serverless-LambdaDLQ',
      reason:
        'A failed sweep has nothing to redo: the next one minutes later reads the due index afresh; the SweepNotRunning and error alarms watch it.',
    });
    this.schedule = new events.Rule(this, 'SweepSchedule', {
      description: 'Looks for due lessons',
      schedule: events.Schedule.rate(props.sweepEvery ?? Duration.minutes(5)),
      // A missed sweep is made up by the next one a few minutes later.
      targets: [new targets.LambdaFunction(this.sweep.fn, { retryAttempts: 0 })],
    });
    Validations.of(this.schedule).acknowledge({
      id: 'Serverless::Serverless-EventBusDLQ',
      reason:
        'A schedule tick that cannot be delivered is not worth keeping: the next tick does the same work, and SweepNotRunning alarms after three missed.',
    });

    this.sender = new CourseFunction(this, 'Sender', {
      ...props.functionDefaults,
      entry: props.senderEntry,
      description: 'Renders and sends the next lesson of each queued subscriber',
      timeout: senderTimeout,
      serviceName: 'drip-sender',
    })
      .bindTable(props.table, 'records')
      .bindLinkSecret(props.linkSecret)
      .bindSending(props.sending)
      .bindValues({
        ...props.settings,
        [ENV.maxSendRate]: String(props.maxSendRate),
        // Each instance paces itself to MAX_SEND_RATE divided by this.
        [ENV.senderMaxConcurrency]: String(maxConcurrency),
      });
    // The sender paces itself to the account's SES rate, read with GetAccount (cached).
    this.sender.role.addToPolicy(new iam.PolicyStatement({ actions: ['ses:GetAccount'], resources: ['*'] }));
    Validations.of(this.sender.role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'ses:GetAccount reads the account’s sending quota and supports no resource but "*"; it is read-only and names no identity.',
    });
    Validations.of(this.sender.fn).acknowledge({
      id: 'Serverless::Serverless-LambdaDLQ',
      reason:
        'Invoked by its SQS event source only (never asynchronously); failed requests go to the send queue’s dead-letter queue.',
    });
    Validations.of(this.sender.fn).acknowledge({
      id: 'Serverless::Serverless-LambdaEventSourceMappingDestination',
      reason:
        'An SQS event source has no on-failure destination; the queue’s redrive policy moves a request to the dead-letter queue after five receives.',
    });
    this.sender.fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: SENDER_BATCH_SIZE,
        reportBatchItemFailures: true,
        maxConcurrency,
      }),
    );
  }
}
