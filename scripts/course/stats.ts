/**
 * `course stats`: the sign-up funnel from the course-wide counters. One item read,
 * whatever the number of subscribers: the write paths keep the counters up to date.
 */
import { COUNTER } from '../../functions/contract.js';
import { course, lessons } from '../../functions/core/course.js';
import { type CourseContext, systemClock } from './context.js';
import type { CourseFigures } from './figures.js';
import { bar, count, percent, table } from './format.js';

/** One row of the funnel. `rate` is `count / base`, null when the base is zero. */
export interface FunnelRow {
  readonly key: string;
  readonly label: string;
  readonly count: number;
  /** Label of the row or total the rate is relative to. */
  readonly of: string;
  readonly rate: number | null;
}

/** Mail events of one email of the sequence. */
export interface EmailStats {
  readonly id: string;
  readonly sent: number;
  readonly delivered: number;
  readonly opened: number;
  readonly clicked: number;
  readonly failed: number;
}

export interface StatsReport {
  readonly funnel: readonly FunnelRow[];
  readonly emails: readonly EmailStats[];
  /** The counters as stored, for anything the funnel does not show. */
  readonly counters: Readonly<Record<string, number>>;
  /** With `--json`: the report's figures (funnel drops, days, unsubscribes by lesson, rates). */
  readonly figures?: CourseFigures;
}

const ratio = (n: number, base: number): number | null => (base > 0 ? n / base : null);

/** Builds the funnel from raw counters (pure, so the benchmark and tests can call it alone). */
export function funnelFromCounters(counters: Readonly<Record<string, number>>): StatsReport {
  const c = (name: string) => counters[name] ?? 0;
  const emails: EmailStats[] = course.sequence.map((e) => ({
    id: e.id,
    sent: c(COUNTER.sent(e.id)),
    delivered: c(COUNTER.delivered(e.id)),
    opened: c(COUNTER.opened(e.id)),
    clicked: c(COUNTER.clicked(e.id)),
    failed: c(COUNTER.sendFailed(e.id)),
  }));
  const sum = (pick: (e: EmailStats) => number) => emails.reduce((total, e) => total + pick(e), 0);
  const signedUp = c(COUNTER.signedUp);
  const confirmed = c(COUNTER.confirmed);
  const sequenceSent = sum((e) => e.sent);
  // Bounces and complaints can follow any email, the confirmation included.
  const allSent = sequenceSent + c(COUNTER.confirmationsSent);
  const row = (key: string, label: string, n: number, of: string, base: number): FunnelRow => ({
    key,
    label,
    count: n,
    of,
    rate: ratio(n, base),
  });
  const funnel: FunnelRow[] = [
    row('signedUp', 'signed up', signedUp, 'signed up', signedUp),
    row('confirmed', 'confirmed', confirmed, 'signed up', signedUp),
    ...lessons.map((lesson, i) =>
      row(
        COUNTER.sent(lesson.id),
        `lesson ${i + 1} sent`,
        c(COUNTER.sent(lesson.id)),
        'confirmed',
        confirmed,
      ),
    ),
    row(
      'delivered',
      'delivered',
      sum((e) => e.delivered),
      'course emails sent',
      sequenceSent,
    ),
    row(
      'opened',
      'opened',
      sum((e) => e.opened),
      'delivered',
      sum((e) => e.delivered),
    ),
    row(
      'clicked',
      'clicked',
      sum((e) => e.clicked),
      'opened',
      sum((e) => e.opened),
    ),
    row('completed', 'completed', c(COUNTER.completed), 'confirmed', confirmed),
    row('unsubscribed', 'unsubscribed', c(COUNTER.unsubscribed), 'confirmed', confirmed),
    row('bounced', 'bounced', c(COUNTER.bounced), 'all emails sent', allSent),
    row('complained', 'complained', c(COUNTER.complained), 'all emails sent', allSent),
  ];
  return { funnel, emails, counters: { ...counters } };
}

/** Formats the report as the terminal table. */
export function formatStats(report: StatsReport): string {
  const funnel = table(
    [
      ['', 'count', 'rate', 'of', ''],
      ...report.funnel.map((r) => [r.label, count(r.count), percent(r.rate), r.of, bar(r.rate ?? 0)]),
    ],
    ['left', 'right', 'right', 'left', 'left'],
  );
  const perEmail = table(
    [
      ['email', 'sent', 'delivered', 'opened', 'clicked', 'failed'],
      ...report.emails.map((e) => [
        e.id,
        count(e.sent),
        count(e.delivered),
        count(e.opened),
        count(e.clicked),
        count(e.failed),
      ]),
    ],
    ['left', 'right', 'right', 'right', 'right', 'right'],
  );
  const extra = [
    `confirmation emails sent: ${count(report.counters[COUNTER.confirmationsSent] ?? 0)}`,
    `soft bounces: ${count(report.counters[COUNTER.transientBounces] ?? 0)}`,
    `erased on request: ${count(report.counters[COUNTER.erased] ?? 0)}`,
  ].join(' · ');
  return `${course.title}\n\n${funnel}\n\n${perEmail}\n\n${extra}\n`;
}

/**
 * Reads the counters and prints the funnel (`json` for machines, with the report's
 * figures too: the day items and the guard). Returns the report, so a benchmark can
 * time exactly what the command does.
 */
export async function runStats(
  ctx: Pick<CourseContext, 'store' | 'out'> & Partial<Pick<CourseContext, 'clock' | 'settings'>>,
  opts: { json?: boolean } = {},
): Promise<StatsReport> {
  const counters = await ctx.store.readCounters();
  let report = funnelFromCounters(counters);
  if (opts.json) {
    const { readFigures } = await import('./report.js');
    const clock = ctx.clock ?? systemClock;
    const tracking = ctx.settings?.trackOpensAndClicks === true;
    report = { ...report, figures: await readFigures({ store: ctx.store, clock }, { counters, tracking }) };
  }
  ctx.out.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatStats(report));
  return report;
}
