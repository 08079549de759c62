import { describe, expect, it } from 'vitest';
import { Pacer, senderRate } from '../../functions/core/pacer.js';
import { ManualClock } from '../support/clock.js';

/** A Pacer on a manual clock: its sleeps return at once and move the clock on. */
function pacedBy(clock: ManualClock, rate: number, options: { burst?: number } = {}): Pacer {
  return new Pacer(rate, { now: clock.millis, sleep: clock.sleep, ...options });
}

describe('Pacer', () => {
  it('lets the first send go at once', async () => {
    const time = new ManualClock();
    const pacer = pacedBy(time, 10);
    await pacer.take();
    expect(time.sleeps).toEqual([]);
  });

  it('spaces sends at the configured rate', async () => {
    const time = new ManualClock();
    const pacer = pacedBy(time, 4);
    for (let i = 0; i < 9; i++) await pacer.take();
    // 9 sends at 4 a second: the first is free, the other 8 need 250 ms each.
    expect(time.elapsed).toBe(2000);
    expect(time.sleeps.every((ms) => ms === 250)).toBe(true);
  });

  it('never exceeds the rate over any window when callers take concurrently', async () => {
    const time = new ManualClock();
    const pacer = pacedBy(time, 7);
    const grantedAt: number[] = [];
    await Promise.all(
      Array.from({ length: 50 }, () => pacer.take().then(() => grantedAt.push(time.elapsed))),
    );
    expect(grantedAt).toHaveLength(50);
    for (let i = 7; i < grantedAt.length; i++) {
      // Any 8 consecutive grants span at least one second at 7 a second.
      expect((grantedAt[i] as number) - (grantedAt[i - 7] as number)).toBeGreaterThanOrEqual(1000);
    }
  });

  it('does not wait after a quiet spell, but does not bank more than the burst', async () => {
    const time = new ManualClock();
    const pacer = pacedBy(time, 2, { burst: 3 });
    for (let i = 0; i < 3; i++) await pacer.take();
    time.advance(60_000);
    const before = time.sleeps.length;
    for (let i = 0; i < 3; i++) await pacer.take();
    expect(time.sleeps.length).toBe(before);
    await pacer.take();
    expect(time.sleeps.at(-1)).toBe(500);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new Pacer(0)).toThrow(RangeError);
    expect(() => new Pacer(Number.NaN)).toThrow(RangeError);
  });
});

describe('senderRate', () => {
  it('splits the account rate between concurrent senders', () => {
    expect(senderRate(14, 2)).toBe(7);
    expect(senderRate(50, 4)).toBe(12.5);
  });

  it('keeps the total under the account rate for any concurrency', () => {
    for (const concurrency of [1, 2, 3, 5, 10]) {
      expect(senderRate(14, concurrency) * concurrency).toBeLessThanOrEqual(14);
    }
  });
});
