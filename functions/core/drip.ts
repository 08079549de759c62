/**
 * The drip: a sweep finds subscribers whose next email is due and queues one send
 * request each; the sender sends exactly that email, once, and schedules the next.
 *
 * The queue only carries hints. The subscriber record is the truth: `sent` says what
 * already went out (so, with the course, what is next: progress.ts), `nextSendAt` when
 * the next is due, `claim` who is sending right now.
 * So queue messages may be duplicated, reordered, retried or lost: a duplicate is
 * skipped by the sender, a lost one is queued again by the next sweep because the
 * subscriber is still due.
 */
import { randomUUID } from 'node:crypto';
import { COUNTER } from '../contract.js';
import { composeSequenceEmail } from './compose.js';
import type { SequenceEmail } from './course.js';
import {
  type Clock,
  ConflictError,
  type CounterDeltas,
  type Mailer,
  MailerPausedError,
  MailerRejectedError,
  MailerRetryableError,
  type Queue,
  type SendRequest,
  type SubscriberStore,
} from './ports.js';
import { nextEmailFor } from './progress.js';
import { assertTransition, canTransition } from './rules.js';
import { nextSendTime } from './schedule.js';
import type { CourseSettings } from './settings.js';
import type { SendClaim, Subscriber } from './subscriber.js';
import type { LinkTokens } from './tokens.js';
import { bumpCounters } from './writes.js';

// ---------------------------------------------------------------------------------
// Sweep

export interface SweepDeps {
  readonly store: SubscriberStore;
  readonly queue: Queue;
  readonly clock: Clock;
}

export interface SweepOptions {
  /** Most due entries read in one run, so a run stays short; the rest wait for the next. @default 5000 */
  readonly maxItems?: number;
  /** Entries per index query. @default 100 */
  readonly pageSize?: number;
}

export interface SweepResult {
  /** Due-index entries read. */
  readonly itemsRead: number;
  /** Send requests queued. */
  readonly queued: number;
  /** True when the budget ran out before every shard was read to the end. */
  readonly truncated: boolean;
  /** True when the reputation guard held lesson sending and nothing was read. */
  readonly paused?: boolean;
}

export const DEFAULT_SWEEP_MAX_ITEMS = 5000;
export const DEFAULT_SWEEP_PAGE_SIZE = 100;

/**
 * Queues one send request per subscriber whose next email is due now.
 *
 * Reads every shard of the due index a page at a time, all shards in each round, so a
 * backlog in one shard cannot starve the others when the budget runs out. Two sweeps
 * running at once only queue duplicate requests, which the sender's claim makes
 * harmless. A subscriber whose email is being sent stays in the index (the claim leaves
 * the due time alone), so a sweep during the send queues it again and the sender skips
 * that request as `claimed-elsewhere`.
 */
export async function sweep(deps: SweepDeps, opts: SweepOptions = {}): Promise<SweepResult> {
  const maxItems = opts.maxItems ?? DEFAULT_SWEEP_MAX_ITEMS;
  const pageSize = opts.pageSize ?? DEFAULT_SWEEP_PAGE_SIZE;
  const now = deps.clock.now();
  const cursors = new Map<number, string | undefined>();
  let open = Array.from({ length: deps.store.dueShards }, (_, shard) => shard);
  let itemsRead = 0;
  let queued = 0;

  while (open.length > 0 && itemsRead < maxItems) {
    const share = Math.max(1, Math.min(pageSize, Math.floor((maxItems - itemsRead) / open.length)));
    const shards = open.slice(0, maxItems - itemsRead);
    const pages = await Promise.all(
      shards.map(async (shard) => {
        const page = await deps.store.listDue(shard, now, share, cursors.get(shard));
        const requests = page.items.map(
          (item): SendRequest => ({ subscriberId: item.id, emailId: item.nextEmailId }),
        );
        if (requests.length > 0) await deps.queue.enqueue(requests);
        return { shard, read: page.items.length, queued: requests.length, cursor: page.cursor };
      }),
    );
    const unread = open.slice(shards.length);
    open = [...pages.filter((p) => p.cursor !== undefined).map((p) => p.shard), ...unread];
    for (const page of pages) {
      itemsRead += page.read;
      queued += page.queued;
      cursors.set(page.shard, page.cursor);
    }
  }
  return { itemsRead, queued, truncated: open.length > 0 };
}

// ---------------------------------------------------------------------------------
// Send

export interface SendDeps {
  readonly store: SubscriberStore;
  readonly mailer: Mailer;
  readonly clock: Clock;
  readonly tokens: LinkTokens;
  readonly settings: CourseSettings;
  /**
   * How long a claim holds. Must exceed the longest a send can take (the SES client's
   * timeout), or a second sender could take over a send still in flight. @default 300
   */
  readonly leaseSeconds?: number;
  /** The course's emails in order. @default the course this build carries (tests act out edits) */
  readonly sequence?: readonly SequenceEmail[];
}

