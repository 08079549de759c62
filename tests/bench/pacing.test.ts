import { describe, expect, it } from 'vitest';
import { pacingRun, runPacingBench } from '../../bench/pacing.js';

// Small runs of the pacing benchmark: the sender handler against the SES double.
describe('sending at the SES account’s rate', () => {
  it('sends every email exactly once at the account’s rate, with no throttle, however many senders', async () => {
    const figures = await runPacingBench({ quotas: [20], senders: [1, 3], secondsPerRun: 1.5 });

    expect(figures.runs.map((r) => [r.senders, r.emails, r.duplicates])).toEqual([
      [1, 30, 0],
      [3, 30, 0],
    ]);
    expect(figures.throttled).toBe(0);
  }, 30_000);

  it('loses nothing when SES throttles: blind to the account’s rate, the senders slow down and every email goes once', async () => {
    const run = await pacingRun({
      quota: 10,
      senders: 2,
      emails: 30,
      sesLatencyMs: 5,
      storeLatencyMs: 1,
      readAccountRate: false,
    });

    expect(run.throttled).toBeGreaterThan(0);
    expect(run.emails).toBe(30);
    expect(run.duplicates).toBe(0);
  }, 60_000);
});
