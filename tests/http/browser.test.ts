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
  let branded: { base: string; close: () => Promise<void> };

  /** The API with every brand field set, and a logo served from another host. */
  async function brandedSite() {
    const logo = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/svg+xml' });
      res.end(
        '<svg xmlns="http://www.w3.org/2000/svg" width="180" height="40"><rect width="180" height="40" fill="#7a2e4d"/></svg>',
      );
    });
    const site = createServer();
    const listen = (s: Server) =>
      new Promise<string>((resolve) =>
        s.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)),
      );
    const logoBase = await listen(logo);
    const base = await listen(site);
    const api = testApi({
      settings: {
        publicBaseUrl: base,
        logo: { url: `${logoBase}/logo.svg`, width: 180, height: 40 },
        accentColor: '#7a2e4d',
        phone: '01234 567890',
        practitioner: 'Jane Doe, MSc, remedial massage therapist',
        privacyPolicyUrl: 'https://clinic.example/privacy',
      },
    });
    site.on('request', lambdaRequestListener(api.handler));
    const close = (s: Server) => new Promise((resolve) => s.close(resolve));
    return { base, close: async () => void (await Promise.all([close(site), close(logo)])) };
  }

  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    t = testApi({ settings: { publicBaseUrl: base } });
    server.on('request', lambdaRequestListener(t.handler));
    browser = await launchBrowser();
    branded = await brandedSite();
  });

  afterAll(async () => {
    await branded?.close();
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

  it.each([
    [375, 800],
    [1280, 800],
  ])(
    'puts the email field and the button inside the first %ix%i screen, with logo, practitioner and trust line',
    async (width, height) => {
      const { page, errors } = await openPage();
      await page.setViewportSize({ width, height });
      await page.goto(`${branded.base}/`);

      const rect = (selector: string) =>
        page.evaluate((s) => {
          const r = (document.querySelector(s) as Element).getBoundingClientRect();
          return { top: r.top, bottom: r.bottom, left: r.left, right: r.right };
        }, selector);
      expect((await rect('#email')).bottom).toBeLessThanOrEqual(height);
      expect((await rect('button[type="submit"]')).bottom).toBeLessThanOrEqual(height);
      for (const selector of ['.site-header img', '.byline', '.trust']) {
        expect((await rect(selector)).bottom, selector).toBeLessThanOrEqual(height);
      }
      const logo = await page.evaluate(() => {
        const img = document.querySelector('.site-header img') as HTMLImageElement;
        return { loaded: img.complete && img.naturalWidth > 0, width: img.width, height: img.height };
      });
      expect(logo).toEqual({ loaded: true, width: 180, height: 40 });
      const card = await rect('.form-card');
      const outline = await rect('.outline');
      if (width >= 1280) {
        // Beside the form: the outline's column ends before the form's begins, side by side.
        expect(outline.right).toBeLessThanOrEqual(card.left);
        expect(outline.top).toBeLessThan(card.bottom);
      } else {
        expect(outline.top).toBeGreaterThanOrEqual(card.bottom);
      }
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      expect(errors).toEqual([]);
      await page.close();
    },
  );

  it.each([
    ['with its script', false],
    ['without JavaScript', true],
  ])('brings the error summary into view and focus on a phone, %s', async (_name, noScript) => {
    const { page } = await openPage();
    if (noScript) await page.route('**/assets/signup.js', (route) => route.abort());
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`${branded.base}/`);
    await page.getByLabel('Email address').fill('two@example.com, three@example.com');
    await page.evaluate(() => document.querySelector('form')?.setAttribute('novalidate', ''));
    await page.getByRole('button', { name: /Start/ }).click();
    await page.getByText('There is a problem').waitFor();

    const focused = await page.evaluate(() => {
      const active = document.activeElement as Element;
      const r = active.getBoundingClientRect();
      return { className: active.className, top: r.top, bottom: r.bottom };
    });
    expect(focused.className).toBe('error-summary');
    expect(focused.top).toBeGreaterThanOrEqual(0);
    expect(focused.bottom).toBeLessThanOrEqual(800);
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
    await page.goto(`${branded.base}/`);
    expect(await axeViolations(page), 'sign-up with the clinic brand').toEqual([]);
    await page.close();
  });
});
