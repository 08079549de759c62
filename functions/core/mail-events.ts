/**
 * What SES tells us after a send (through the configuration set's EventBridge
 * destination): hard bounces and complaints suppress the address for good; deliveries,
 * opens and clicks are counted per lesson, on the subscriber and course-wide.
 */
import * as z from 'zod/mini';
import { COUNTER, PUBLISHED_MAIL_EVENT_TYPES } from '../contract.js';
import { subscriberId } from './identity.js';
import type { Clock, CounterDeltas, SubscriberStore } from './ports.js';
import { canTransition } from './rules.js';
import type { EngagementCounts, Subscriber, SubscriberStatus } from './subscriber.js';
import { retryOnConflict } from './writes.js';

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
  /**
   * Unique id of this event (EventBridge's event id; a redelivery carries the same one).
   * Without it the event cannot be recognised when it comes again, and counts each time.
   */
  readonly eventId?: string;
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
export function parseSesEvent(detail: unknown, eventId?: string): MailEvent | undefined {
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
    ...(eventId ? { eventId } : {}),
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
  /** Key of the subscriber ids (see identity.ts). */
  readonly pseudonymKey: string;
  /** Collects the course counters for one write per batch. @default a write per event */
  readonly counters?: CounterShare;
}

/** One event's part of a {@link CounterBatch}. */
export interface CounterShare {
  /** Adds deltas; `noteDebt` writes them on the record should the batch's bump fail. */
  add(deltas: CounterDeltas, noteDebt?: () => Promise<void>): void;
}

/**
 * The course counters of a batch of mail events, bumped in one write at its end. Should
 * that write fail, each event's deltas are noted on its record as a debt (as a failed
 * single bump is) and its message is reported for another delivery, which pays the debt.
 */
export class CounterBatch {
  readonly #sum: Record<string, number> = {};
  readonly #owers = new Map<string, (() => Promise<void>)[]>();

  /** The share of the event that arrived as message `messageId`. */
  for(messageId: string): CounterShare {
    return {
      add: (deltas, noteDebt) => {
        for (const [name, delta] of Object.entries(deltas)) this.#sum[name] = (this.#sum[name] ?? 0) + delta;
        const notes = this.#owers.get(messageId) ?? [];
        if (noteDebt) notes.push(noteDebt);
        this.#owers.set(messageId, notes);
      },
    };
  }

