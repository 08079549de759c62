import { describe, expect, it } from 'vitest';
import { COUNTER } from '../../functions/contract.js';
import { lastDays, utcDay } from '../../functions/core/counters.js';
import type { SendingGuard } from '../../functions/core/guard.js';
import { courseFigures, reputation } from '../../scripts/course/figures.js';
import { niceMax } from '../../scripts/course/report.js';
import { courseCounters, dailyCounters, reportDays } from './report-fixtures.js';

const figures = (extra: Partial<Parameters<typeof courseFigures>[0]> = {}) =>
  courseFigures({ counters: courseCounters, daily: dailyCounters, days: reportDays, ...extra });

describe('funnel figures', () => {
  it('measures each step against the step before it and against the sign-ups', () => {
    const { funnel } = figures();
    const step = (key: string) => funnel.find((s) => s.key === key);

    expect(funnel[0]).toMatchObject({ key: 'signedUp', count: 200, drop: 0, dropRate: null, ofSignedUp: 1 });
    expect(step('confirmed')).toMatchObject({ count: 150, from: 'signedUp', drop: 50, dropRate: 0.25 });
    // Lesson 1 against the confirmed, its delivery against its send, lesson 2 against lesson 1.
    expect(step(COUNTER.sent('lesson-1'))).toMatchObject({ from: 'confirmed', drop: 0, dropRate: 0 });
    expect(step(COUNTER.delivered('lesson-1'))).toMatchObject({ from: COUNTER.sent('lesson-1'), drop: 2 });
    expect(step(COUNTER.sent('lesson-2'))).toMatchObject({
      from: COUNTER.sent('lesson-1'),
      drop: 30,
      dropRate: 0.2,
    });
    expect(step('completed')).toMatchObject({
      count: 75,
      from: COUNTER.sent('lesson-5'),
      drop: 5,
      ofSignedUp: 0.375,
    });
  });

  it('shows opens and clicks once any is counted, after each delivery', () => {
    const labels = figures().funnel.map((s) => s.label);
    expect(labels.slice(0, 6)).toEqual([
      'Signed up',
      'Confirmed',
      'Lesson 1 sent',
      'Lesson 1 delivered',
      'Lesson 1 opened',
      'Lesson 1 clicked',
    ]);
    const clicked = figures().funnel.find((s) => s.key === COUNTER.clicked('lesson-1'));
    expect(clicked).toMatchObject({ count: 25, from: COUNTER.opened('lesson-1'), dropRate: 0.75 });
  });

  it('leaves opens and clicks out when tracking is off and none was counted, unless tracking is on', () => {
    const untracked = Object.fromEntries(
      Object.entries(courseCounters).filter(([name]) => !/^(opened|clicked):/.test(name)),
    );
    const off = courseFigures({ counters: untracked, daily: {}, days: [] });
    expect(off.tracking).toBe(false);
    expect(off.funnel.some((s) => /opened|clicked/.test(s.label))).toBe(false);
    expect(off.funnel).toHaveLength(2 + 5 * 2 + 1);

    const on = courseFigures({ counters: untracked, daily: {}, days: [], tracking: true });
    expect(on.funnel.find((s) => s.key === COUNTER.opened('lesson-3'))).toMatchObject({ count: 0 });
  });

  it('has no rates before anyone signs up', () => {
    const empty = courseFigures({ counters: {}, daily: {}, days: [] });
    expect(empty.funnel.every((s) => s.ofSignedUp === null)).toBe(true);
    expect(empty.funnel.find((s) => s.key === 'confirmed')?.dropRate).toBeNull();
  });
});

describe('daily and per-lesson figures', () => {
  it('fills every day of the range, zero where no item exists, oldest first', () => {
    const { daily } = figures();
    expect(daily).toHaveLength(90);
    expect(daily[0]?.day).toBe('2026-09-04');
    expect(daily.at(-1)).toEqual({ day: '2026-12-02', signedUp: 12, confirmed: 9, unsubscribed: 2 });
    expect(daily.find((d) => d.day === '2026-11-30')).toEqual({
      day: '2026-11-30',
      signedUp: 0,
      confirmed: 0,
      unsubscribed: 0,
    });
  });

  it('counts unsubscribes by the last email received, and those counted before lessons were recorded', () => {
    const { unsubscribesByLesson } = figures();
    expect(unsubscribesByLesson.map((u) => [u.label, u.count])).toEqual([
      ['Before lesson 1', 3],
      ['After lesson 1', 12],
      ['After lesson 2', 8],
      ['After lesson 3', 2],
      ['After lesson 4', 1],
      ['After lesson 5', 0],
      ['After the closing email', 1],
      ['Not recorded', 3],
    ]);
  });
});

describe('bounce and complaint state', () => {
  const sent = { [COUNTER.confirmationsSent]: 5_000, [COUNTER.sent('lesson-1')]: 5_000 };

  it('is ok below half of SES review levels', () => {
    const r = reputation({ ...sent, [COUNTER.bounced]: 249, [COUNTER.complained]: 4 });
    expect(r).toMatchObject({ sent: 10_000, bounceState: 'ok', complaintState: 'ok', state: 'ok' });
    expect(r.bounceRate).toBeCloseTo(0.0249);
  });

  it('warns from 2.5% bounces or 0.05% complaints', () => {
    expect(reputation({ ...sent, [COUNTER.bounced]: 250 })).toMatchObject({
      bounceState: 'warning',
      state: 'warning',
    });
    expect(reputation({ ...sent, [COUNTER.complained]: 5 })).toMatchObject({
      complaintState: 'warning',
      bounceState: 'ok',
      state: 'warning',
    });
  });

  it('marks a rate at the guard’s pause level, and leaves the pausing to the guard', () => {
    expect(reputation({ ...sent, [COUNTER.bounced]: 400 })).toMatchObject({
      bounceState: 'paused',
      state: 'warning',
    });
    expect(reputation({ ...sent, [COUNTER.complained]: 8 })).toMatchObject({
      complaintState: 'paused',
      state: 'warning',
    });
    expect(reputation({ ...sent, [COUNTER.bounced]: 399 })).toMatchObject({ bounceState: 'warning' });
  });

  it('is paused while the guard holds lessons, whatever the rates, and counts from the last resume', () => {
    const guard: SendingGuard = {
      paused: true,
      reason: 'bounce rate 4.10% of 600 emails reached 4.00%',
      baseline: { sent: 4_000, bounced: 200, complained: 0 },
      resumedAt: '2026-11-01T00:00:00.000Z',
      version: 3,
    };
    const r = reputation({ ...sent, [COUNTER.bounced]: 260 }, guard);
    expect(r).toMatchObject({ state: 'paused', sent: 6_000, reason: guard.reason, since: guard.resumedAt });
    expect(r.bounceRate).toBeCloseTo(60 / 6_000);
    expect(r.sesReview).toEqual({ bounceRate: 0.05, complaintRate: 0.001 });
  });
});

describe('days and axes', () => {
  it('names UTC days and the range that ends today', () => {
    expect(utcDay(new Date('2026-12-02T23:59:59.999Z'))).toBe('2026-12-02');
    expect(lastDays(new Date('2026-03-01T05:00:00Z'), 3)).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
  });

  it('rounds an axis up to 1, 2 or 5 times a power of ten', () => {
    expect([0, 1, 3, 7, 10, 11, 49, 120].map(niceMax)).toEqual([1, 1, 5, 10, 10, 20, 50, 200]);
  });
});
