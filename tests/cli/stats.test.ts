import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { COUNTER } from '../../functions/contract.js';
import { funnelFromCounters, runStats, type StatsReport } from '../../scripts/course/stats.js';
import { useDynalite } from '../support/dynalite.js';
import { type Harness, makeHarness, recordCommands, signUp, signUpAndConfirm } from './harness.js';

const db = useDynalite();
let commands: string[];

beforeAll(() => {
  commands = recordCommands(db.clients.client);
});

describe('course stats', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await makeHarness(db.clients);
  });

  const courseCounters = {
    [COUNTER.signedUp]: 200,
    [COUNTER.confirmationsSent]: 220,
    [COUNTER.confirmed]: 150,
    [COUNTER.sent('lesson-1')]: 150,
    [COUNTER.sent('lesson-2')]: 120,
    [COUNTER.sent('lesson-3')]: 100,
    [COUNTER.sent('lesson-4')]: 90,
    [COUNTER.sent('lesson-5')]: 80,
    [COUNTER.sent('complete')]: 75,
    [COUNTER.delivered('lesson-1')]: 148,
    [COUNTER.delivered('lesson-2')]: 120,
    [COUNTER.opened('lesson-1')]: 100,
    [COUNTER.clicked('lesson-1')]: 25,
    [COUNTER.completed]: 75,
    [COUNTER.unsubscribed]: 30,
    [COUNTER.bounced]: 4,
    [COUNTER.complained]: 1,
  };

  it('reports the funnel with counts and rates from the counters', async () => {
    await h.store.increment(courseCounters);

    const code = await h.run('stats', '--json');

    expect(code).toBe(0);
    const report = JSON.parse(h.out.text) as StatsReport;
    const row = (key: string) => report.funnel.find((r) => r.key === key);
    expect(row('signedUp')).toMatchObject({ count: 200, rate: 1 });
    expect(row('confirmed')).toMatchObject({ count: 150, rate: 0.75, of: 'signed up' });
    expect(row(COUNTER.sent('lesson-2'))).toMatchObject({ count: 120, rate: 0.8, of: 'confirmed' });
    expect(row('delivered')).toMatchObject({ count: 268, of: 'course emails sent' });
    expect(row('delivered')?.rate).toBeCloseTo(268 / 615);
    expect(row('opened')?.rate).toBeCloseTo(100 / 268);
    expect(row('clicked')).toMatchObject({ count: 25, rate: 0.25, of: 'opened' });
    expect(row('completed')).toMatchObject({ count: 75, rate: 0.5 });
    expect(row('unsubscribed')).toMatchObject({ count: 30, rate: 0.2 });
    // Bounces and complaints count against every email sent, confirmations included.
    expect(row('bounced')?.rate).toBeCloseTo(4 / 835);
    expect(row('complained')).toMatchObject({ count: 1, of: 'all emails sent' });
    expect(report.emails.find((e) => e.id === 'lesson-1')).toMatchObject({
      sent: 150,
      delivered: 148,
      opened: 100,
      clicked: 25,
    });
  });

  it('prints a table with one bar per funnel row', async () => {
    await h.store.increment(courseCounters);

    await h.run('stats');

    const lines = h.out.text.split('\n');
    const confirmed = lines.find((l) => l.startsWith('confirmed'));
    expect(confirmed).toMatch(/confirmed\s+150\s+75\.0%\s+signed up\s+█{15}$/);
    expect(lines.find((l) => l.startsWith('lesson 5 sent'))).toMatch(/80\s+53\.3%\s+confirmed\s+█{10}▋$/);
    expect(lines.find((l) => l.startsWith('signed up'))).toMatch(/200\s+100\.0%\s+signed up\s+█{20}$/);
    expect(h.out.text).toContain('confirmation emails sent: 220');
  });

  it('shows rates under 1% with two decimals, so a complaint rate near SES limits is visible', async () => {
    await h.store.increment({
      [COUNTER.confirmationsSent]: 1000,
      [COUNTER.sent('lesson-1')]: 1000,
      [COUNTER.complained]: 1,
    });

    await h.run('stats');

    expect(h.out.text).toMatch(/complained\s+1\s+0\.05%\s+all emails sent/);
  });

  it('shows dashes instead of rates before anyone signs up', async () => {
    await h.run('stats');

    expect(h.out.text).toMatch(/confirmed\s+0\s+–\s+signed up/);
  });

  it('reads the one counters item and never scans the table', async () => {
    for (const n of [1, 2, 3]) await signUpAndConfirm(h, `reader${n}@example.com`);
    await signUp(h, 'pending@example.com');
    commands.length = 0;
    const callsBefore = { ...h.store.calls };

    const report = await runStats(h.ctx);

    expect(report.funnel.find((r) => r.key === 'signedUp')?.count).toBe(4);
    expect(report.funnel.find((r) => r.key === 'confirmed')?.count).toBe(3);
    expect(commands).toEqual(['GetItem']);
    expect(h.store.calls.scan ?? 0).toBe(callsBefore.scan ?? 0);
    expect(h.store.calls.readCounters).toBe((callsBefore.readCounters ?? 0) + 1);
  });

  it('refuses options it does not know with exit code 2', async () => {
    const code = await h.run('stats', '--limit', '3');

    expect(code).toBe(2);
    expect(h.err.text).toContain('Unknown option --limit for stats');
    expect(h.out.text).toBe('');
  });
});

describe('funnel from counters', () => {
  it('has a row for every lesson and the later stages, in funnel order', () => {
    const report = funnelFromCounters({});
    expect(report.funnel.map((r) => r.label)).toEqual([
      'signed up',
      'confirmed',
      'lesson 1 sent',
      'lesson 2 sent',
      'lesson 3 sent',
      'lesson 4 sent',
      'lesson 5 sent',
      'delivered',
      'opened',
      'clicked',
      'completed',
      'unsubscribed',
      'bounced',
      'complained',
    ]);
    expect(report.funnel.every((r) => r.rate === null)).toBe(true);
  });
});
