import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  PUBLISHED_MAIL_EVENT_TYPES,
  type PublishedMailEventType,
  TRACKING_MAIL_EVENT_TYPES,
} from '../../functions/contract.js';
import { CourseFunction, type FunctionDefaults, type MailSending } from './course-function.js';

const sesEventOf: Readonly<Record<PublishedMailEventType, ses.EmailSendingEvent>> = {
  Delivery: ses.EmailSendingEvent.DELIVERY,
  Bounce: ses.EmailSendingEvent.BOUNCE,
  Complaint: ses.EmailSendingEvent.COMPLAINT,
  Reject: ses.EmailSendingEvent.REJECT,
  Open: ses.EmailSendingEvent.OPEN,
  Click: ses.EmailSendingEvent.CLICK,
  DeliveryDelay: ses.EmailSendingEvent.DELIVERY_DELAY,
};

/**
 * The SES events the configuration set publishes: the ones functions/core/mail-events.ts
 * reads (bounce and complaint suppress; the rest are counted or logged). No `SEND`: the
 * handler ignores it. Opens and clicks only with tracking on: publishing them is what
 * makes SES add a pixel and rewrite links.
 */
export function mailEventTypes(tracking: boolean): ses.EmailSendingEvent[] {
  const tracked: readonly string[] = TRACKING_MAIL_EVENT_TYPES;
  return PUBLISHED_MAIL_EVENT_TYPES.filter((type) => tracking || !tracked.includes(type)).map(
    (type) => sesEventOf[type],
  );
}

/** Receives of one mail event before it goes to the dead-letter queue. */
export const MAIL_EVENT_MAX_RECEIVES = 5;

/** Seconds one batch may take: ten events, a few single-item writes each. */
const MAIL_EVENT_FUNCTION_TIMEOUT_SECONDS = 30;

/** SES events per mail-events invocation. */
export const MAIL_EVENT_BATCH_SIZE = 10;

/** Properties of {@link MailEvents}. */
export interface MailEventsProps {
  readonly entry: string;
  readonly functionDefaults: FunctionDefaults;
  readonly table: dynamodb.ITable;
  /** Key of the subscriber ids, to find each recipient's record. */
  readonly pseudonymSecret: secretsmanager.ISecret;
  /** The From address; its identity (domain or address) is what the send policy allows. */
  readonly senderAddress: string;
  /** Domain to create an SES identity for, with Easy DKIM. @default - verified outside the stack */
  readonly identityDomain?: string;
  /** identityDomain is verified already (e.g. by another course's stack): send from it, create none. @default false */
  readonly existingIdentity?: boolean;
  /** Custom MAIL FROM label under identityDomain, e.g. `mail`. @default - SES's own MAIL FROM */
  readonly mailFromSubdomain?: string;
  /** Publish opens and clicks, so SES tracks them. @default false */
  readonly trackOpensAndClicks?: boolean;
  /** The clinic's domain for rewritten click links. @default - SES's own tracking domain */
  readonly clickTrackingDomain?: string;
  /** Verified recipients SES also checks the send permission against while in the sandbox. @default [] */
  readonly sandboxRecipients?: readonly string[];
}

/**
 * SES side of the course: the configuration set every email goes through, its event
 * destination (the default EventBridge bus), a rule that puts those events on a queue,
 * the mail-events function reading it in batches, and, when configured, the sending
 * domain's identity. The queue is there because EventBridge invokes a Lambda
 * asynchronously: after two failed retries the event would be gone. From SQS a failed
 * record comes again, and after five receives waits in a dead-letter queue (alarmed).
 */
export class MailEvents extends Construct implements MailSending {
  readonly configurationSet: ses.ConfigurationSet;
  readonly identity?: ses.EmailIdentity;
  readonly handler: CourseFunction;
  readonly rule: events.Rule;
  readonly queue: sqs.Queue;
  /** Events the function failed on five times. */
  readonly deadLetterQueue: sqs.Queue;
  /** Events EventBridge could not put on the queue (e.g. the queue policy was wrong). */
  readonly ruleDeadLetterQueue: sqs.Queue;
  /** ARNs `ses:SendEmail` is allowed on. */
  readonly sendingResourceArns: string[];

