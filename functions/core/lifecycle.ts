/**
 * The subscriber's lifecycle: sign-up with double opt-in, confirmation, unsubscribe,
 * and the owner's GDPR export and erasure.
 *
 * Every state change is one conditional single-item write: read the record, compute the
 * next one with `version + 1`, and `store.put(next, current.version)`. When another
 * writer got there first the store throws ConflictError; we read again and decide again
 * from what is now stored, a few times at most. Side effects (emails, queue messages,
 * counters) happen only after the write that earned them, so two racing requests can
 * never both send.
 */
import { randomBytes } from 'node:crypto';
import { COUNTER } from '../contract.js';
import { course, firstLesson } from './course.js';
import { InvalidLinkError } from './errors.js';
import { normaliseEmail, subscriberId } from './identity.js';
import { type MailboxPolicy, mailboxKey, type SignupLimiter } from './limits.js';
import type { Clock, Mailer, Queue, SubscriberStore } from './ports.js';
import { confirmationEmailVariables, renderConfirmationEmail } from './render.js';
import { assertTransition, isSuppressed } from './rules.js';
import { resolveTimeZone } from './schedule.js';
import { type CourseSettings, clinicVariables } from './settings.js';
import type { ConsentRecord, Subscriber, SubscriberStatus } from './subscriber.js';
import { type LinkPurpose, type LinkTokens, linkUrl } from './tokens.js';
import { bumpCounters, retryOnConflict } from './writes.js';

export interface LifecycleDeps {
  store: SubscriberStore;
  mailer: Mailer;
  queue: Queue;
  clock: Clock;
  tokens: LinkTokens;
  settings: CourseSettings;
  /** Keys the subscriber ids (see identity.ts); generated at deploy, never rotated. */
  pseudonymKey: string;
  /** Counts confirmations per mailbox; without it only the per-address cooldown applies. */
  limiter?: SignupLimiter;
  /** @default one per CONFIRMATION_COOLDOWN_MS, DEFAULT_MAILBOX_DAILY_CAP per 24 hours */
  mailboxPolicy?: MailboxPolicy;
}

export interface SignupInput {
  email: string;
  firstName?: string;
  /** The browser's IANA zone; unknown or missing falls back to the course default. */
  timeZone?: string;
  consent: { ip: string; userAgent: string; formUrl: string };
}

/** What a sign-up did. For logs and tests only: the visitor sees the same answer for all. */
export type SignupOutcome =
  | 'created'
  | 'resent'
  | 'reopened'
  | 'cooldown'
  | 'mailbox-limited'
  | 'already-active'
  | 'suppressed';

/** What one sign-up attempt decided; `sendFor` when it won the right to send a confirmation. */
interface SignupDecision {
  outcome: SignupOutcome;
  sendFor?: { next: Subscriber; now: Date };
}

/** A pending address gets at most one confirmation email per this period. */
export const CONFIRMATION_COOLDOWN_MS = 10 * 60 * 1000;
/** Confirmations one mailbox (all spellings of it, see limits.ts) may receive per 24 hours. */
export const DEFAULT_MAILBOX_DAILY_CAP = 3;

/** The per-mailbox policy with a given daily cap. */
export function mailboxPolicy(cap: number = DEFAULT_MAILBOX_DAILY_CAP): MailboxPolicy {
  return { cooldownMs: CONFIRMATION_COOLDOWN_MS, cap, periodMs: 24 * 60 * 60 * 1000 };
}

const confirmTags = { course: course.id, email: course.confirmation.id } as const;

/**
 * Records a sign-up and, when the address needs one, sends the confirmation email. New
 * addresses, and unsubscribed or completed ones (a new opt-in), become pending; a pending
 * address is sent the confirmation again at most once per cooldown, and winning the
 * conditional write of `confirmationSentAt` is what grants the send, so parallel sign-ups
 * send at most one email. Active addresses change nothing; suppressed ones are never
 * stored or mailed. Consent is recorded with every sign-up that sends; if the send fails
 * the cooldown is given back so the visitor can retry at once.
 */