/**
 * What `sendNext` did with a request:
 * - `sent`: sent and recorded; the next email is scheduled (or the course completed).
 * - `sent-unrecorded`: sent, but the record changed under us (an unsubscribe, a bounce,
 *   or a takeover after the lease ran out) and no longer holds our claim.
 * - `rejected`: SES refused the address for good; the subscriber is now bounced.
 * - `course-finished`: the edited course holds nothing more: completed, nothing sent.
 * - the rest are skips, nothing sent: `not-found`, `not-active`, `already-sent`,
 *   `out-of-order` (the request is for another email than the next one), `not-due`,
 *   `claimed-elsewhere` (another sender holds an unexpired claim), `conflict` (the
 *   record changed between read and claim; the next sweep queues it again if still due).
 */
export type SendOutcome =
  | 'sent'
  | 'sent-unrecorded'
  | 'rejected'
  | 'course-finished'
  | 'not-found'
  | 'not-active'
  | 'already-sent'
  | 'out-of-order'
  | 'not-due'
  | 'claimed-elsewhere'
  | 'conflict';

/** What `sendNext` did, and the course counters that follow from it. */
export interface SendResult {
  readonly outcome: SendOutcome;
  /** The email sent: the one requested, or what the course now puts in its place. */
  readonly emailId?: string;
  /**
   * Course counters for the caller to bump: `sent:<id>` (and `completed` after the
   * closing email) for a recorded send, `bounced` for an address SES rejected; empty
   * otherwise. Nothing is bumped by `sendNext` itself, so a caller sending many can add
   * them up and bump once.
   */
  readonly counters: CounterDeltas;
}

export const DEFAULT_LEASE_SECONDS = 300;

/**
 * Sends the email a request names, if and only if it is still this subscriber's next
 * email, it is due, and nobody else is sending it: read, claim, send, record, each a
 * single-item conditional write on the record's version. The protocol, its failure
 * handling and the one duplicate it allows are described in
 * docs/drip.md#drip-protocol.
 */
export async function sendNext(deps: SendDeps, request: SendRequest): Promise<SendResult> {
  const { store, clock } = deps;
  const current = await store.get(request.subscriberId);
  const now = clock.now();
  const target = resolveTarget(current, request.emailId, now, deps.sequence);
  if (typeof target === 'string') return { outcome: target, counters: {} };
  const subscriber = current as Subscriber;
  if (!target) return finishWithoutSend(deps, subscriber);
  const emailId = target.id;

  // Compose before claiming, so a rendering error leaves the record untouched.
  const email = composeSequenceEmail({
    subscriber,
    emailId,
    settings: deps.settings,
    tokens: deps.tokens,
    now,
  });
  // Likewise plan the next email before claiming (its time zone, say, may be one the
  // runtime does not know): a send whose record cannot be written would go out again
  // after every lease.
  afterSend(subscriber, emailId, '', now, deps);

  const leaseMs = (deps.leaseSeconds ?? DEFAULT_LEASE_SECONDS) * 1000;
  const claim: SendClaim = {
    emailId,
    until: new Date(now.getTime() + leaseMs).toISOString(),
    token: randomUUID(),
  };
  const claimed: Subscriber = { ...subscriber, claim, version: subscriber.version + 1 };
  try {
    await store.put(claimed, subscriber.version);
  } catch (error) {
    if (error instanceof ConflictError) return { outcome: 'conflict', counters: {} };
    throw error;
  }

  let messageId: string;
  try {
    ({ messageId } = await deps.mailer.send(email));
  } catch (error) {
    if (error instanceof MailerRejectedError) {
      const suppressed = await suppressRejected(deps, claimed);
      return { outcome: 'rejected', counters: suppressed ? { [COUNTER.bounced]: 1 } : {} };
    }
    if (error instanceof MailerRetryableError || error instanceof MailerPausedError) {
      await releaseClaim(store, claimed);
    }
    throw error;
  }

  const sentAt = clock.now();
  const completed = await recordSent(deps, claimed, messageId, sentAt);
  if (completed === undefined) return { outcome: 'sent-unrecorded', emailId, counters: {} };
  return {
    outcome: 'sent',
    emailId,
    counters: { [COUNTER.sent(emailId)]: 1, ...(completed ? { [COUNTER.completed]: 1 } : {}) },
  };
}

/**
 * {@link sendNext} for a caller with a single request: sends, then bumps the course
 * counters at once (best effort, as everywhere).
 */
export async function sendOne(deps: SendDeps, request: SendRequest): Promise<SendOutcome> {
  const { outcome, counters } = await sendNext(deps, request);
  if (Object.keys(counters).length > 0) await bumpCounters(deps.store, counters, deps.clock.now());
  return outcome;
}

/**
 * What to send for a request: the email the course now puts next, a skip, or undefined
 * when the course holds nothing more. The request may name that email, or the one the
 * record was scheduled for when the course has changed since (progress.ts); any other is
 * `out-of-order`, and one already sent is `already-sent`.
 */