  constructor(scope: Construct, id: string, props: MailEventsProps) {
    super(scope, id);

    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      reputationMetrics: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      ...(props.trackOpensAndClicks && props.clickTrackingDomain
        ? // SES's default HTTPS policy: a plain CNAME to SES's tracking domain has no
          // certificate of the clinic's, so requiring HTTPS would break every link.
          { customTrackingRedirectDomain: props.clickTrackingDomain }
        : {}),
    });
    this.configurationSet.addEventDestination('ToEventBridge', {
      // SES publishes to the account's default bus only.
      destination: ses.EventDestination.eventBus(
        events.EventBus.fromEventBusName(this, 'DefaultBus', 'default'),
      ),
      events: mailEventTypes(props.trackOpensAndClicks === true),
    });

    if (props.identityDomain && !props.existingIdentity) {
      this.identity = new ses.EmailIdentity(this, 'Identity', {
        identity: ses.Identity.domain(props.identityDomain),
        configurationSet: this.configurationSet,
        dkimSigning: true,
        dkimIdentity: ses.DkimIdentity.easyDkim(ses.EasyDkimSigningKeyLength.RSA_2048_BIT),
        ...(props.mailFromSubdomain
          ? { mailFromDomain: `${props.mailFromSubdomain}.${props.identityDomain}` }
          : {}),
      });
      // Deleting the stack must not unverify a domain other courses of the clinic send from.
      this.identity.applyRemovalPolicy(RemovalPolicy.RETAIN);
    }

    const stack = Stack.of(this);
    const identityArn = (name: string) =>
      stack.formatArn({ service: 'ses', resource: 'identity', resourceName: name });
    const senderDomain = props.senderAddress.split('@')[1] ?? '';
    // SES authorises a send against the most specific verified identity of the From
    // address, so both the address and its domain are listed; only one need exist.
    this.sendingResourceArns = [
      ...new Set([
        identityArn(props.identityDomain ?? senderDomain),
        identityArn(senderDomain),
        identityArn(props.senderAddress),
        ...(props.sandboxRecipients ?? []).map(identityArn),
      ]),
      stack.formatArn({
        service: 'ses',
        resource: 'configuration-set',
        resourceName: this.configurationSet.configurationSetName,
      }),
    ];

    // Retention: longer than any outage worth waiting out; the DLQs keep events for the
    // owner to look at (or redrive) for the full 14 days SQS allows.
    const encrypted = { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true } as const;
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      ...encrypted,
      retentionPeriod: Duration.days(14),
    });
    this.ruleDeadLetterQueue = new sqs.Queue(this, 'UndeliveredEvents', {
      ...encrypted,
      retentionPeriod: Duration.days(14),
    });
    for (const dlq of [this.deadLetterQueue, this.ruleDeadLetterQueue]) {
      Validations.of(dlq).acknowledge({
        id: 'Serverless::Serverless-SQSRedrivePolicy',
        reason:
          'It is a dead-letter queue itself; its events wait for the owner (alarmed), who redrives them after a fix.',
      });
    }
    Validations.of(this.ruleDeadLetterQueue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason:
        "It is itself a dead-letter queue: the rule target's, for events EventBridge could not deliver.",
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      ...encrypted,
      retentionPeriod: Duration.days(4),
      // Six times the function's timeout (AWS guidance for Lambda event sources).
      visibilityTimeout: Duration.seconds(MAIL_EVENT_FUNCTION_TIMEOUT_SECONDS * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAIL_EVENT_MAX_RECEIVES },
    });

    this.handler = new CourseFunction(this, 'Handler', {
      timeout: Duration.seconds(MAIL_EVENT_FUNCTION_TIMEOUT_SECONDS),
      ...props.functionDefaults,
      entry: props.entry,
      description: 'Records SES deliveries, opens, clicks; suppresses bounces and complaints',
      serviceName: 'mail-events',
    })
      .bindTable(props.table, 'records')
      .bindPseudonymSecret(props.pseudonymSecret);

    this.rule = new events.Rule(this, 'Rule', {
      description: 'SES events of the course configuration set to the mail-events function',
      eventPattern: {
        source: ['aws.ses'],
        // Other mail the account sends through SES is none of the course's business.
        detail: { mail: { tags: { 'ses:configuration-set': [this.configurationSet.configurationSetName] } } },
      },
      targets: [
        new targets.SqsQueue(this.queue, {
          deadLetterQueue: this.ruleDeadLetterQueue,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
    Validations.of(this.handler.fn).acknowledge({
      id: 'Serverless::Serverless-LambdaDLQ',
      reason:
        'Invoked by its SQS event source only (that is the point of the queue); failed events go to the queue’s dead-letter queue.',
    });
    Validations.of(this.handler.fn).acknowledge({
      id: 'Serverless::Serverless-LambdaEventSourceMappingDestination',
      reason:
        'An SQS event source has no on-failure destination; the queue’s redrive policy moves an event to the dead-letter queue after five receives.',
    });
    this.handler.fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: MAIL_EVENT_BATCH_SIZE,
        maxBatchingWindow: Duration.seconds(5),
        reportBatchItemFailures: true,
      }),
    );
  }

  get configurationSetName(): string {
    return this.configurationSet.configurationSetName;
  }

  grantSendEmail(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['ses:SendEmail'],
      resourceArns: this.sendingResourceArns,
    });
  }
}