export async function subscribe(deps: LifecycleDeps, input: SignupInput): Promise<SignupOutcome> {
  const email = normaliseEmail(input.email);
  const id = subscriberId(email, deps.pseudonymKey);
  const firstName = input.firstName?.trim() || undefined;
  const timeZone = resolveTimeZone(input.timeZone, deps.settings.defaultTimeZone);

  const mailbox = mailboxKey(email, deps.pseudonymKey);
  const basePolicy = deps.mailboxPolicy ?? mailboxPolicy();
  // Only the mailbox's owner can reopen (they unsubscribed or finished through their own
  // links), so a reopened sign-up waits for no cooldown; it still counts toward the cap.
  const policyFor = (outcome: SignupOutcome) =>
    outcome === 'reopened' ? { ...basePolicy, cooldownMs: 0 } : basePolicy;

  const decision = await retryOnConflict(async (): Promise<SignupDecision> => {
    const now = deps.clock.now();
    const at = now.toISOString();
    const current = await deps.store.get(id);
    const consent: ConsentRecord = {
      at,
      ...pickConsent(input.consent),
      textVersion: course.consentTextVersion,
    };
    const fresh = { email, timeZone, consent, confirmationSentAt: at, ...(firstName ? { firstName } : {}) };

    let outcome: SignupOutcome;
    let next: Subscriber;
    if (!current) {
      outcome = 'created';
      next = { id, status: 'pending', createdAt: at, optInId: newOptInId(), sent: {}, version: 1, ...fresh };
    } else if (isSuppressed(current.status)) {
      return { outcome: 'suppressed' };
    } else if (current.status === 'active') {
      return { outcome: 'already-active' };
    } else if (current.status === 'pending') {
      const lastSent = current.confirmationSentAt ? Date.parse(current.confirmationSentAt) : Number.NaN;
      if (now.getTime() - lastSent < CONFIRMATION_COOLDOWN_MS) return { outcome: 'cooldown' };
      outcome = 'resent';
      // The same opt-in: links in earlier confirmation emails keep working.
      next = {
        ...current,
        ...fresh,
        firstName: firstName ?? current.firstName,
        version: current.version + 1,
      };
    } else {
      // unsubscribed or completed: a new opt-in that keeps nothing of the old one but its start.
      outcome = 'reopened';
      next = {
        id,
        status: 'pending',
        createdAt: current.createdAt,
        optInId: newOptInId(),
        sent: {},
        version: current.version + 1,
        ...fresh,
      };
    }
    if (current) assertTransition(current.status, next.status);
    // The mailbox's turn is taken before the record is written, so a refused sign-up
    // stores nothing; a send that then fails gives it back.
    if (deps.limiter && !(await deps.limiter.recordMailboxSend(mailbox, now, policyFor(outcome)))) {
      return { outcome: 'mailbox-limited' };
    }
    await deps.store.put(next, current?.version);
    return { outcome, sendFor: { next, now } };
  });

  if (!decision.sendFor) return decision.outcome;
  const { outcome } = decision;
  const { next, now } = decision.sendFor;
  if (outcome !== 'resent') await bumpCounters(deps.store, { [COUNTER.signedUp]: 1 }, now);
  try {
    await deliverConfirmation(deps, next, now);
  } catch (error) {
    await deps.limiter?.releaseMailboxSend(mailbox, now, policyFor(outcome)).catch(() => undefined);
    throw error;
  }
  return outcome;
}

/** What an owner's resend of a confirmation email did. */
export type ResendOutcome =
  | { readonly outcome: 'sent' }
  | { readonly outcome: 'not-found' }
  | { readonly outcome: 'not-pending'; readonly status: SubscriberStatus }
  | { readonly outcome: 'cooldown'; readonly lastSentAt: string; readonly retryAt: Date };

/**
 * Sends a pending subscriber their confirmation email again (the owner's admin
 * command), for the same opt-in, so links in earlier emails keep working. The consent
 * record is left as it was: the owner resending is not the person consenting again.
 * Like a sign-up it respects the cooldown unless `force`, and it first wins the
 * conditional write of the send time, so a sign-up at the same moment cannot make it
 * two emails.
 */
export async function resendConfirmation(
  deps: Pick<LifecycleDeps, 'store' | 'mailer' | 'clock' | 'tokens' | 'settings' | 'pseudonymKey'>,
  email: string,
  opts: { readonly force?: boolean } = {},
): Promise<ResendOutcome> {
  const id = subscriberId(email, deps.pseudonymKey);
  const decision = await retryOnConflict(async () => {
    const now = deps.clock.now();
    const current = await deps.store.get(id);
    if (!current) return { outcome: 'not-found' } as const;
    if (current.status !== 'pending') return { outcome: 'not-pending', status: current.status } as const;
    const lastSentAt = current.confirmationSentAt;
    const retryAt = new Date((lastSentAt ? Date.parse(lastSentAt) : 0) + CONFIRMATION_COOLDOWN_MS);
    if (!opts.force && lastSentAt && retryAt > now)
      return { outcome: 'cooldown', lastSentAt, retryAt } as const;
    const next: Subscriber = {
      ...current,
      confirmationSentAt: now.toISOString(),
      version: current.version + 1,
    };
    await deps.store.put(next, current.version);
    return { outcome: 'sent', next, now, lastSentAt } as const;
  });
  if (decision.outcome !== 'sent') return decision;
  await deliverConfirmation(deps, decision.next, decision.now, decision.lastSentAt);
  return { outcome: 'sent' };
}

