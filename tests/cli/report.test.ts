import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { COUNTER } from '../../functions/contract.js';
import { course } from '../../functions/core/course.js';
import { unsubscribeById } from '../../functions/core/lifecycle.js';
import { courseFigures } from '../../scripts/course/figures.js';
import { renderReport, runReport } from '../../scripts/course/report.js';
import type { StatsReport } from '../../scripts/course/stats.js';
import { useDynalite } from '../support/dynalite.js';
import { type Harness, makeHarness, recordCommands, signUp, signUpAndConfirm } from './harness.js';
import { courseCounters, dailyCounters, REPORT_NOW, reportDays } from './report-fixtures.js';

const db = useDynalite();
let commands: string[];

beforeAll(() => {
  commands = recordCommands(db.clients.client);
});

describe('course report', () => {
  let h: Harness;
  let dir: string;
  beforeEach(async () => {
    h = await makeHarness(db.clients);
    dir = await mkdtemp(join(tmpdir(), 'course-report-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Two days of the course through the real lifecycle: sign-ups, confirmations, one leaving. */
  async function twoDays(): Promise<void> {
    h.clock.set('2026-11-24T09:00:00Z');
    await signUpAndConfirm(h, 'ann@example.com');
    await signUp(h, 'bob@example.com');
    h.clock.set('2026-11-25T10:00:00Z');
    const cy = await signUpAndConfirm(h, 'cy@example.com');
    await unsubscribeById(h.lifecycle, cy.id);
  }

  it('writes one self-contained page with the funnel, the days, the lessons left and the rates', async () => {
    await twoDays();
    const out = join(dir, 'report.html');

    const code = await h.run('report', '--out', out);

    expect(code).toBe(0);
    expect(h.out.text).toMatch(/^Report written to .*report\.html \([\d,]+ bytes\)\.\n$/);
    const html = await readFile(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    // Nothing to fetch and nothing to run: it opens anywhere, mailed or offline.
    expect(html).not.toMatch(/<script|<link|<img|\bsrc=|url\(|@import|https?:\/\//i);
    expect(html).toContain('Generated 2026-11-25 10:00 UTC from the test table.');
    expect(html).toContain(course.title);
    expect(html).toMatch(/<th scope="row">Signed up<span class="bar.*?<\/th><td class="num">3<\/td>/);
    expect(html).toMatch(
      /<th scope="row">Confirmed<span.*?<\/th><td class="num">2<\/td><td class="num">−1 <span class="drop-rate">\(33\.3%\)<\/span><\/td>/,
    );
    expect(html).toMatch(
      /<tr><th scope="row">2026-11-25<\/th><td class="num">1<\/td><td class="num">1<\/td><td class="num">1<\/td><\/tr>/,
    );
    expect(html).toMatch(
      /<tr><th scope="row">2026-11-24<\/th><td class="num">2<\/td><td class="num">1<\/td><td class="num">0<\/td><\/tr>/,
    );
    expect(html).toMatch(/<th scope="row">Before lesson 1<span.*?<\/th><td class="num">1<\/td>/);
    expect(html).toContain('Sending state: <span class="badge badge-ok">');
  });

  it('reads three things whatever the number of subscribers: the totals, 90 day items in one batch, the guard', async () => {
    await twoDays();
    commands.length = 0;

    await runReport(h.ctx, { out: join(dir, 'r.html') });

    expect([...commands].sort()).toEqual(['BatchGetItem', 'GetItem', 'GetItem']);
    expect(h.store.calls.scan ?? 0).toBe(0);
  });

  it('shows opens and clicks only once one is counted, or from the start when tracking is on', async () => {
    await twoDays();
    const untracked = join(dir, 'untracked.html');
    const tracked = join(dir, 'tracked.html');

    await runReport(h.ctx, { out: untracked });
    await runReport(
      { ...h.ctx, settings: { ...h.ctx.settings, trackOpensAndClicks: true } },
      { out: tracked },
    );

    expect(await readFile(untracked, 'utf8')).not.toContain('Lesson 1 opened');
    expect(await readFile(untracked, 'utf8')).toContain('Opens and clicks are not shown');
    expect(await readFile(tracked, 'utf8')).toMatch(/Lesson 1 opened<span.*?<\/th><td class="num">0<\/td>/);
  });

  it('needs --out, and names a file it cannot write', async () => {
    expect(await h.run('report')).toBe(2);
    expect(h.err.text).toContain('report needs --out FILE');

    const code = await h.run('report', '--out', join(dir, 'no-such-folder', 'r.html'));
    expect(code).toBe(1);
    expect(h.err.text).toContain('Cannot write');
    expect(h.err.text).toContain('ENOENT');
  });

  it('replaces an older report', async () => {
    const out = join(dir, 'report.html');
    await writeFile(out, 'old');
    expect(await h.run('report', '--out', out)).toBe(0);
    expect(await readFile(out, 'utf8')).toMatch(/^<!doctype html>/);
  });

  it('stats --json carries the same figures: days, unsubscribes by lesson, rates and state', async () => {
    await twoDays();

    expect(await h.run('stats', '--json')).toBe(0);

    const { figures } = JSON.parse(h.out.text) as StatsReport;
    expect(figures?.daily).toHaveLength(90);
    expect(figures?.daily.at(-1)).toEqual({ day: '2026-11-25', signedUp: 1, confirmed: 1, unsubscribed: 1 });
    expect(figures?.unsubscribesByLesson[0]).toEqual({ key: 'none', label: 'Before lesson 1', count: 1 });
    expect(figures?.funnel.find((s) => s.key === 'confirmed')).toMatchObject({ count: 2, drop: 1 });
    expect(figures?.reputation).toMatchObject({ state: 'ok', sent: 3, bounceRate: 0, complaintRate: 0 });
  });
});

describe('report page', () => {
  const figures = courseFigures({ counters: courseCounters, daily: dailyCounters, days: reportDays });

  it('escapes every value it prints', () => {
    const html = renderReport(figures, { generatedAt: REPORT_NOW, target: 'stack <b>x</b> & "y"' });
    expect(html).toContain('from stack &lt;b&gt;x&lt;/b&gt; &amp; &quot;y&quot;.');
    expect(html).not.toContain('<b>x</b>');
  });

  it('labels each chart for screen readers and puts the figures in a table beside it', () => {
    const html = renderReport(figures, { generatedAt: REPORT_NOW, target: 'the local stack' });
    expect(html).toContain('<div role="img" aria-labelledby="daily-signedUp-t daily-signedUp-d">');
    expect(html).toContain('the most on one day was 31, on 2026-11-03.');
    expect(html).toMatch(/<summary>The figures of each day, as a table<\/summary>/);
    expect(html.match(/<text[^>]*class="axis-title">Day \(UTC\)<\/text>/g)).toHaveLength(6);
  });

  it('shows the paused state with its reason in words, not only in colour', () => {
    const paused = courseFigures({
      counters: { ...courseCounters, [COUNTER.bounced]: 40 },
      daily: {},
      days: [],
      guard: {
        paused: true,
        reason: 'bounce rate 4.10% of 600 emails reached 4.00%',
        baseline: { sent: 0, bounced: 0, complained: 0 },
        version: 1,
      },
    });
    const html = renderReport(paused, { generatedAt: REPORT_NOW, target: 'the local stack' });
    expect(html).toContain('Sending state: <span class="badge badge-paused">');
    expect(html).toContain('>Paused</span>');
    expect(html).toContain('Reason: bounce rate 4.10% of 600 emails reached 4.00%.');
    expect(html).toMatch(/Bounce rate: 4\.8%[^<]*<span class="badge badge-paused">.*Past the pause level/);
  });
});
