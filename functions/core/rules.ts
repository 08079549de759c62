/**
 * Which subscriber status may follow which. Every state change in the lifecycle and the
 * drip goes through `assertTransition`, so a bug cannot, say, revive a bounced address.
 */
import { InvalidTransitionError } from './errors.js';
import type { SubscriberStatus } from './subscriber.js';

const allowed: Readonly<Record<SubscriberStatus, readonly SubscriberStatus[]>> = {
  pending: ['active', 'unsubscribed', 'bounced', 'complained'],
  active: ['completed', 'unsubscribed', 'bounced', 'complained'],
  // Someone who finished the course and signs up again wants it again: a new opt-in.
  completed: ['pending', 'unsubscribed', 'bounced', 'complained'],
  // Signing up again after unsubscribing starts a new double opt-in, never mail at once.
  // A bounce or complaint about an email sent before the unsubscribe still suppresses
  // the address, so that no later sign-up sends it a confirmation.
  unsubscribed: ['pending', 'bounced', 'complained'],
  // A hard bounce or a spam complaint suppresses the address for good.
  bounced: [],
  complained: [],
};

/** True when `from -> to` is allowed; a status staying the same is always allowed (a no-op). */
export function canTransition(from: SubscriberStatus, to: SubscriberStatus): boolean {
  return from === to || allowed[from].includes(to);
}

/** Throws InvalidTransitionError unless `from -> to` is allowed. */
export function assertTransition(from: SubscriberStatus, to: SubscriberStatus): void {
  if (!canTransition(from, to)) throw new InvalidTransitionError(from, to);
}

/** Bounced and complained addresses never get mail again, whatever anyone submits. */
export function isSuppressed(status: SubscriberStatus): boolean {
  return status === 'bounced' || status === 'complained';
}
