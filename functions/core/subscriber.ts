/**
 * The subscriber record as the course rules see it. The store adapter maps it to and
 * from DynamoDB items; nothing here knows about AWS.
 */

export const subscriberStatuses = [
  'pending',
  'active',
  'completed',
  'unsubscribed',
  'bounced',
  'complained',
] as const;
export type SubscriberStatus = (typeof subscriberStatuses)[number];

/** What the visitor agreed to, and where: kept as proof of opt-in. */
export interface ConsentRecord {
  /** ISO-8601 time the form was submitted. */
  readonly at: string;
  readonly ip: string;
  readonly userAgent: string;
  readonly formUrl: string;
  readonly textVersion: string;
}

/** One email of the sequence that went out. */
export interface SentEmail {
  readonly sentAt: string;
  readonly messageId: string;
}

/** A sender's temporary hold on one email, so two senders never send it twice. */
export interface SendClaim {
  readonly emailId: string;
  /** ISO time the hold lapses; another sender may then take it over. */
  readonly until: string;
  /** Random token of the claiming attempt; only its holder may record the send. */
  readonly token: string;
}

/** Mail events counted for one email of this subscriber. */
export interface EngagementCounts {
  delivered?: number;
  opened?: number;
  clicked?: number;
}

export interface Subscriber {
  /** Stable pseudonymous id: a hash of the normalised address, never the address. */
  readonly id: string;
  /** Normalised address; absent on an erased record. */
  readonly email?: string;
  readonly firstName?: string;
  /** IANA time zone, already validated. */
  readonly timeZone: string;
  readonly status: SubscriberStatus;
  /** ISO time the record was first created. */
  readonly createdAt: string;
  readonly consent?: ConsentRecord;
  /** Random id of the current opt-in; a confirm link only works for its own opt-in. */
  readonly optInId?: string;
  /** ISO time the last confirmation email was sent (cool-down). */
  readonly confirmationSentAt?: string;
  readonly confirmedAt?: string;
  readonly unsubscribedAt?: string;
  /** ISO time of the bounce or complaint that suppressed the address. */
  readonly suppressedAt?: string;
  readonly completedAt?: string;
  /**
   * Id of the email due at `nextSendAt`, as the course stood when it was scheduled; absent
   * once done. The sender sends what the course puts next now (progress.ts).
   */
  readonly nextEmailId?: string;
  /** ISO time the next email is due; present only while active with an email to come. */
  readonly nextSendAt?: string;
  readonly claim?: SendClaim;
  /** Emails sent, by template id. */
  readonly sent: Readonly<Record<string, SentEmail>>;
  readonly engagement?: Readonly<Record<string, EngagementCounts>>;
  /** Ids of the latest mail events applied to this record (a redelivered one is skipped). */
  readonly mailEventIds?: readonly string[];
  /** Course counters an applied mail event still owes, by event id, until they are bumped. */
  readonly owedCounters?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Optimistic-concurrency version; every write checks and bumps it. */
  readonly version: number;
}
