/**
 * What SES tells us after a send (through the configuration set's EventBridge
 * destination): hard bounces and complaints suppress the address for good; deliveries,
 * opens and clicks are counted per lesson, on the subscriber and course-wide.
 */
import * as z from 'zod/mini';
import { COUNTER, PUBLISHED_MAIL_EVENT_TYPES } from '../contract.js';
import { subscriberId } from './identity.js';
import type { Clock, SubscriberStore } from './ports.js';
import { canTransition } from './rules.js';
import type { EngagementCounts, Subscriber, SubscriberStatus } from './subscriber.js';
import { bumpCounters, retryOnConflict } from './writes.js';

export const mailEventTypes = [
  'Send',
  'Delivery',
  'Bounce',
  'Complaint',
  'Reject',
  'Open',
  'Click',
  'DeliveryDelay',
  'Rendering Failure',
  'Subscription',
] as const;
export type MailEventType = (typeof mailEventTypes)[number];

/** The event types the configuration set publishes (see the contract). */
export const publishedMailEventTypes = PUBLISHED_MAIL_EVENT_TYPES satisfies readonly MailEventType[];

/** One SES event, parsed; nothing AWS-specific remains. */
export interface MailEvent {
  readonly type: MailEventType;
  readonly messageId: string;
  /** Addresses concerned: bounced or complaining recipients, else the destination. Never logged. */
  readonly recipients: readonly string[];
  /** From the `email` message tag: which email of the course this was about. */
  readonly emailId?: string;
  readonly bounceType?: 'Permanent' | 'Transient' | 'Undetermined';
  readonly bounceSubType?: string;
  /** The mailbox provider's feedback type; `not-spam` is not a complaint. */
  readonly complaintFeedbackType?: string;
}

const recipients = z._default(z.array(z.object({ emailAddress: z.string() })), []);
const sesDetail = z.object({
  eventType: z.enum(mailEventTypes),
  mail: z.object({
    messageId: z.string(),
    destination: z._default(z.array(z.string()), []),
    tags: z._default(z.record(z.string(), z.array(z.string())), {}),
  }),
  bounce: z.optional(
    z.object({
      bounceType: z.catch(z.enum(['Permanent', 'Transient', 'Undetermined']), 'Undetermined'),
      bounceSubType: z.optional(z.string()),
      bouncedRecipients: recipients,
    }),
  ),
  complaint: z.optional(
    z.object({ complainedRecipients: recipients, complaintFeedbackType: z.optional(z.string()) }),
  ),
  delivery: z.optional(z.object({ recipients: z._default(z.array(z.string()), []) })),
  deliveryDelay: z.optional(z.object({ delayedRecipients: recipients })),
});

/**
 * Reads the `detail` of an SES event from EventBridge (the same record SES publishes to
 * SNS or Firehose). Returns undefined for anything that is not a mail event we know.
 */
export function parseSesEvent(detail: unknown): MailEvent | undefined {
  const parsed = sesDetail.safeParse(detail);
  if (!parsed.success) return undefined;
  const d = parsed.data;
  const emailId = d.mail.tags.email?.[0];
  const addresses = (list: { emailAddress: string }[] | undefined) => list?.map((r) => r.emailAddress);
  const who =
    (d.eventType === 'Bounce' && addresses(d.bounce?.bouncedRecipients)) ||
    (d.eventType === 'Complaint' && addresses(d.complaint?.complainedRecipients)) ||
    (d.eventType === 'Delivery' && d.delivery?.recipients) ||
    (d.eventType === 'DeliveryDelay' && addresses(d.deliveryDelay?.delayedRecipients)) ||
    undefined;
  return {
    type: d.eventType,
    messageId: d.mail.messageId,
    recipients: who && who.length > 0 ? who : d.mail.destination,
    ...(emailId ? { emailId } : {}),
    ...(d.eventType === 'Bounce' && d.bounce
      ? {
          bounceType: d.bounce.bounceType,
          ...(d.bounce.bounceSubType ? { bounceSubType: d.bounce.bounceSubType } : {}),
        }
      : {}),
    ...(d.eventType === 'Complaint' && d.complaint?.complaintFeedbackType
      ? { complaintFeedbackType: d.complaint.complaintFeedbackType }
      : {}),
  };
}

export interface MailEventDeps {
  readonly store: SubscriberStore;
  readonly clock: Clock;
}

