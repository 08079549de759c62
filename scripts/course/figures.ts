/**
 * The owner's figures, from counters only: the funnel step by step with the drop at each
 * step, sign-ups, confirmations and unsubscribes per UTC day, unsubscribes by the last
 * email received, and the bounce and complaint rates with a state. Pure, so `report`,
 * `stats --json`, the benchmark and the tests share one computation.
 */
import { COUNTER } from '../../functions/contract.js';
import { course, lessons } from '../../functions/core/course.js';
import { GUARD_LIMITS, guardRates, guardTotals, type SendingGuard } from '../../functions/core/guard.js';

/** Days the daily series covers. */
export const REPORT_DAYS = 90;

/** Where SES puts an account under review (its published thresholds). */
export const SES_REVIEW = { bounceRate: 0.05, complaintRate: 0.001 } as const;
/** Where the figures say "warning": half of SES's review levels, well before the guard pauses. */
export const WARNING_AT = { bounceRate: 0.025, complaintRate: 0.0005 } as const;

export interface FunnelStep {
  readonly key: string;
  readonly label: string;
  readonly count: number;
  /** Key of the step this one is measured against (absent for the first). */
  readonly from?: string;
  /** People (or emails) lost since `from`: its count minus this one's. */
  readonly drop: number;
  /** `drop` as a fraction of `from`'s count; null without a base. */
  readonly dropRate: number | null;
  /** This step as a fraction of those who signed up; null before anyone did. */
  readonly ofSignedUp: number | null;
}

export interface DayFigures {
  /** UTC day, `2026-12-02`. */
  readonly day: string;
  readonly signedUp: number;
  readonly confirmed: number;
  readonly unsubscribed: number;
}

export interface LessonUnsubscribes {
  /** An email id of the sequence, `none` (before any lesson) or `unrecorded`. */
  readonly key: string;
  readonly label: string;
  readonly count: number;
}

/** `paused`: at or past the level at which the reputation guard pauses lessons. */
export type RateState = 'ok' | 'warning' | 'paused';

export interface Reputation {
  /** Emails sent since the last resume (or the start), confirmations included. */
  readonly sent: number;
  readonly bounceRate: number;
  readonly complaintRate: number;
  readonly bounceState: RateState;
  readonly complaintState: RateState;
  /** `paused` while the reputation guard holds lessons, else the worse of the two rates. */
  readonly state: 'ok' | 'warning' | 'paused';
  readonly reason?: string;
  readonly since?: string;
  readonly sesReview: typeof SES_REVIEW;
  readonly warningAt: typeof WARNING_AT;
  readonly guardPausesAt: { readonly bounceRate: number; readonly complaintRate: number };
  /** Below this many sends the guard does not pause (one bounce would swing the rate). */
  readonly guardMinSends: number;
}

export interface CourseFigures {
  /** Whether opens and clicks are shown (tracking on, or any counted). */
  readonly tracking: boolean;
  readonly funnel: readonly FunnelStep[];
  readonly daily: readonly DayFigures[];
  readonly unsubscribesByLesson: readonly LessonUnsubscribes[];
  readonly reputation: Reputation;
}

export interface FigureInput {
  readonly counters: Readonly<Record<string, number>>;
  /** Counters by UTC day; days missing from it count as zero. */
  readonly daily: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** The days of the series, oldest first. */
  readonly days: readonly string[];
  readonly guard?: SendingGuard;
  /** The clinic turned open and click tracking on; without it they show once any is counted. */
  readonly tracking?: boolean;
}

const ratio = (n: number, base: number): number | null => (base > 0 ? n / base : null);