/**
 * Checks a link for a GET page without changing anything (mail scanners fetch GETs).
 * Throws InvalidLinkError.
 */
export function inspectLink(
  deps: Pick<LifecycleDeps, 'tokens' | 'clock'>,
  token: string,
  purpose: LinkPurpose,
): { subscriberId: string } {
  const { subscriberId: id } = deps.tokens.verify(token, purpose, deps.clock.now());
  return { subscriberId: id };
}

/**
 * Confirms an opt-in: pending -> active with lesson 1 due now, and queues lesson 1 so
 * it goes out within a minute. Idempotent: an active or completed subscriber gets
 * 'already-confirmed' and nothing changes. The link must belong to the current opt-in;
 * for an unsubscribed, bounced, complained or erased record it is InvalidLinkError('invalid').
 */
export async function confirm(
  deps: Pick<LifecycleDeps, 'store' | 'queue' | 'clock' | 'tokens'>,
  token: string,
): Promise<'confirmed' | 'already-confirmed'> {
  const { subscriberId: id, optInId } = deps.tokens.verify(token, 'confirm', deps.clock.now());

  const result = await retryOnConflict(async () => {
    const current = await deps.store.get(id);
    if (current?.status === 'active' || current?.status === 'completed') return 'already-confirmed' as const;
    if (current?.status !== 'pending' || !optInId || optInId !== current.optInId) {
      throw new InvalidLinkError('invalid');
    }
    const at = deps.clock.now().toISOString();
    const next: Subscriber = {
      ...current,
      status: 'active',
      confirmedAt: at,
      nextEmailId: firstLesson.id,
      nextSendAt: at,
      version: current.version + 1,
    };
    assertTransition(current.status, next.status);
    await deps.store.put(next, current.version);
    return 'confirmed' as const;
  });

  if (result === 'confirmed') {
    await bumpCounters(deps.store, { [COUNTER.confirmed]: 1 }, deps.clock.now());
    const first = firstLesson.id;
    // Lesson 1 is already due in the record; if the queue is down, the next sweep sends it.
    await deps.queue.enqueue([{ subscriberId: id, emailId: first }]).catch(() => undefined);
  }
  return result;
}

/**
 * One-click unsubscribe from a signed link: stops all further mail at once. Idempotent;
 * a bounced, complained or erased subscriber gets 'already-unsubscribed' (nothing will
 * be sent to them anyway). Throws InvalidLinkError for a bad link.
 */
export async function unsubscribe(
  deps: Pick<LifecycleDeps, 'store' | 'clock' | 'tokens'>,
  token: string,
): Promise<'unsubscribed' | 'already-unsubscribed'> {
  const { subscriberId: id } = deps.tokens.verify(token, 'unsubscribe', deps.clock.now());
  const result = await unsubscribeById(deps, id);
  return result === 'not-found' ? 'already-unsubscribed' : result;
}

/**
 * Unsubscribes by id (the owner's admin command). Any pending, active or completed
 * subscriber becomes unsubscribed, with nothing left due: no next email, no send claim,
 * no live opt-in.
 */
export async function unsubscribeById(
  deps: Pick<LifecycleDeps, 'store' | 'clock'>,
  subscriberId: string,
): Promise<'unsubscribed' | 'already-unsubscribed' | 'not-found'> {
  let lastEmail = 'none';
  const result = await retryOnConflict(async () => {
    const current = await deps.store.get(subscriberId);
    if (!current) return 'not-found' as const;
    if (current.status === 'unsubscribed' || isSuppressed(current.status))
      return 'already-unsubscribed' as const;
    lastEmail = course.sequence.findLast((e) => Object.hasOwn(current.sent, e.id))?.id ?? 'none';
    const { nextEmailId: _i, nextSendAt: _s, claim: _c, optInId: _o, ...rest } = current;
    const next: Subscriber = {
      ...rest,
      status: 'unsubscribed',
      unsubscribedAt: deps.clock.now().toISOString(),
      version: current.version + 1,
    };
    assertTransition(current.status, next.status);
    await deps.store.put(next, current.version);
    return 'unsubscribed' as const;
  });
  if (result === 'unsubscribed') {
    const counters = { [COUNTER.unsubscribed]: 1, [COUNTER.unsubscribedAfter(lastEmail)]: 1 };
    await bumpCounters(deps.store, counters, deps.clock.now());
  }
  return result;
}

