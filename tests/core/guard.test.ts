import { describe, expect, it } from 'vitest';
import { COUNTER } from '../../functions/contract.js';
import {
  checkGuard,
  GUARD_LIMITS,
  guardRates,
  guardTotals,
  isPaused,
  resumeSending,
} from '../../functions/core/guard.js';
import { ManualClock } from '../support/clock.js';
import { MemoryStore } from '../support/memory-store.js';

const clock = new ManualClock('2026-03-04T09:00:00Z');

async function storeWith(counters: Record<string, number>): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.increment(counters);
  return store;
}

describe('reputation guard', () => {
  it('counts lessons and confirmations as sends, hard bounces and complaints against them', () => {
    expect(
      guardTotals({
        [COUNTER.confirmationsSent]: 100,
        [COUNTER.sent('lesson-1')]: 80,
        [COUNTER.sent('complete')]: 20,
        [COUNTER.sendFailed('lesson-1')]: 7,
        [COUNTER.transientBounces]: 9,
        [COUNTER.bounced]: 3,
        [COUNTER.complained]: 1,
      }),
    ).toEqual({ sent: 200, bounced: 3, complained: 1 });
  });

  it('pauses at a 4% bounce rate', async () => {
    const store = await storeWith({ [COUNTER.confirmationsSent]: 1000, [COUNTER.bounced]: 39 });
    expect(await checkGuard({ store, clock })).toBeUndefined();

    await store.increment({ [COUNTER.bounced]: 1 });
    expect(await checkGuard({ store, clock })).toBe('bounce rate 4.00% of 1000 emails reached 4.00%');
    expect(await isPaused(store)).toBe(true);
    expect(store.guard?.pausedAt).toBe('2026-03-04T09:00:00.000Z');
  });

  it('pauses at a 0.08% complaint rate', async () => {
    const store = await storeWith({ [COUNTER.sent('lesson-1')]: 2500, [COUNTER.complained]: 1 });
    expect(await checkGuard({ store, clock })).toBeUndefined();

    await store.increment({ [COUNTER.complained]: 1 });
    expect(await checkGuard({ store, clock })).toMatch(/^complaint rate 0\.08% of 2500 emails/);
  });

  it(`judges nothing under ${GUARD_LIMITS.minSends} emails, however many bounced`, async () => {
    const store = await storeWith({
      [COUNTER.confirmationsSent]: GUARD_LIMITS.minSends - 1,
      [COUNTER.bounced]: 100,
    });
    expect(await checkGuard({ store, clock })).toBeUndefined();
    expect(await isPaused(store)).toBe(false);
  });

  it('tells the caller only once: a second check while paused changes nothing', async () => {
    const store = await storeWith({ [COUNTER.confirmationsSent]: 1000, [COUNTER.bounced]: 100 });
    expect(await checkGuard({ store, clock })).toBeDefined();
    const before = store.guard;
    expect(await checkGuard({ store, clock })).toBeUndefined();
    expect(store.guard).toEqual(before);
  });

  it('counts rates from the resume on, so old bounces do not pause it again', async () => {
    const store = await storeWith({ [COUNTER.confirmationsSent]: 1000, [COUNTER.bounced]: 100 });
    await checkGuard({ store, clock });

    expect(await resumeSending({ store, clock })).toBe(true);
    expect(await isPaused(store)).toBe(false);
    expect(await checkGuard({ store, clock })).toBeUndefined();
    expect(guardRates(guardTotals(store.counters), store.guard?.baseline)).toEqual({
      sent: 0,
      bounceRate: 0,
      complaintRate: 0,
    });

    await store.increment({ [COUNTER.confirmationsSent]: 500, [COUNTER.bounced]: 20 });
    expect(await checkGuard({ store, clock })).toBe('bounce rate 4.00% of 500 emails reached 4.00%');
  });

  it('resumes nothing when it was not paused', async () => {
    const store = await storeWith({});
    expect(await resumeSending({ store, clock })).toBe(false);
    expect(store.guard).toBeUndefined();
  });
});