/** Every figure of the report, from the counters, the day items and the guard's state. */
export function courseFigures(input: FigureInput): CourseFigures {
  const c = (name: string) => input.counters[name] ?? 0;
  const tracking =
    input.tracking === true ||
    course.sequence.some((e) => c(COUNTER.opened(e.id)) > 0 || c(COUNTER.clicked(e.id)) > 0);
  const signedUp = c(COUNTER.signedUp);
  const steps: FunnelStep[] = [];
  const step = (key: string, label: string, count: number, from?: string) => {
    const base = from === undefined ? undefined : steps.find((s) => s.key === from)?.count;
    const drop = base === undefined ? 0 : base - count;
    steps.push({
      key,
      label,
      count,
      ...(from ? { from } : {}),
      drop,
      dropRate: base === undefined ? null : ratio(drop, base),
      ofSignedUp: ratio(count, signedUp),
    });
  };
  step('signedUp', 'Signed up', signedUp);
  step('confirmed', 'Confirmed', c(COUNTER.confirmed), 'signedUp');
  let previousSent = 'confirmed';
  lessons.forEach((lesson, i) => {
    const n = i + 1;
    const sent = COUNTER.sent(lesson.id);
    step(sent, `Lesson ${n} sent`, c(sent), previousSent);
    step(COUNTER.delivered(lesson.id), `Lesson ${n} delivered`, c(COUNTER.delivered(lesson.id)), sent);
    if (tracking) {
      step(
        COUNTER.opened(lesson.id),
        `Lesson ${n} opened`,
        c(COUNTER.opened(lesson.id)),
        COUNTER.delivered(lesson.id),
      );
      step(
        COUNTER.clicked(lesson.id),
        `Lesson ${n} clicked`,
        c(COUNTER.clicked(lesson.id)),
        COUNTER.opened(lesson.id),
      );
    }
    previousSent = sent;
  });
  step('completed', 'Completed', c(COUNTER.completed), previousSent);

  const daily = input.days.map((day) => {
    const d = input.daily[day] ?? {};
    return {
      day,
      signedUp: d[COUNTER.signedUp] ?? 0,
      confirmed: d[COUNTER.confirmed] ?? 0,
      unsubscribed: d[COUNTER.unsubscribed] ?? 0,
    };
  });

  const byLesson: LessonUnsubscribes[] = [
    { key: 'none', label: 'Before lesson 1', count: c(COUNTER.unsubscribedAfter('none')) },
    ...course.sequence.map((e) => {
      const n = lessons.findIndex((l) => l.id === e.id);
      return {
        key: e.id,
        label: n >= 0 ? `After lesson ${n + 1}` : 'After the closing email',
        count: c(COUNTER.unsubscribedAfter(e.id)),
      };
    }),
  ];
  const unrecorded = c(COUNTER.unsubscribed) - byLesson.reduce((sum, u) => sum + u.count, 0);
  if (unrecorded > 0) byLesson.push({ key: 'unrecorded', label: 'Not recorded', count: unrecorded });

  return {
    tracking,
    funnel: steps,
    daily,
    unsubscribesByLesson: byLesson,
    reputation: reputation(input.counters, input.guard),
  };
}

/** Rates since the last resume, as the reputation guard judges them, and their state. */
export function reputation(counters: Readonly<Record<string, number>>, guard?: SendingGuard): Reputation {
  const rates = guardRates(guardTotals(counters), guard?.baseline);
  const rateState = (rate: number, warning: number, pause: number): RateState =>
    rate >= pause ? 'paused' : rate >= warning ? 'warning' : 'ok';
  const bounceState = rateState(rates.bounceRate, WARNING_AT.bounceRate, GUARD_LIMITS.bounceRate);
  const complaintState = rateState(rates.complaintRate, WARNING_AT.complaintRate, GUARD_LIMITS.complaintRate);
  // Only the guard pauses sending (it also waits for enough sends); a rate past its level
  // without a pause is a warning for the course as a whole.
  const state = guard?.paused ? 'paused' : bounceState !== 'ok' || complaintState !== 'ok' ? 'warning' : 'ok';
  return {
    sent: rates.sent,
    bounceRate: rates.bounceRate,
    complaintRate: rates.complaintRate,
    bounceState,
    complaintState,
    state,
    ...(guard?.paused && guard.reason ? { reason: guard.reason } : {}),
    ...(guard?.resumedAt ? { since: guard.resumedAt } : {}),
    sesReview: SES_REVIEW,
    warningAt: WARNING_AT,
    guardPausesAt: { bounceRate: GUARD_LIMITS.bounceRate, complaintRate: GUARD_LIMITS.complaintRate },
    guardMinSends: GUARD_LIMITS.minSends,
  };
}