function resolveTarget(
  current: Subscriber | undefined,
  requested: string,
  now: Date,
  sequence?: readonly SequenceEmail[],
): SendOutcome | SequenceEmail | undefined {
  if (!current) return 'not-found';
  if (current.status !== 'active' || !current.email || current.nextSendAt === undefined) return 'not-active';
  if (Object.hasOwn(current.sent, requested)) return 'already-sent';
  const next = nextEmailFor(current.sent, sequence);
  if (requested !== next?.id && requested !== current.nextEmailId) return 'out-of-order';
  if (current.claim && Date.parse(current.claim.until) > now.getTime()) return 'claimed-elsewhere';
  if (Date.parse(current.nextSendAt) > now.getTime()) return 'not-due';
  return next;
}

/** The record after a send: sent noted, claim gone, next email scheduled or the course completed. */
function afterSend(
  record: Subscriber,
  emailId: string,
  messageId: string,
  sentAt: Date,
  deps: Pick<SendDeps, 'settings' | 'sequence'>,
) {
  const { claim: _claim, nextSendAt: _due, nextEmailId: _next, ...rest } = record;
  const sent = { ...record.sent, [emailId]: { sentAt: sentAt.toISOString(), messageId } };
  const nextEmail = nextEmailFor(sent, deps.sequence);
  if (record.status !== 'active') {
    return { next: { ...rest, sent, version: record.version + 1 } satisfies Subscriber, completed: false };
  }
  if (nextEmail) {
    const due = nextSendTime(sentAt, nextEmail.delayDays, deps.settings.sendHour, record.timeZone);
    const next: Subscriber = {
      ...rest,
      sent,
      nextEmailId: nextEmail.id,
      nextSendAt: due.toISOString(),
      version: record.version + 1,
    };
    return { next, completed: false };
  }
  return { next: completedRecord({ ...rest, sent, version: record.version }, sentAt), completed: true };
}

function completedRecord(record: Subscriber, at: Date): Subscriber {
  assertTransition(record.status, 'completed');
  const { claim: _claim, nextSendAt: _due, nextEmailId: _next, ...rest } = record;
  return { ...rest, status: 'completed', completedAt: at.toISOString(), version: record.version + 1 };
}

/** Every email of the course as it now stands went out already: complete the record, send nothing. */
async function finishWithoutSend(deps: SendDeps, subscriber: Subscriber): Promise<SendResult> {
  try {
    await deps.store.put(completedRecord(subscriber, deps.clock.now()), subscriber.version);
  } catch (error) {
    if (error instanceof ConflictError) return { outcome: 'conflict', counters: {} };
    throw error;
  }
  return { outcome: 'course-finished', counters: { [COUNTER.completed]: 1 } };
}

/**
 * Writes the record of a send while our claim holds. Returns whether the course is now
 * completed, or undefined when the claim is no longer ours (nothing written).
 */
async function recordSent(
  deps: SendDeps,
  claimed: Subscriber,
  messageId: string,
  sentAt: Date,
): Promise<boolean | undefined> {
  const token = claimed.claim?.token;
  const emailId = claimed.claim?.emailId as string;
  let base: Subscriber | undefined = claimed;
  // No attempt limit while the claim is ours: only writers that keep it (mail events) get
  // in the way, and giving up would leave the email to be sent again once the lease lapses.
  while (base && base.claim?.token === token) {
    const { next, completed } = afterSend(base, emailId, messageId, sentAt, deps);
    try {
      await deps.store.put(next, base.version);
      return completed;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
    // Someone wrote meanwhile (a mail event, an unsubscribe): decide again on what is stored now.
    base = await deps.store.get(claimed.id);
  }
  return undefined;
}

/** Gives the claim back after a definite failure, so the retry need not wait for the lease. */
async function releaseClaim(store: SubscriberStore, claimed: Subscriber): Promise<void> {
  const { claim: _claim, ...rest } = claimed;
  // Best effort: if this write fails, the lease simply runs out.
  await store.put({ ...rest, version: claimed.version + 1 }, claimed.version).catch(() => undefined);
}

/** SES refused the address for good: suppress it as a bounce. Returns whether this write did. */
async function suppressRejected(deps: SendDeps, claimed: Subscriber): Promise<boolean> {
  let record: Subscriber | undefined = claimed;
  for (let attempt = 1; attempt <= 3 && record; attempt++) {
    // A complaint already suppressed it; an unsubscribe meanwhile is still suppressed as a bounce.
    if (record.status === 'bounced' || !canTransition(record.status, 'bounced')) return false;
    const { claim: _c, nextSendAt: _s, nextEmailId: _i, ...rest } = record;
    const next: Subscriber = {
      ...rest,
      status: 'bounced',
      suppressedAt: deps.clock.now().toISOString(),
      version: record.version + 1,
    };
    try {
      await deps.store.put(next, record.version);
      return true;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
    record = await deps.store.get(claimed.id);
  }
  return false;
}
