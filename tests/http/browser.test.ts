/**
 * The hosted pages in a real browser: the strict CSP holds, the time zone script runs,
 * the form works without it, the layout fits a phone, and axe finds nothing.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { lambdaRequestListener } from '../../scripts/local-http.js';
import { describeBrowser, type LaunchedBrowser, launchBrowser } from '../support/browser.js';
import { subscriberId } from '../support/identity.js';
import { testApi } from './harness.js';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

describeBrowser('sign-up pages in Chromium', () => {
  let server: Server;
  let base: string;
  let browser: LaunchedBrowser;
  let t: ReturnType<typeof testApi>;

  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    t = testApi({ settings: { publicBaseUrl: base } });
    server.on('request', lambdaRequestListener(t.handler));
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  /** A page that records console errors (CSP violations are reported there). */
  async function openPage(): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    return { page, errors };
  }

  async function axeViolations(page: Page): Promise<{ id: string; targets: string[] }[]> {
    await page.evaluate(axeSource);
    return page.evaluate(async () => {
      // biome-ignore lint/suspicious/noExplicitAny: axe is injected at run time
      const result = await (window as any).axe.run(document, { resultTypes: ['violations'] });
      return result.violations.map((v: { id: string; nodes: { target: string[] }[] }) => ({
        id: v.id,
        targets: v.nodes.map((n) => n.target.join(' ')),
      }));
    });
  }

  it('loads its stylesheet and script under the CSP and fills in the browser time zone', async () => {
    const { page, errors } = await openPage();
    await page.goto(`${base}/`);

    const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    await expect.poll(() => page.inputValue('input[name="timeZone"]')).toBe(zone);
    const styled = await page.evaluate(
      () => getComputedStyle(document.querySelector('button') as Element).color,
    );
    expect(styled).toBe('rgb(255, 255, 255)');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('signs up without JavaScript, with the time zone left to the course default', async () => {
    const { page } = await openPage();
    await page.route('**/assets/signup.js', (route) => route.abort());
    await page.goto(`${base}/`);
    await page.getByLabel('Email address').fill('nojs@example.com');
    await Promise.all([
      page.waitForURL(/\/check-inbox$/),
      page.getByRole('button', { name: /Start/ }).click(),
    ]);

    await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();
    const stored = await t.store.get(subscriberId('nojs@example.com'));
    expect(stored?.timeZone).toBe(t.settings.defaultTimeZone);
    expect(stored?.consent?.formUrl).toBe(`${base}/`);
    await page.close();
  });

  it('fits a phone screen without sideways scrolling and shows a focus outline', async () => {
    const { page } = await openPage();
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(`${base}/`);

    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const fontSize = await page.evaluate(
      () => getComputedStyle(document.querySelector('#email') as Element).fontSize,
    );
    expect(Number.parseFloat(fontSize)).toBeGreaterThanOrEqual(16);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => {
      const focused = document.activeElement as Element;
      return { id: focused.id, style: getComputedStyle(focused).outlineStyle };
    });
    expect(outline).toEqual({ id: 'email', style: 'solid' });
    await page.close();
  });

  it('has no accessibility violations on the sign-up page, its error state and the link pages', async () => {
    const { page } = await openPage();
    await page.goto(`${base}/`);
    expect(await axeViolations(page), 'sign-up').toEqual([]);

    await page.getByLabel('Email address').fill('two@example.com, three@example.com');
    await page.evaluate(() => document.querySelector('form')?.setAttribute('novalidate', ''));
    await page.getByRole('button', { name: /Start/ }).click();
    await page.getByText('Enter just one email address.').first().waitFor();
    expect(await axeViolations(page), 'sign-up error').toEqual([]);

    const token = t.tokens.sign('unsubscribe', 'someone', { now: t.clock.now() });
    for (const path of ['/check-inbox', `/unsubscribe?token=${token}`, '/confirm?token=broken', '/missing']) {
      await page.goto(`${base}${path}`);
      expect(await axeViolations(page), path).toEqual([]);
    }
    await page.close();
  });
});
