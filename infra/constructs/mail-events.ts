import { Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { PUBLISHED_MAIL_EVENT_TYPES, type PublishedMailEventType } from '../../functions/contract.js';
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
 * handler ignores it.
 */
export const MAIL_EVENT_TYPES: readonly ses.EmailSendingEvent[] = PUBLISHED_MAIL_EVENT_TYPES.map(
  (type) => sesEventOf[type],
);

/** Properties of {@link MailEvents}. */
export interface MailEventsProps {
  readonly entry: string;
  readonly functionDefaults: FunctionDefaults;
  readonly table: dynamodb.ITable;
  /** The From address; its identity (domain or address) is what the send policy allows. */
  readonly senderAddress: string;
  /** Domain to create an SES identity for, with Easy DKIM. @default - verified outside the stack */
  readonly identityDomain?: string;
  /** Custom MAIL FROM label under identityDomain, e.g. `mail`. @default - SES's own MAIL FROM */
  readonly mailFromSubdomain?: string;
  /** Verified recipients SES also checks the send permission against while in the sandbox. @default [] */
  readonly sandboxRecipients?: readonly string[];
}

/**
 * SES side of the course: the configuration set every email goes through, its event
 * destination (the default EventBridge bus), the rule that hands those events to the
 * mail-events function, and, when configured, the sending domain's identity.
 */
export class MailEvents extends Construct implements MailSending {
  readonly configurationSet: ses.ConfigurationSet;
  readonly identity?: ses.EmailIdentity;
  readonly handler: CourseFunction;
  readonly rule: events.Rule;
  /** ARNs `ses:SendEmail` is allowed on. */
  readonly sendingResourceArns: string[];

  constructor(scope: Construct, id: string, props: MailEventsProps) {
    super(scope, id);

    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      reputationMetrics: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    this.configurationSet.addEventDestination('ToEventBridge', {
      // SES publishes to the account's default bus only.
      destination: ses.EventDestination.eventBus(
        events.EventBus.fromEventBusName(this, 'DefaultBus', 'default'),
      ),
      events: [...MAIL_EVENT_TYPES],
    });

    if (props.identityDomain) {
      this.identity = new ses.EmailIdentity(this, 'Identity', {
        identity: ses.Identity.domain(props.identityDomain),
        configurationSet: this.configurationSet,
        dkimSigning: true,
        dkimIdentity: ses.DkimIdentity.easyDkim(ses.EasyDkimSigningKeyLength.RSA_2048_BIT),
        ...(props.mailFromSubdomain
          ? { mailFromDomain: `${props.mailFromSubdomain}.${props.identityDomain}` }
          : {}),
      });
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

    this.handler = new CourseFunction(this, 'Handler', {
      ...props.functionDefaults,
      entry: props.entry,
      description: 'Records SES deliveries, opens, clicks; suppresses bounces and complaints',
      serviceName: 'mail-events',
    }).bindTable(props.table, 'records');

    this.rule = new events.Rule(this, 'Rule', {
      description: 'SES events of the course configuration set to the mail-events function',
      eventPattern: {
        source: ['aws.ses'],
        // Other mail the account sends through SES is none of the course's business.
        detail: { mail: { tags: { 'ses:configuration-set': [this.configurationSet.configurationSetName] } } },
      },
      targets: [new targets.LambdaFunction(this.handler.fn)],
    });
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