/** Everything stored about an address (GDPR access request), or undefined. */
export async function exportSubscriber(
  deps: Pick<LifecycleDeps, 'store' | 'pseudonymKey'>,
  email: string,
): Promise<Subscriber | undefined> {
  return deps.store.get(subscriberId(email, deps.pseudonymKey));
}

/**
 * GDPR erasure, keeping only what is needed to honour a past choice or a bounce.
 * Bounced, complained and unsubscribed records become tombstones (id, status, time,
 * version): the id is a one-way hash, yet a later sign-up is still recognised, so a
 * complaint or bounce is never mailed again and an opt-out stays honoured (legitimate
 * interest). Pending, active and completed records are deleted. A tombstone holds no
 * address, name, consent, IP, progress or engagement.
 */
export async function eraseSubscriber(
  deps: Pick<LifecycleDeps, 'store' | 'clock' | 'pseudonymKey'>,
  email: string,
): Promise<'deleted' | 'tombstoned' | 'not-found'> {
  const id = subscriberId(email, deps.pseudonymKey);
  const result = await retryOnConflict(async () => {
    const current = await deps.store.get(id);
    if (!current) return 'not-found' as const;
    // Only the retention marker is left (version 0): already as erased as it can be.
    if (current.version === 0) return 'tombstoned' as const;
    if (current.status === 'unsubscribed' || isSuppressed(current.status)) {
      const eventAt =
        (current.status === 'unsubscribed' ? current.unsubscribedAt : current.suppressedAt) ??
        deps.clock.now().toISOString();
      const tombstone: Subscriber = {
        id,
        status: current.status,
        createdAt: eventAt,
        timeZone: 'UTC',
        sent: {},
        version: current.version + 1,
        ...(current.status === 'unsubscribed' ? { unsubscribedAt: eventAt } : { suppressedAt: eventAt }),
      };
      await deps.store.put(tombstone, current.version);
      return 'tombstoned' as const;
    }
    await deps.store.delete(id, current.version);
    return 'deleted' as const;
  });
  if (result !== 'not-found') await bumpCounters(deps.store, { [COUNTER.erased]: 1 }, deps.clock.now());
  return result;
}

/**
 * Sends the confirmation email that the write of `record` (with its
 * `confirmationSentAt`) earned. If sending fails, the cooldown this attempt took is
 * given back (to `previousSentAt`, or none), unless someone has written since, so a
 * retry can go at once; the error is passed on.
 */
async function deliverConfirmation(
  deps: Pick<LifecycleDeps, 'store' | 'mailer' | 'tokens' | 'settings'>,
  record: Subscriber,
  now: Date,
  previousSentAt?: string,
): Promise<void> {
  try {
    await sendConfirmation(deps, record, now);
  } catch (error) {
    const { confirmationSentAt: _released, ...rest } = record;
    const released = { ...rest, version: record.version + 1 };
    await deps.store
      .put(previousSentAt ? { ...released, confirmationSentAt: previousSentAt } : released, record.version)
      .catch(() => undefined);
    throw error;
  }
  await bumpCounters(deps.store, { [COUNTER.confirmationsSent]: 1 }, now);
}

async function sendConfirmation(
  deps: Pick<LifecycleDeps, 'mailer' | 'tokens' | 'settings'>,
  record: Subscriber,
  now: Date,
): Promise<void> {
  if (!record.email || !record.optInId) throw new Error('A confirmation needs an address and an opt-in');
  const { settings } = deps;
  const token = deps.tokens.sign('confirm', record.id, { now, optInId: record.optInId });
  const values: Record<string, string> = {
    firstName: record.firstName ?? 'there',
    ...clinicVariables(settings),
    confirmUrl: linkUrl(settings, 'confirm', token),
  };
  // The renderer refuses a variable the email does not use (the booking link, say).
  const vars = Object.fromEntries(confirmationEmailVariables().map((name) => [name, values[name] ?? '']));
  const { subject, html, text } = renderConfirmationEmail(vars);
  await deps.mailer.send({ to: record.email, subject, html, text, headers: {}, tags: confirmTags });
}

function pickConsent(c: SignupInput['consent']): Pick<ConsentRecord, 'ip' | 'userAgent' | 'formUrl'> {
  return { ip: c.ip, userAgent: c.userAgent, formUrl: c.formUrl };
}

/** A random id for one opt-in, so only the latest confirmation email's link confirms. */
function newOptInId(): string {
  return randomBytes(16).toString('base64url');
}
