import { describe, expect, it } from 'vitest';
import { isValidTimeZone } from '../../functions/contract.js';
import { nextSendTime, resolveTimeZone } from '../../functions/core/schedule.js';

const utc = (iso: string) => new Date(iso);

describe('time zones', () => {
  it.each(['Europe/London', 'America/New_York', 'Asia/Kolkata', 'UTC'])('accepts %s', (tz) => {
    expect(isValidTimeZone(tz)).toBe(true);
  });

  it.each(['Mars/Olympus_Mons', '', '+05:30', 'Europe/London; DROP TABLE', 'x'.repeat(200), undefined])(
    'rejects %j',
    (tz) => {
      expect(isValidTimeZone(tz)).toBe(false);
    },
  );

  it('keeps a valid zone, in its canonical spelling', () => {
    expect(resolveTimeZone('America/New_York', 'Europe/London')).toBe('America/New_York');
    expect(resolveTimeZone('america/new_york', 'Europe/London')).toBe('America/New_York');
  });

  it('falls back for a missing or unknown zone', () => {
    expect(resolveTimeZone(undefined, 'Europe/London')).toBe('Europe/London');
    expect(resolveTimeZone('Nowhere/Land', 'Europe/Berlin')).toBe('Europe/Berlin');
  });

  it('never stores a fallback it could not schedule with', () => {
    // Newer runtimes' Intl accepts offsets like +01:00, so a course default can be one.
    for (const fallback of ['+01:00', 'Mars/Olympus_Mons']) {
      const zone = resolveTimeZone(undefined, fallback);
      expect(zone).toBe('UTC');
      expect(() => nextSendTime(utc('2026-03-02T15:00:00Z'), 2, 8, zone)).not.toThrow();
    }
    expect(resolveTimeZone(undefined, 'europe/berlin')).toBe('Europe/Berlin');
  });
});

describe('next send time', () => {
  it('sends at once when the delay is 0', () => {
    const after = utc('2026-03-28T23:17:45.123Z');
    expect(nextSendTime(after, 0, 8, 'Europe/London').toISOString()).toBe(after.toISOString());
  });

  it('sends at the send hour, local time, the given number of calendar days later', () => {
    // 14:00 London (GMT) on 10 Jan -> 08:00 GMT on 12 Jan.
    expect(nextSendTime(utc('2026-01-10T14:00:00Z'), 2, 8, 'Europe/London').toISOString()).toBe(
      '2026-01-12T08:00:00.000Z',
    );
  });

  it('counts days from the local date, not the UTC date', () => {
    // 23:30 UTC on 10 Jan is already 11 Jan in Sydney (UTC+11 in summer).
    expect(nextSendTime(utc('2026-01-10T23:30:00Z'), 1, 8, 'Australia/Sydney').toISOString()).toBe(
      '2026-01-11T21:00:00.000Z', // 08:00 AEDT on 12 Jan
    );
    // 02:00 UTC on 11 Jan is still 10 Jan in New York (UTC-5).
    expect(nextSendTime(utc('2026-01-11T02:00:00Z'), 2, 8, 'America/New_York').toISOString()).toBe(
      '2026-01-12T13:00:00.000Z', // 08:00 EST on 12 Jan
    );
  });

  it('keeps 08:00 local across the spring change in London (last Sunday of March)', () => {
    // Friday 27 March 2026, GMT; two days later is Sunday 29 March, BST (UTC+1).
    expect(nextSendTime(utc('2026-03-27T09:00:00Z'), 2, 8, 'Europe/London').toISOString()).toBe(
      '2026-03-29T07:00:00.000Z',
    );
  });

  it('keeps 08:00 local across the autumn change in London (last Sunday of October)', () => {
    // Friday 23 October 2026, BST; two days later is Sunday 25 October, GMT again.
    expect(nextSendTime(utc('2026-10-23T09:00:00Z'), 2, 8, 'Europe/London').toISOString()).toBe(
      '2026-10-25T08:00:00.000Z',
    );
  });

  it('keeps 08:00 local across the US spring change in New York', () => {
    // Sat 7 March 2026 EST (UTC-5) -> Mon 9 March EDT (UTC-4).
    expect(nextSendTime(utc('2026-03-07T15:00:00Z'), 2, 8, 'America/New_York').toISOString()).toBe(
      '2026-03-09T12:00:00.000Z',
    );
  });

  it('keeps 08:00 local across the April change in Sydney', () => {
    // Sat 4 April 2026 AEDT (UTC+11) -> Mon 6 April AEST (UTC+10).
    expect(nextSendTime(utc('2026-04-04T01:00:00Z'), 2, 8, 'Australia/Sydney').toISOString()).toBe(
      '2026-04-05T22:00:00.000Z',
    );
  });

  it('handles a zone with a 30-minute offset', () => {
    // Kolkata is UTC+5:30: 08:00 local is 02:30 UTC.
    expect(nextSendTime(utc('2026-06-01T12:00:00Z'), 2, 8, 'Asia/Kolkata').toISOString()).toBe(
      '2026-06-03T02:30:00.000Z',
    );
    // Adelaide is UTC+10:30 in January (daylight time).
    expect(nextSendTime(utc('2026-01-05T00:00:00Z'), 1, 8, 'Australia/Adelaide').toISOString()).toBe(
      '2026-01-05T21:30:00.000Z',
    );
  });

  it('moves a send hour that falls in the spring-forward gap to just after it', () => {
    // 01:00 does not exist in London on 29 March 2026; clocks jump to 02:00 BST = 01:00 UTC.
    const at = nextSendTime(utc('2026-03-28T12:00:00Z'), 1, 1, 'Europe/London');
    expect(at.toISOString()).toBe('2026-03-29T01:00:00.000Z');
    // 02:00 does not exist in New York on 8 March 2026; 03:00 EDT = 07:00 UTC.
    expect(nextSendTime(utc('2026-03-07T12:00:00Z'), 1, 2, 'America/New_York').toISOString()).toBe(
      '2026-03-08T07:00:00.000Z',
    );
  });

  it('picks one instant, on the right day, for a send hour that repeats in autumn', () => {
    // 01:00 happens twice in London on 25 October 2026 (00:00Z BST and 01:00Z GMT).
    const at = nextSendTime(utc('2026-10-24T12:00:00Z'), 1, 1, 'Europe/London');
    expect(['2026-10-25T00:00:00.000Z', '2026-10-25T01:00:00.000Z']).toContain(at.toISOString());
  });

  it('is always later than the moment it counts from', () => {
    const after = utc('2026-03-28T23:59:59Z');
    for (const tz of ['Europe/London', 'Pacific/Kiritimati', 'Pacific/Pago_Pago', 'Asia/Kathmandu']) {
      for (const hour of [0, 8, 23]) {
        expect(nextSendTime(after, 1, hour, tz).getTime()).toBeGreaterThan(after.getTime());
      }
    }
  });

  it('refuses a negative delay, a bad hour or an unknown zone', () => {
    const after = utc('2026-01-01T00:00:00Z');
    expect(() => nextSendTime(after, -1, 8, 'UTC')).toThrow(RangeError);
    expect(() => nextSendTime(after, 1, 24, 'UTC')).toThrow(RangeError);
    expect(() => nextSendTime(after, 1, 8.5, 'UTC')).toThrow(RangeError);
    expect(() => nextSendTime(after, 1, 8, 'Nowhere/Land')).toThrow(RangeError);
  });
});
