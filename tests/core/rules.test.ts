import { describe, expect, it } from 'vitest';
import { InvalidTransitionError } from '../../functions/core/errors.js';
import { assertTransition, canTransition, isSuppressed } from '../../functions/core/rules.js';
import { type SubscriberStatus, subscriberStatuses } from '../../functions/core/subscriber.js';

const allowedPairs: [SubscriberStatus, SubscriberStatus][] = [
  ['pending', 'active'],
  ['pending', 'unsubscribed'],
  ['pending', 'bounced'],
  ['pending', 'complained'],
  ['active', 'completed'],
  ['active', 'unsubscribed'],
  ['active', 'bounced'],
  ['active', 'complained'],
  ['completed', 'pending'],
  ['completed', 'unsubscribed'],
  ['completed', 'bounced'],
  ['completed', 'complained'],
  ['unsubscribed', 'pending'],
  ['unsubscribed', 'bounced'],
  ['unsubscribed', 'complained'],
];

describe('subscriber status rules', () => {
  it.each(allowedPairs)('allows %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition(from, to)).not.toThrow();
  });

  it('allows exactly the listed changes and every no-op, nothing else', () => {
    const allowed = new Set(allowedPairs.map(([a, b]) => `${a}->${b}`));
    for (const from of subscriberStatuses) {
      for (const to of subscriberStatuses) {
        const expected = from === to || allowed.has(`${from}->${to}`);
        expect(canTransition(from, to), `${from} -> ${to}`).toBe(expected);
      }
    }
  });

  it.each([
    ['bounced', 'pending'],
    ['complained', 'active'],
    ['unsubscribed', 'active'],
    ['pending', 'completed'],
    ['active', 'pending'],
  ] as [SubscriberStatus, SubscriberStatus][])('refuses %s -> %s with InvalidTransitionError', (from, to) => {
    expect(() => assertTransition(from, to)).toThrow(InvalidTransitionError);
  });

  it('never lets a bounced or complaining address leave its state', () => {
    for (const final of ['bounced', 'complained'] as const) {
      for (const to of subscriberStatuses) expect(canTransition(final, to)).toBe(to === final);
    }
  });

  it('treats only bounced and complained as suppressed', () => {
    expect(subscriberStatuses.filter(isSuppressed)).toEqual(['bounced', 'complained']);
  });
});
