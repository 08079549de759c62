/**
 * `course status` and `course resume`: whether the reputation guard holds lesson sending,
 * why, and the owner's way to restart it (functions/core/guard.ts).
 */
import {
  GUARD_LIMITS,
  type GuardRates,
  guardRates,
  guardTotals,
  resumeSending,
  type SendingGuard,
} from '../../functions/core/guard.js';
import type { CourseContext } from './context.js';
import { count, percent, time } from './format.js';

export interface StatusReport {
  readonly lessons: 'sending' | 'paused';
  readonly reason?: string;
  readonly pausedAt?: string;
  readonly resumedAt?: string;
  /** Since the last resume (or since the start). */
  readonly rates: GuardRates;
  readonly limits: typeof GUARD_LIMITS;
}

/** Reads the guard and the counters (two item reads) and prints the state. */
export async function runStatus(ctx: CourseContext, opts: { json?: boolean } = {}): Promise<StatusReport> {
  const guard: SendingGuard | undefined = await ctx.store.readGuard();
  const rates = guardRates(guardTotals(await ctx.store.readCounters()), guard?.baseline);
  const report: StatusReport = {
    lessons: guard?.paused ? 'paused' : 'sending',
    ...(guard?.reason && guard.paused ? { reason: guard.reason, pausedAt: guard.pausedAt } : {}),
    ...(guard?.resumedAt ? { resumedAt: guard.resumedAt } : {}),
    rates,
    limits: GUARD_LIMITS,
  };
  if (opts.json) {
    ctx.out.write(`${JSON.stringify(report, null, 2)}\n`);
    return report;
  }
  const lines = [
    report.lessons === 'paused'
      ? `Lessons: PAUSED by the reputation guard since ${time(report.pausedAt)}: ${report.reason}.`
      : 'Lessons: sending.',
    'Sign-ups and confirmation emails: working.',
    `Since ${report.resumedAt ? `the resume at ${time(report.resumedAt)}` : 'the start'}: ${count(rates.sent)} emails, bounce rate ${percent(rates.bounceRate)} (pauses at ${percent(GUARD_LIMITS.bounceRate)}), complaint rate ${percent(rates.complaintRate)} (pauses at ${percent(GUARD_LIMITS.complaintRate)}).`,
    ...(rates.sent < GUARD_LIMITS.minSends
      ? [`The guard judges from ${count(GUARD_LIMITS.minSends)} emails on.`]
      : []),
    ...(report.lessons === 'paused'
      ? ['Find the cause (docs/operating.md#the-reputation-guard), then: npm run course -- resume']
      : []),
  ];
  ctx.out.write(`${lines.join('\n')}\n`);
  return report;
}

/** Resumes lesson sending; says so when it was not paused (exit 0 either way). */
export async function runResume(ctx: CourseContext): Promise<'resumed' | 'not-paused'> {
  const resumed = await resumeSending({ store: ctx.store, clock: ctx.clock });
  ctx.out.write(
    resumed
      ? 'Lesson sending resumed: the next sweep queues every lesson that waited. Rates count from now.\n'
      : 'Lesson sending was not paused; nothing changed.\n',
  );
  return resumed ? 'resumed' : 'not-paused';
}
