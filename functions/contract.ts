/**
 * What the stack and the functions must agree on, and nothing else: environment variable
 * names, metric and counter names, the table's shape, the mail event types published and
 * the time-zone rule. `infra/` imports only this file from `functions/`; it has no
 * imports, so the CDK app never loads course logic.
 */

/** Environment variable names: the CDK constructs set them, `functions/wiring.ts` reads them. */
export const ENV = {
  tableName: 'TABLE_NAME',
  queueUrl: 'QUEUE_URL',
  /** Secrets Manager secret id holding the link-signing keys (JSON). */
  linkSecretId: 'LINK_SECRET_ID',
  /** Secrets Manager secret id holding the subscriber ids' key (a plain string, never rotated). */
  pseudonymSecretId: 'PSEUDONYM_SECRET_ID',
  /** Public base URL of the API, e.g. https://abc.execute-api.eu-west-1.amazonaws.com */
  publicBaseUrl: 'PUBLIC_BASE_URL',
  fromAddress: 'FROM_ADDRESS',
  fromName: 'FROM_NAME',
  replyTo: 'REPLY_TO',
  configurationSet: 'SES_CONFIGURATION_SET',
  clinicName: 'CLINIC_NAME',
  postalAddress: 'POSTAL_ADDRESS',
  siteUrl: 'SITE_URL',
  /** Where the emails' booking buttons lead; absent means the site URL. */
  bookingUrl: 'BOOKING_URL',
  allowedOrigins: 'ALLOWED_ORIGINS',
  /** The clinic's brand, each optional: logo (https) and its size in CSS pixels, accent `#rrggbb`, phone, practitioner, privacy policy. */
  logoUrl: 'LOGO_URL',
  logoWidth: 'LOGO_WIDTH',
  logoHeight: 'LOGO_HEIGHT',
  accentColor: 'ACCENT_COLOR',
  phone: 'PHONE',
  practitioner: 'PRACTITIONER',
  privacyPolicyUrl: 'PRIVACY_POLICY_URL',
  sendHour: 'SEND_HOUR',
  defaultTimeZone: 'DEFAULT_TIME_ZONE',
  /** Emails per second the whole course may send (keep it under the SES account's rate). */
  maxSendRate: 'MAX_SEND_RATE',
  /** Most sender functions running at once (the SQS event source's maxConcurrency). */
  senderMaxConcurrency: 'SENDER_MAX_CONCURRENCY',
  dueShards: 'DUE_SHARDS',
  /** `true` when the clinic turned on open and click tracking (the sign-up page says so). */
  trackOpensAndClicks: 'TRACK_OPENS_AND_CLICKS',
  /** Sign-ups one client (IPv4 address or IPv6 /64) may make per window. */
  signupClientLimit: 'SIGNUP_CLIENT_LIMIT',
  /** Minutes of that window. */
  signupClientWindowMinutes: 'SIGNUP_CLIENT_WINDOW_MINUTES',
  /** Confirmation emails one mailbox may receive per 24 hours. */
  mailboxDailyCap: 'MAILBOX_DAILY_CAP',
  /** Days the data of people who completed, unsubscribed or bounced is kept (record TTL). */
  retentionDays: 'RETENTION_DAYS',
  /** Which metrics go to CloudWatch: `all` (for the dashboard) or `alarms` (only ALARM_METRICS). */
  publishedMetrics: 'PUBLISHED_METRICS',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/** The subscriber table's shape, shared by the DynamoDB adapter and the table construct. */
export const TABLE = {
  /** Partition key of every item: `SUB#<subscriber id>`, `COUNTERS`, a day's `COUNTERS#<yyyy-mm-dd>`, `GUARD` or a `LIMIT#...` counter. */
  partitionKey: 'pk',
  /** Sparse index of subscribers with an email due: only items that carry both keys. */
  dueIndex: {
    name: 'due-index',
    /** Shard number as a string, "0".."N-1", spreading the index over partitions. */
    partitionKey: 'dueShard',
    /** ISO-8601 UTC time the next email is due (sorts as time). */
    sortKey: 'dueAt',
    /**
     * Non-key attributes the sweep reads from the index. `nextIndex` holds the next email's
     * id; records written before progress was kept by id hold its position (a number). The
     * name stays because an index's projection cannot change in place.
     */
    projected: ['nextIndex'],
  },
  /** Epoch seconds after which DynamoDB deletes the item (TTL): unconfirmed sign-ups, finished records past retention, sign-up limit counters. */
  expiryAttribute: 'expiresAt',
  /** Shards of the due index. @default 8 */
  defaultDueShards: 8,
} as const;

/**
 * Names of the course-wide counters in the table. Every counter is bumped by the write
 * path that causes it, so stats are one item read, never a scan. Each bump that knows
 * its time also lands in that UTC day's item (`COUNTERS#2026-12-02`, kept a year).
 */
export const COUNTER = {
  signedUp: 'signedUp',
  confirmationsSent: 'confirmationsSent',
  confirmed: 'confirmed',
  completed: 'completed',
  unsubscribed: 'unsubscribed',
  bounced: 'bounced',
  transientBounces: 'transientBounces',
  complained: 'complained',
  erased: 'erased',
  /** Per email of the sequence: `sent:lesson-1`, `delivered:lesson-1`, ... */
  sent: (emailId: string) => `sent:${emailId}`,
  delivered: (emailId: string) => `delivered:${emailId}`,
  opened: (emailId: string) => `opened:${emailId}`,
  clicked: (emailId: string) => `clicked:${emailId}`,
  sendFailed: (emailId: string) => `sendFailed:${emailId}`,
  /** Unsubscribes by the last email received before leaving; `none` before any lesson. */
  unsubscribedAfter: (emailId: string) => `unsubscribedAfter:${emailId}`,
} as const;

/**
 * CloudWatch metric names the functions publish and the dashboard and alarms read. The
 * API's sign-up metrics carry the name of the counter they mirror.
 */
export const METRIC = {
  signedUp: COUNTER.signedUp,
  confirmed: COUNTER.confirmed,
  unsubscribed: COUNTER.unsubscribed,
  /** Emails sent and recorded (`email` dimension). */
  sent: 'sent',
  /** Send attempts that failed and go back to the queue (`email` dimension). */
  sendFailed: 'sendFailed',
  /** Requests left unsent because SES sending is paused. */
  sendPaused: 'sendPaused',
  /**
   * The reputation guard holds lesson sending: published when it trips and by each
   * sweep while it holds, so its alarm stays raised until `course resume`.
   */
  guardPaused: 'guardPaused',
  /** Subscribers who received the closing email. */
  completed: 'completed',
  /** Addresses suppressed for good, whatever the cause (bounced + complained). */
  suppressed: 'suppressed',
  /** Addresses suppressed: SES refused them at send time, or a hard bounce came back. */
  bounced: 'bounced',
  complained: 'complained',
  transientBounces: 'transientBounces',
  delivered: 'delivered',
  opened: 'opened',
  clicked: 'clicked',
  /** Send requests the sweep queued. */
  queued: 'queued',
} as const;

/**
 * The metrics an alarm reads. Without the dashboard only these reach CloudWatch: each
 * metric a function publishes costs US$0.30 a month, and the funnel is in the counters.
 */
export const ALARM_METRICS: readonly string[] = [METRIC.guardPaused];

/**
 * The `service` dimension of the guard's metric, whichever function publishes it, so its
 * alarm reads one metric (one to pay for) instead of one per publisher.
 */
export const GUARD_METRIC_SERVICE = 'reputation-guard';

/**
 * The SES event types the course's configuration set publishes: those the mail-events
 * function acts on, and DeliveryDelay, which it logs as a sign of trouble at the
 * receiving end. `Send` is left out: SES would publish one for every email, and each
 * would cost an event and an invocation only to be ignored.
 */
// Open and Click only with tracking turned on (TRACKING_MAIL_EVENT_TYPES).
export const PUBLISHED_MAIL_EVENT_TYPES = [
  'Delivery',
  'Bounce',
  'Complaint',
  'Reject',
  'Open',
  'Click',
  'DeliveryDelay',
] as const;
export type PublishedMailEventType = (typeof PUBLISHED_MAIL_EVENT_TYPES)[number];

/**
 * Published only when the clinic turns tracking on: SES adds a pixel and rewrites links
 * only for a configuration set that publishes these, which in the UK and EU needs consent.
 */
export const TRACKING_MAIL_EVENT_TYPES = [
  'Open',
  'Click',
] as const satisfies readonly PublishedMailEventType[];

/** The shape of an IANA zone name ("Europe/London", "UTC", "Etc/GMT+5"); no bare offsets. */
export const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

/** The runtime's spelling of a zone it knows; undefined for one its ICU data lacks. */
export function knownZone(tz: string): string | undefined {
  if (!ZONE_NAME.test(tz)) return undefined;
  try {
    return new Intl.DateTimeFormat('en-GB', { timeZone: tz }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/**
 * True for a time zone name the runtime knows (IANA, case-insensitive). The stack's
 * config check and the schedule use this one rule, so a deployed default always schedules.
 */
export function isValidTimeZone(tz: string | undefined): tz is string {
  return typeof tz === 'string' && knownZone(tz) !== undefined;
}
