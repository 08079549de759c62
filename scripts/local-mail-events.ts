/**
 * What SES would publish through its configuration set and EventBridge, made up locally:
 * a Delivery event shortly after each send, and bounces or complaints on request
 * (`POST /_local/simulate`). The events have the shape EventBridge puts on the mail-events
 * queue; the local stack queues them for the same batch handler the Lambda runs.
 */
import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent } from 'aws-lambda';
import type { Mailer, OutgoingEmail } from '../functions/core/ports.js';

/** SES event types the local stack makes up. */
export type LocalMailEventType = 'Delivery' | 'Bounce' | 'Complaint';

/** EventBridge `detail-type` SES uses for each event type. */
export const SES_DETAIL_TYPES: Readonly<Record<LocalMailEventType, string>> = {
  Delivery: 'Email Delivered',
  Bounce: 'Email Bounced',
  Complaint: 'Email Complaint Received',
};

/** An SES event as EventBridge delivers it to the mail-events Lambda. */
export type SesEventBridgeEvent = EventBridgeEvent<string, SesEventDetail>;

export interface SesEventDetail {
  eventType: LocalMailEventType;
  mail: {
    timestamp: string;
    source: string;
    sendingAccountId: string;
    messageId: string;
    destination: string[];
    headersTruncated: boolean;
    tags: Record<string, string[]>;
  };
  delivery?: {
    timestamp: string;
    processingTimeMillis: number;
    recipients: string[];
    smtpResponse: string;
    reportingMTA: string;
  };
  bounce?: {
    bounceType: 'Permanent';
    bounceSubType: 'General';
    bouncedRecipients: { emailAddress: string; action: string; status: string; diagnosticCode: string }[];
    timestamp: string;
    feedbackId: string;
    reportingMTA: string;
  };
  complaint?: {
    complainedRecipients: { emailAddress: string }[];
    timestamp: string;
    feedbackId: string;
    complaintFeedbackType: string;
    arrivalDate: string;
  };
}

/** One email the local SES accepted, as later events need it. */
export interface SentMail {
  readonly messageId: string;
  readonly to: string;
  readonly from: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly sentAt: Date;
}

const ACCOUNT = '000000000000';
const REGION = 'local';
export const LOCAL_CONFIGURATION_SET = 'email-course-local';

/** SES tag names and values allow letters, digits, `_` and `-` only (as the SES mailer sends them). */
function tagPart(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 255) || '_';
}

/** Builds the EventBridge event SES would publish for `mail`. */
export function sesEvent(type: LocalMailEventType, mail: SentMail, at: Date): SesEventBridgeEvent {
  const timestamp = at.toISOString();
  const tags: Record<string, string[]> = {
    'ses:configuration-set': [LOCAL_CONFIGURATION_SET],
    'ses:source-ip': ['127.0.0.1'],
    'ses:from-domain': [mail.from.slice(mail.from.lastIndexOf('@') + 1).replace(/>$/, '')],
  };
  for (const [name, value] of Object.entries(mail.tags)) tags[tagPart(name)] = [tagPart(value)];
  const detail: SesEventDetail = {
    eventType: type,
    mail: {
      timestamp: mail.sentAt.toISOString(),
      source: mail.from,
      sendingAccountId: ACCOUNT,
      messageId: mail.messageId,
      destination: [mail.to],
      headersTruncated: false,
      tags,
    },
  };
  const feedbackId = `${randomUUID()}-local`;
  if (type === 'Delivery') {
    detail.delivery = {
      timestamp,
      processingTimeMillis: Math.max(0, at.getTime() - mail.sentAt.getTime()),
      recipients: [mail.to],
      smtpResponse: '250 2.6.0 Message received',
      reportingMTA: 'local.ses.invalid',
    };
  } else if (type === 'Bounce') {
    detail.bounce = {
      bounceType: 'Permanent',
      bounceSubType: 'General',
      bouncedRecipients: [
        {
          emailAddress: mail.to,
          action: 'failed',
          status: '5.1.1',
          diagnosticCode: 'smtp; 550 5.1.1 user unknown (simulated)',
        },
      ],
      timestamp,
      feedbackId,
      reportingMTA: 'dns; local.ses.invalid',
    };
  } else {
    detail.complaint = {
      complainedRecipients: [{ emailAddress: mail.to }],
      timestamp,
      feedbackId,
      complaintFeedbackType: 'abuse',
      arrivalDate: timestamp,
    };
  }
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': SES_DETAIL_TYPES[type],
    source: 'aws.ses',
    account: ACCOUNT,
    time: timestamp,
    region: REGION,
    resources: [`arn:aws:ses:${REGION}:${ACCOUNT}:configuration-set/${LOCAL_CONFIGURATION_SET}`],
    detail,
  };
}

/**
 * A mailer that reports every email the inner mailer got accepted, so the local stack
 * can log it and make up its Delivery event.
 */
export class ObservedMailer implements Mailer {
  constructor(
    private readonly inner: Mailer,
    private readonly from: string,
    private readonly now: () => Date,
    private readonly onSent: (mail: SentMail) => void,
  ) {}

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    const result = await this.inner.send(email);
    this.onSent({
      messageId: result.messageId,
      to: email.to,
      from: this.from,
      tags: email.tags,
      sentAt: this.now(),
    });
    return result;
  }
}
