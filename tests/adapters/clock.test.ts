import { describe, expect, it } from 'vitest';
import { ScaledClock, SystemClock } from '../../functions/adapters/clock.js';

const DAY_MS = 86_400_000;

function fakeRealTime(startMs: number) {
  let now = startMs;
  return { realNow: () => now, pass: (ms: number) => (now += ms) };
}

describe('ScaledClock', () => {
  it('runs one course day per configured number of real seconds', () => {
    const real = fakeRealTime(1_000_000);
    const clock = new ScaledClock({ courseDaySeconds: 30, start: new Date('2026-03-01T00:00:00Z'), ...real });

    real.pass(30_000);

    expect(clock.now().toISOString()).toBe('2026-03-02T00:00:00.000Z');
  });

  it('starts at the real time when no start is given', () => {
    const real = fakeRealTime(Date.parse('2026-05-05T10:00:00Z'));
    const clock = new ScaledClock({ courseDaySeconds: 2, ...real });

    expect(clock.now().toISOString()).toBe('2026-05-05T10:00:00.000Z');
    real.pass(1_000);
    expect(clock.now().toISOString()).toBe('2026-05-05T22:00:00.000Z');
  });

  it('runs at real speed with 86400 seconds per day', () => {
    const real = fakeRealTime(0);
    const clock = new ScaledClock({ courseDaySeconds: 86_400, start: new Date(0), ...real });

    real.pass(1_234);

    expect(clock.now().getTime()).toBe(1_234);
    expect(clock.speed).toBe(1);
  });

  it('jumps forward when advanced and keeps running from there', () => {
    const real = fakeRealTime(0);
    const clock = new ScaledClock({ courseDaySeconds: 10, start: new Date(0), ...real });

    clock.advance(3 * DAY_MS);
    real.pass(10_000);

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
