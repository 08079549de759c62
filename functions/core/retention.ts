/** How long the course keeps what it does not need for good. */
import type { Subscriber, SubscriberStatus } from './subscriber.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * How long an unconfirmed sign-up is kept after its last confirmation email. The address
 * may have been typed by someone else, so it is not kept for good: the store lets the
 * database delete the record after this (DynamoDB TTL).
 */
export const UNCONFIRMED_RETENTION_MS = 30 * DAY_MS;

/** Days the personal data of people who finished, left or bounced is kept. @default 365 */
export const DEFAULT_RETENTION_DAYS = 365;

/** When a record may be deleted unasked: only a pending sign-up, 30 days after its last confirmation email. */
export function unconfirmedExpiry(subscriber: Subscriber): Date | undefined {
  if (subscriber.status !== 'pending') return undefined;
  const last = Date.parse(subscriber.confirmationSentAt ?? subscriber.createdAt);
  return Number.isNaN(last) ? undefined : new Date(last + UNCONFIRMED_RETENTION_MS);
}

/** Statuses whose fact outlives the record: a marker keeps it once the data is erased. */
export const REMEMBERED_STATUSES: readonly SubscriberStatus[] = ['unsubscribed', 'bounced', 'complained'];

/**
 * When the personal data of someone who completed the course, unsubscribed, bounced or
 * complained is erased: `retentionDays` after that happened. The store lets the database
 * delete the record then (DynamoDB TTL); for an unsubscribe, bounce or complaint it keeps
 * a marker with only the id, status and date, so a suppression is honoured for good.
 */
export function retentionExpiry(subscriber: Subscriber, retentionDays: number): Date | undefined {
  const since =
    subscriber.status === 'completed'
      ? subscriber.completedAt
      : subscriber.status === 'unsubscribed'
        ? subscriber.unsubscribedAt
        : subscriber.status === 'bounced' || subscriber.status === 'complained'
          ? subscriber.suppressedAt
          : undefined;
  const at = Date.parse(since ?? '');
  return Number.isNaN(at) ? undefined : new Date(at + retentionDays * DAY_MS);
}

/** What is left of a record after its data was erased: id, status and when, nothing else. */
export function markerRecord(id: string, status: SubscriberStatus, at: string): Subscriber {
  return {
    id,
    status,
    createdAt: at,
    timeZone: 'UTC',
    sent: {},
    // No stored record has version 0: writing this back creates the record anew.
    version: 0,
    ...(status === 'unsubscribed' ? { unsubscribedAt: at } : { suppressedAt: at }),
  };
}
