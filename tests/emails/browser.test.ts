import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailIds } from '../../functions/core/course.js';
import { renderEmail, sampleVariables } from '../../functions/core/render.js';
import {
  browserSuiteMode,
  chromiumCandidates,
  describeBrowser,
  findChromium,
  type LaunchedBrowser,
  launchBrowser,
} from '../support/browser.js';

describe('browser test helper', () => {
  it('finds Debian Chromium in either place it is installed', () => {
    expect(findChromium({}, (p) => p === '/usr/lib/chromium/chromium')).toBe('/usr/lib/chromium/chromium');
    expect(findChromium({}, (p) => p === '/usr/bin/chromium')).toBe('/usr/bin/chromium');
    expect(findChromium({}, () => false)).toBeUndefined();
    expect(chromiumCandidates).toContain('/usr/bin/chromium');
  });

  it('prefers CHROMIUM_PATH when it is set', () => {
    expect(findChromium({ CHROMIUM_PATH: '/opt/chrome' }, () => true)).toBe('/opt/chrome');
    expect(findChromium({ CHROMIUM_PATH: '/opt/chrome' }, (p) => p !== '/opt/chrome')).toBeUndefined();
  });

  it('skips browser suites without Chromium, except under CI where they run and fail', () => {
    expect(browserSuiteMode(true, false)).toBe('run');
    expect(browserSuiteMode(true, true)).toBe('run');
    expect(browserSuiteMode(false, false)).toBe('skip');
    expect(browserSuiteMode(false, true)).toBe('run');
  });
});

describeBrowser('emails in a real browser', () => {
  let browser: LaunchedBrowser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.context.newPage();
    // Emails load nothing remote; block the network so a stray URL cannot slow or skew a test.
    await page.route('**/*', (route) => route.abort());
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function widthAt(viewport: number, html: string): Promise<number> {
    await page.setViewportSize({ width: viewport, height: 800 });
    await page.setContent(html);
    return page.evaluate(() => document.scrollingElement?.scrollWidth ?? Number.POSITIVE_INFINITY);
  }

  it.each(emailIds)('%s fits a 375 px phone screen without scrolling sideways', async (id) => {
    const { html } = renderEmail(id, sampleVariables(id));

    expect(await widthAt(375, html)).toBeLessThanOrEqual(375);
  });

  it.each(emailIds)('%s keeps its 600 px layout on a desktop screen', async (id) => {
    const { html } = renderEmail(id, sampleVariables(id));

    expect(await widthAt(800, html)).toBeLessThanOrEqual(800);
    const contentWidth = await page.evaluate(() => {
      const article = document.querySelector('[role="article"] > div');
      return article ? article.getBoundingClientRect().width : 0;
    });
    expect(contentWidth).toBe(600);
  });

  it('fits a phone even with a very long unbroken name and address', async () => {
    const vars = {
      ...sampleVariables('lesson-1'),
      firstName: 'Maximilianaalexandrinakonstantinopoulou'.repeat(2),
      clinicName: 'TheRiversideMassageAndBodyworkClinicAndWellbeingCentre',
      postalAddress: 'Unit12TheOldMillBuildingMillLaneRiversideRS12ABUnitedKingdom',
    };

    expect(await widthAt(375, renderEmail('lesson-1', vars).html)).toBeLessThanOrEqual(375);
  });

  it('shows the reader text, not markup, for a hostile first name', async () => {
    const vars = { ...sampleVariables('lesson-1'), firstName: '"><img src=x onerror=alert(1)>' };
    await widthAt(375, renderEmail('lesson-1', vars).html);

    expect(await page.locator('img').count()).toBe(0);
    expect(await page.getByText('Hi "><img src=x onerror=alert(1)>,').count()).toBe(1);
  });
});
