import { describe, expect, it } from 'vitest';
import {
  instanceRate,
  Pacer,
  pacedMailer,
  senderRate,
  THROTTLE_RETRIES,
} from '../../functions/core/pacer.js';
import {
  type Mailer,
  MailerRetryableError,
  MailerThrottledError,
  type OutgoingEmail,
} from '../../functions/core/ports.js';
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

describe('pacing to the SES account', () => {
  it('paces each instance to the lower of the account rate and the ceiling, shared', async () => {
    expect(await instanceRate({ ceiling: 50, instances: 4, account: async () => 14 })).toBe(3.5);
    expect(await instanceRate({ ceiling: 10, instances: 2, account: async () => 200 })).toBe(5);
  });

  it('keeps to the ceiling when the account rate cannot be read', async () => {
    expect(await instanceRate({ ceiling: 10, instances: 2, account: async () => undefined })).toBe(5);
    expect(await instanceRate({ ceiling: 10, instances: 2 })).toBe(5);
  });

  it('takes a new rate at once', async () => {
    const time = new ManualClock();
    const pacer = pacedBy(time, 2);
    pacer.setRate(10);
    for (let i = 0; i < 3; i++) await pacer.take();
    expect(time.sleeps).toEqual([100, 100]);
  });

  it('halves its pace on a throttle and climbs back to the rate over the next sends', async () => {
    const time = new ManualClock();
    const pacer = pacedBy(time, 10);
    await pacer.take();

    pacer.slowDown();

    expect(pacer.rate).toBe(5);
    await pacer.take();
    expect(time.sleeps).toEqual([200]);
    for (let i = 0; i < 20; i++) await pacer.take();
    expect(pacer.rate).toBe(10);
  });
});

describe('pacedMailer', () => {
  const email = { to: 'a@example.com' } as OutgoingEmail;
  /** SES that throttles the first `throttles` calls, then accepts. */
  const sesThatThrottles = (throttles: number) => {
    const calls: number[] = [];
    const mailer: Mailer = {
      send: async () => {
        calls.push(calls.length);
        if (calls.length <= throttles) throw new MailerThrottledError('Maximum sending rate exceeded.');
        return { messageId: `m-${calls.length}` };
      },
    };
    return { mailer, calls };
  };

  it('sends a throttled email again, slower, and it is accepted once', async () => {
    const time = new ManualClock();
    const pacer = pacedBy(time, 10);
    const ses = sesThatThrottles(2);
    let throttles = 0;

    const result = await pacedMailer(ses.mailer, pacer, () => throttles++).send(email);

    expect(result).toEqual({ messageId: 'm-3' });
    expect(ses.calls).toHaveLength(3);
    expect(throttles).toBe(2);
    expect(pacer.rate).toBeLessThan(10);
  });

  it('gives the throttle to the caller after too many in a row (the request goes back to the queue)', async () => {
    const time = new ManualClock();
    const ses = sesThatThrottles(100);

    await expect(pacedMailer(ses.mailer, pacedBy(time, 10)).send(email)).rejects.toBeInstanceOf(
      MailerThrottledError,
    );
    expect(ses.calls).toHaveLength(THROTTLE_RETRIES + 1);
  });

  it('passes any other error on at once', async () => {
    const failing: Mailer = {
      send: async () => {
        throw new MailerRetryableError('SES 500');
      },
    };
    await expect(pacedMailer(failing, pacedBy(new ManualClock(), 10)).send(email)).rejects.toThrow('SES 500');
  });
});
