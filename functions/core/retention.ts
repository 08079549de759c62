/** How long the course keeps what it does not need for good. */
import type { Subscriber } from './subscriber.js';

/**
 * How long an unconfirmed sign-up is kept after its last confirmation email. The address
 * may have been typed by someone else, so it is not kept for good: the store lets the
 * database delete the record after this (DynamoDB TTL).
 */
export const UNCONFIRMED_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

/** When a record may be deleted unasked: only a pending sign-up, 30 days after its last confirmation email. */
export function unconfirmedExpiry(subscriber: Subscriber): Date | undefined {
  if (subscriber.status !== 'pending') return undefined;
  const last = Date.parse(subscriber.confirmationSentAt ?? subscriber.createdAt);
  return Number.isNaN(last) ? undefined : new Date(last + UNCONFIRMED_RETENTION_MS);
}