/**
 * What an event did to one recipient:
 * `bounced`, `complained`: now suppressed; `counted`: a counter moved;
 * `already-stopped`: no change, the address gets no more mail anyway;
 * `unknown`: no record for that address; `ignored`: nothing to do for this event type.
 */
export type MailEventOutcome =
  | 'bounced'
  | 'complained'
  | 'counted'
  | 'already-stopped'
  | 'unknown'
  | 'ignored';

const engagementField = { Delivery: 'delivered', Open: 'opened', Click: 'clicked' } as const;
const engagementCounter = {
  Delivery: COUNTER.delivered,
  Open: COUNTER.opened,
  Click: COUNTER.clicked,
} as const;

/**
 * Applies one mail event, one outcome per recipient. A permanent bounce or a complaint
 * (except `not-spam` feedback) suppresses the address for good, also after an
 * unsubscribe, and removes any due email and claim at once. Transient bounces are only
 * counted: SES already retried, and a full mailbox today is no reason to stop the course.
 * Delivery, Open and Click are counted per email; EventBridge delivers at least once, so
 * these may run slightly high. A Reject counts as a failed send.
 */
export async function recordMailEvent(deps: MailEventDeps, event: MailEvent): Promise<MailEventOutcome[]> {
  const outcomes: MailEventOutcome[] = [];
  for (const address of event.recipients)
    outcomes.push(await applyTo(deps, event, subscriberId(bare(address))));
  return outcomes;
}

/** `Name <addr>` -> `addr`; a bare address stays as it is. */
function bare(address: string): string {
  return /<([^<>]+)>\s*$/.exec(address)?.[1] ?? address;
}

async function applyTo(deps: MailEventDeps, event: MailEvent, id: string): Promise<MailEventOutcome> {
  switch (event.type) {
    case 'Bounce':
      if (event.bounceType === 'Permanent') return suppress(deps, id, 'bounced', COUNTER.bounced);
      await bumpCounters(deps.store, { [COUNTER.transientBounces]: 1 });
      return 'counted';
    case 'Complaint':
      if (event.complaintFeedbackType === 'not-spam') return 'ignored';
      return suppress(deps, id, 'complained', COUNTER.complained);
    case 'Delivery':
    case 'Open':
    case 'Click':
      return countEngagement(deps, event.type, event.emailId, id);
    case 'Reject':
      if (!event.emailId) return 'ignored';
      await bumpCounters(deps.store, { [COUNTER.sendFailed(event.emailId)]: 1 });
      return 'counted';
    default:
      return 'ignored';
  }
}

async function suppress(
  deps: MailEventDeps,
  id: string,
  status: Extract<SubscriberStatus, 'bounced' | 'complained'>,
  counter: string,
): Promise<MailEventOutcome> {
  const result = await retryOnConflict(async () => {
    const current = await deps.store.get(id);
    if (!current) return 'unknown' as const;
    if (current.status === status || !canTransition(current.status, status))
      return 'already-stopped' as const;
    const { nextSendAt: _s, nextIndex: _i, claim: _c, ...rest } = current;
    const next: Subscriber = {
      ...rest,
      status,
      suppressedAt: deps.clock.now().toISOString(),
      version: current.version + 1,
    };
    await deps.store.put(next, current.version);
    return status;
  });
  if (result === status) await bumpCounters(deps.store, { [counter]: 1 });
  return result;
}

async function countEngagement(
  deps: MailEventDeps,
  type: keyof typeof engagementField,
  emailId: string | undefined,
  id: string,
): Promise<MailEventOutcome> {
  if (!emailId) return 'ignored';
  const field = engagementField[type];
  const result = await retryOnConflict(async () => {
    const current = await deps.store.get(id);
    // An erased record (no address left) keeps nothing new.
    if (!current?.email) return 'unknown' as const;
    const counts: EngagementCounts = current.engagement?.[emailId] ?? {};
    const next: Subscriber = {
      ...current,
      engagement: { ...current.engagement, [emailId]: { ...counts, [field]: (counts[field] ?? 0) + 1 } },
      version: current.version + 1,
    };
    await deps.store.put(next, current.version);
    return 'counted' as const;
  });
  // The course total counts even when the record is gone: the email was still delivered.
  await bumpCounters(deps.store, { [engagementCounter[type](emailId)]: 1 });
  return result;
}
