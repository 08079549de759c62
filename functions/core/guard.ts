/**
 * The reputation guard: when the course's own bounce or complaint rate climbs towards the
 * level at which SES reviews the whole account (5% bounces, 0.1% complaints), lesson
 * sending pauses by itself until the owner resumes it. Confirmation emails keep going:
 * a sign-up is someone asking for mail, and the guard must not break the form.
 *
 * The state is one item in the table. The mail-events function trips it; the sweep and
 * the sender read it and leave every subscriber due while it holds, so a pause loses no
 * lesson and sends none twice: after `course resume` the next sweep queues them again.
 * The configuration set's own sending switch is left alone: confirmations go through it too.
 */
import { COUNTER } from '../contract.js';
import { ConflictError, type GuardStore, type SubscriberStore } from './ports.js';

/**
 * Where the guard trips, and the least number of sends (lessons and confirmations since
 * the last resume) it judges on: under 500 a single bounce is a 0.2% swing and would
 * pause a new course for one mistyped address. SES itself judges on a representative
 * volume; until 500 sends the account-level alarms watch alone.
 */
export const GUARD_LIMITS = { bounceRate: 0.04, complaintRate: 0.0008, minSends: 500 } as const;

/** Course totals the rates are computed from. */
export interface GuardTotals {
  readonly sent: number;
  readonly bounced: number;
  readonly complained: number;
}

export interface SendingGuard {
  readonly paused: boolean;
  /** Why it paused, in words for the owner (`course status`). */
  readonly reason?: string;
  readonly pausedAt?: string;
  readonly resumedAt?: string;
  /** Totals at the last resume: rates count only what happened since. */
  readonly baseline: GuardTotals;
  readonly version: number;
}

/** Totals from the course counters: every email sent (lessons and confirmations), hard bounces, complaints. */
export function guardTotals(counters: Readonly<Record<string, number>>): GuardTotals {
  let sent = counters[COUNTER.confirmationsSent] ?? 0;
  for (const [name, value] of Object.entries(counters)) if (name.startsWith(COUNTER.sent(''))) sent += value;
  return { sent, bounced: counters[COUNTER.bounced] ?? 0, complained: counters[COUNTER.complained] ?? 0 };
}

export interface GuardRates {
  readonly sent: number;
  readonly bounceRate: number;
  readonly complaintRate: number;
}

/** Rates since the baseline. */
export function guardRates(totals: GuardTotals, baseline: GuardTotals | undefined): GuardRates {
  const base = baseline ?? { sent: 0, bounced: 0, complained: 0 };
  const sent = Math.max(0, totals.sent - base.sent);
  const rate = (n: number) => (sent > 0 ? Math.max(0, n) / sent : 0);
  return {
    sent,
    bounceRate: rate(totals.bounced - base.bounced),
    complaintRate: rate(totals.complained - base.complained),
  };
}

/** Why the guard should pause now, or undefined when the rates are fine. */
export function tripReason(rates: GuardRates): string | undefined {
  if (rates.sent < GUARD_LIMITS.minSends) return undefined;
  const pct = (r: number) => `${(r * 100).toFixed(2)}%`;
  if (rates.bounceRate >= GUARD_LIMITS.bounceRate)
    return `bounce rate ${pct(rates.bounceRate)} of ${rates.sent} emails reached ${pct(GUARD_LIMITS.bounceRate)}`;
  if (rates.complaintRate >= GUARD_LIMITS.complaintRate)
    return `complaint rate ${pct(rates.complaintRate)} of ${rates.sent} emails reached ${pct(GUARD_LIMITS.complaintRate)}`;
  return undefined;
}

export interface GuardDeps {
  readonly store: SubscriberStore & GuardStore;
  readonly clock: { now(): Date };
}

/** True while lesson sending is paused. */
export async function isPaused(store: GuardStore): Promise<boolean> {
  return (await store.readGuard())?.paused === true;
}

/**
 * Reads the counters and pauses lesson sending if a rate crossed its limit. Returns the
 * reason when this call paused it (so the caller tells the owner once), else undefined.
 */
export async function checkGuard(deps: GuardDeps): Promise<string | undefined> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    const current = await deps.store.readGuard();
    if (current?.paused) return undefined;
    const reason = tripReason(guardRates(guardTotals(await deps.store.readCounters()), current?.baseline));
    if (!reason) return undefined;
    const { resumedAt: _r, ...rest } = current ?? { baseline: { sent: 0, bounced: 0, complained: 0 } };
    try {
      await deps.store.writeGuard(
        {
          ...rest,
          paused: true,
          reason,
          pausedAt: deps.clock.now().toISOString(),
          version: (current?.version ?? 0) + 1,
        },
        current?.version,
      );
      return reason;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
  }
  return undefined;
}

/**
 * Resumes lesson sending (the owner's `course resume`): the rates start again from the
 * totals now, so the same old bounces do not pause it at once. Returns false when it was
 * not paused.
 */
export async function resumeSending(deps: GuardDeps): Promise<boolean> {
  const current = await deps.store.readGuard();
  if (!current?.paused) return false;
  const baseline = guardTotals(await deps.store.readCounters());
  await deps.store.writeGuard(
    { paused: false, baseline, resumedAt: deps.clock.now().toISOString(), version: current.version + 1 },
    current.version,
  );
  return true;
}
