/**
 * The owner's report in Chromium: at a phone's and a desktop's width it fits without
 * sideways scrolling, fetches nothing, and axe finds nothing. Screenshots of both widths
 * go to a folder under the system temp dir (printed), to look at.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { COUNTER } from '../../functions/contract.js';
import { courseFigures } from '../../scripts/course/figures.js';
import { renderReport } from '../../scripts/course/report.js';
import { describeBrowser, type LaunchedBrowser, launchBrowser } from '../support/browser.js';
import { courseCounters, dailyCounters, REPORT_NOW, reportDays } from './report-fixtures.js';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'));
const shots = join(tmpdir(), 'course-report-screenshots');

function readFileSync(path: string): Promise<string> {
  return readFile(path, 'utf8');
}

describeBrowser('the course report in Chromium', () => {
  let browser: LaunchedBrowser;
  const pages: Record<string, string> = {};

  beforeAll(async () => {
    await mkdir(shots, { recursive: true });
    const ok = courseFigures({ counters: courseCounters, daily: dailyCounters, days: reportDays });
    const paused = courseFigures({
      counters: { ...courseCounters, [COUNTER.bounced]: 40 },
      daily: dailyCounters,
      days: reportDays,
      guard: {
        paused: true,
        reason: 'bounce rate 4.10% of 600 emails reached 4.00%',
        baseline: { sent: 0, bounced: 0, complained: 0 },
        version: 1,
      },
    });
    for (const [name, figures] of Object.entries({ ok, paused })) {
      const file = join(shots, `report-${name}.html`);
      await writeFile(
        file,
        renderReport(figures, { generatedAt: REPORT_NOW, target: 'stack KneePainCourse (eu-west-1)' }),
      );
      pages[name] = pathToFileURL(file).href;
    }
    browser = await launchBrowser();
    console.info(`report screenshots: ${shots}`);
  });

  afterAll(async () => {
    await browser?.close();
  });

  for (const name of ['ok', 'paused']) {
    for (const width of [375, 1280]) {
      it(`fits ${width} px, fetches nothing and passes axe (${name})`, async () => {
        const page = await browser.context.newPage();
        const requests: string[] = [];
        page.on('request', (r) => requests.push(r.url()));
        await page.setViewportSize({ width, height: 900 });
        await page.goto(pages[name] as string);
        // The table of days opened too, so axe and the width check see it.
        await page.click('summary');

        const widths = await page.evaluate(() => ({
          scroll: document.documentElement.scrollWidth,
          view: document.documentElement.clientWidth,
        }));
        expect(widths.scroll).toBeLessThanOrEqual(widths.view);
        expect(requests).toEqual([pages[name]]);

        await page.evaluate(await axeSource);
        const violations = await page.evaluate(async () => {
          // biome-ignore lint/suspicious/noExplicitAny: axe is injected at run time
          const result = await (window as any).axe.run(document, { resultTypes: ['violations'] });
          return result.violations.map((v: { id: string; nodes: { target: string[] }[] }) => ({
            id: v.id,
            targets: v.nodes.map((n) => n.target.join(' ')),
          }));
        });
        expect(violations).toEqual([]);

        await page.click('summary');
        const file = join(shots, `report-${name}-${width}.png`);
        await page.screenshot({ path: file, fullPage: true });
        expect((await stat(file)).size).toBeGreaterThan(10_000);
        await page.close();
      });
    }
  }
});