  /** Bumps the sum; returns the messages to deliver again (none when the bump landed). */
  async flush(store: SubscriberStore, at: Date): Promise<string[]> {
    if (Object.keys(this.#sum).length === 0) return [];
    try {
      await store.increment(this.#sum, at);
      return [];
    } catch {
      for (const notes of this.#owers.values()) {
        for (const note of notes) await note().catch(() => undefined);
      }
      return [...this.#owers.keys()];
    }
  }
}

/**
 * What an event did to one recipient:
 * `bounced`, `complained`: now suppressed; `counted`: a counter moved;
 * `already-stopped`: no change, the address gets no more mail anyway;
 * `duplicate`: this event was applied before (a redelivery), nothing counted again;
 * `unknown`: no record for that address; `ignored`: nothing to do for this event type.
 */
export type MailEventOutcome =
  | 'bounced'
  | 'complained'
  | 'counted'
  | 'already-stopped'
  | 'duplicate'
  | 'unknown'
  | 'ignored';

const engagementField = { Delivery: 'delivered', Open: 'opened', Click: 'clicked' } as const;
const engagementCounter = {
  Delivery: COUNTER.delivered,
  Open: COUNTER.opened,
  Click: COUNTER.clicked,
} as const;

/**
 * Event ids remembered per subscriber. SQS and EventBridge redeliver within minutes, long
 * before 20 more events for one reader (about seven without tracking over the whole
 * course); a bigger list would make every write of the record cost more. An event redriven
 * from the dead-letter queue after 20 newer ones would count again.
 */
export const REMEMBERED_EVENT_IDS = 20;

/**
 * Applies one mail event, one outcome per recipient. A permanent bounce or a complaint
 * (except `not-spam` feedback) suppresses the address for good and removes any due email
 * and claim. Transient bounces are only counted (SES already retried). Delivery, Open and
 * Click are counted per email; a Reject counts as a failed send. Each event counts once:
 * see {@link applyOnce}. A store error is thrown, so the caller retries the event.
 */
export async function recordMailEvent(deps: MailEventDeps, event: MailEvent): Promise<MailEventOutcome[]> {
  const outcomes: MailEventOutcome[] = [];
  for (const address of event.recipients)
    outcomes.push(await applyTo(deps, event, subscriberId(bare(address), deps.pseudonymKey)));
  return outcomes;
}

/** `Name <addr>` -> `addr`; a bare address stays as it is. */
function bare(address: string): string {
  return /<([^<>]+)>\s*$/.exec(address)?.[1] ?? address;
}

/** What an event does to a record: the new record (if it changes) and the course counters. */
interface Decision {
  readonly outcome: MailEventOutcome;
  readonly next?: Subscriber;
  readonly counters?: CounterDeltas;
}

function applyTo(deps: MailEventDeps, event: MailEvent, id: string): Promise<MailEventOutcome> {
  switch (event.type) {
    case 'Bounce':
      if (event.bounceType === 'Permanent') return applyOnce(deps, event, id, suppress(deps, 'bounced'));
      return applyOnce(deps, event, id, countOnly({ [COUNTER.transientBounces]: 1 }));
    case 'Complaint':
      if (event.complaintFeedbackType === 'not-spam') return Promise.resolve('ignored');
      return applyOnce(deps, event, id, suppress(deps, 'complained'));
    case 'Delivery':
    case 'Open':
    case 'Click': {
      const emailId = event.emailId;
      if (!emailId) return Promise.resolve('ignored');
      return applyOnce(deps, event, id, engagement(event.type, emailId));
    }
    case 'Reject':
      if (!event.emailId) return Promise.resolve('ignored');
      return applyOnce(deps, event, id, countOnly({ [COUNTER.sendFailed(event.emailId)]: 1 }));
    default:
      return Promise.resolve('ignored');
  }
}

/**
 * Decides and writes in one conditional write on the subscriber's version, which also
 * remembers the event id, then bumps the course counters. A redelivered event finds its
 * id and changes nothing. Should the bump fail, the counters it owes are noted on the
 * record and the error thrown, so the queue delivers the event again; that delivery takes
 * the debt off the record (a conditional write: only one copy wins) and bumps it.
 * Remaining window: the function stops between the record's write and the bump, or the
 * note itself cannot be written: the course totals then miss that event (never count it
 * twice, unless a bump reported as failed had landed). Addresses with no record are
 * counted course-wide without this memory. With `deps.counters` the batch bumps them.
 */
async function applyOnce(
  deps: MailEventDeps,
  event: MailEvent,
  id: string,
  decide: (current: Subscriber | undefined) => Decision,
): Promise<MailEventOutcome> {
  const key = event.eventId;
  const { outcome, counters, remembered } = await retryOnConflict(async () => {
    const current = await deps.store.get(id);
    if (key && current?.mailEventIds?.includes(key)) {
      const owed = current.owedCounters?.[key];
      if (!owed) return { outcome: 'duplicate' as const, counters: {}, remembered: false };
      await deps.store.put(withDebt(current, key, undefined), current.version);
      return { outcome: 'duplicate' as const, counters: owed, remembered: true };
    }
    const decision = decide(current);
    const counters = decision.counters ?? {};
    if (!current?.email || !key || (!decision.next && Object.keys(counters).length === 0)) {
      if (decision.next && current) await deps.store.put(decision.next, current.version);
      return { outcome: decision.outcome, counters, remembered: false };
    }
    const next: Subscriber = {
      ...(decision.next ?? current),
      mailEventIds: [...(current.mailEventIds ?? []), key].slice(-REMEMBERED_EVENT_IDS),
      version: current.version + 1,
    };
    await deps.store.put(next, current.version);
    return { outcome: decision.outcome, counters, remembered: true };
  });
  if (Object.keys(counters).length === 0) return outcome;
  if (deps.counters) {
    deps.counters.add(
      counters,
      remembered && key ? () => noteDebt(deps.store, id, key, counters) : undefined,
    );
    return outcome;
  }
  try {
    await deps.store.increment(counters, deps.clock.now());
  } catch (error) {
    if (remembered && key) await noteDebt(deps.store, id, key, counters).catch(() => undefined);
    throw error;
  }
  return outcome;
}

/** The record with the debt of event `key` set (or, with undefined, paid), version bumped. */
function withDebt(record: Subscriber, key: string, counters: CounterDeltas | undefined): Subscriber {
  const { owedCounters, ...rest } = record;
  const { [key]: _old, ...others } = owedCounters ?? {};
  const debts = counters ? { ...others, [key]: counters } : others;
  return {
    ...rest,
    ...(Object.keys(debts).length > 0 ? { owedCounters: debts } : {}),
    version: record.version + 1,
  };
}

async function noteDebt(
  store: SubscriberStore,
  id: string,
  key: string,
  counters: CounterDeltas,
): Promise<void> {
  await retryOnConflict(async () => {
    const current = await store.get(id);
    if (current) await store.put(withDebt(current, key, counters), current.version);
  });
}

function countOnly(counters: CounterDeltas): (current: Subscriber | undefined) => Decision {
  return () => ({ outcome: 'counted', counters });
}

function suppress(
  deps: MailEventDeps,
  status: Extract<SubscriberStatus, 'bounced' | 'complained'>,
): (current: Subscriber | undefined) => Decision {
  return (current) => {
    if (!current) return { outcome: 'unknown' };
    if (current.status === status || !canTransition(current.status, status))
      return { outcome: 'already-stopped' };
    const { nextSendAt: _s, nextEmailId: _i, claim: _c, ...rest } = current;
    const next: Subscriber = {
      ...rest,
      status,
      suppressedAt: deps.clock.now().toISOString(),
      version: current.version + 1,
    };
    return {
      outcome: status,
      next,
      counters: { [status === 'bounced' ? COUNTER.bounced : COUNTER.complained]: 1 },
    };
  };
}

function engagement(
  type: keyof typeof engagementField,
  emailId: string,
): (current: Subscriber | undefined) => Decision {
  // The course total counts even when the record is gone: the email was still delivered.
  const counters = { [engagementCounter[type](emailId)]: 1 };
  const field = engagementField[type];
  return (current) => {
    // An erased record (no address left) keeps nothing new.
    if (!current?.email) return { outcome: 'unknown', counters };
    const counts: EngagementCounts = current.engagement?.[emailId] ?? {};
    const next: Subscriber = {
      ...current,
      engagement: { ...current.engagement, [emailId]: { ...counts, [field]: (counts[field] ?? 0) + 1 } },
      version: current.version + 1,
    };
    return { outcome: 'counted', next, counters };
  };
}
