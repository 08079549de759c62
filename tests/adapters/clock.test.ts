import { describe, expect, it } from 'vitest';
import { ScaledClock, SystemClock } from '../../functions/adapters/clock.js';
import { ManualClock } from '../support/clock.js';

const DAY_MS = 86_400_000;

describe('ScaledClock', () => {
  it('runs one course day per configured number of real seconds', () => {
    const real = new ManualClock(1_000_000);
    const clock = new ScaledClock({
      courseDaySeconds: 30,
      start: new Date('2026-03-01T00:00:00Z'),
      realNow: real.millis,
    });

    real.advance(30_000);

    expect(clock.now().toISOString()).toBe('2026-03-02T00:00:00.000Z');
  });

  it('starts at the real time when no start is given', () => {
    const real = new ManualClock(Date.parse('2026-05-05T10:00:00Z'));
    const clock = new ScaledClock({ courseDaySeconds: 2, realNow: real.millis });

    expect(clock.now().toISOString()).toBe('2026-05-05T10:00:00.000Z');
    real.advance(1_000);
    expect(clock.now().toISOString()).toBe('2026-05-05T22:00:00.000Z');
  });

  it('runs at real speed with 86400 seconds per day', () => {
    const real = new ManualClock(0);
    const clock = new ScaledClock({ courseDaySeconds: 86_400, start: new Date(0), realNow: real.millis });

    real.advance(1_234);

    expect(clock.now().getTime()).toBe(1_234);
    expect(clock.speed).toBe(1);
  });

  it('jumps forward when advanced and keeps running from there', () => {
    const real = new ManualClock(0);
    const clock = new ScaledClock({ courseDaySeconds: 10, start: new Date(0), realNow: real.millis });

    clock.advance(3 * DAY_MS);
    real.advance(10_000);

    expect(clock.now().getTime()).toBe(4 * DAY_MS);
  });

  it('refuses to go back in time', () => {
    const clock = new ScaledClock({ courseDaySeconds: 10 });

    expect(() => clock.advance(-1)).toThrow(RangeError);
  });

  it('rejects a day length that is not positive', () => {
    expect(() => new ScaledClock({ courseDaySeconds: 0 })).toThrow(/courseDaySeconds/);
    expect(() => new ScaledClock({ courseDaySeconds: Number.NaN })).toThrow(/courseDaySeconds/);
  });
});

describe('SystemClock', () => {
  it('tells the real time', () => {
    const before = Date.now();
    const now = new SystemClock().now().getTime();

    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});
