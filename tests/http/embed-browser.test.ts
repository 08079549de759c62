/**
 * The one-line embed in a real browser: a page of the clinic's own site (another origin,
 * under a strict CSP of its own) pastes the snippet, the form appears with the course's
 * wording in the accent colour, styles stay on their side, and a sign-up through it (CORS)
 * records the consent version the API serves.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { course } from '../../functions/core/course.js';
import { embedSnippet } from '../../functions/http/embed.js';
import { SIGNUP_ACCEPTED_MESSAGE } from '../../functions/http/signup-route.js';
import { lambdaRequestListener } from '../../scripts/local-http.js';
import { describeBrowser, type LaunchedBrowser, launchBrowser } from '../support/browser.js';
import { subscriberId } from '../support/identity.js';
import { testApi } from './harness.js';

const listen = (server: Server, host: string) =>
  new Promise<string>((resolve) =>
    server.listen(0, host, () => resolve(`http://${host}:${(server.address() as AddressInfo).port}`)),
  );
const close = (server: Server | undefined) =>
  new Promise((resolve) => (server ? server.close(resolve) : resolve(0)));

describeBrowser('the embedded sign-up form in Chromium', () => {
  let api: Server;
  let site: Server;
  let apiBase: string;
  let siteBase: string;
  let browser: LaunchedBrowser;
  let t: ReturnType<typeof testApi>;

  beforeAll(async () => {
    api = createServer();
    site = createServer();
    apiBase = await listen(api, '127.0.0.1');
    // "localhost" and 127.0.0.1 are different origins: the clinic's site is another site.
    siteBase = await listen(site, 'localhost');
    t = testApi({
      settings: {
        publicBaseUrl: apiBase,
        allowedOrigins: [siteBase],
        accentColor: '#7a2e4d',
        practitioner: 'Jane Doe, MSc',
        privacyPolicyUrl: 'https://clinic.example/privacy',
      },
    });
    api.on('request', lambdaRequestListener(t.handler));
    site.on('request', (req, res) => {
      if (req.url === '/site.css') {
        // Loud page styles that would restyle the form if they could reach it.
        res.writeHead(200, { 'content-type': 'text/css' });
        res.end(
          'body { font-family: serif; color: rgb(0, 128, 0); } h2 { color: rgb(0, 255, 0); } button { background: rgb(255, 0, 0); } label { display: none; }',
        );
        return;
      }
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        // A clinic site with a strict policy of its own: no inline style or script.
        'content-security-policy': `default-src 'self'; script-src 'self' ${apiBase}; connect-src ${apiBase}; style-src 'self'; img-src 'self' data:`,
      });
      res.end(`<!doctype html><html lang="en"><head><title>Knee pain | Clinic</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="/site.css"></head><body>
<h2 id="page-heading">Our clinic</h2>
<button class="page-button" type="button">The page's own button</button>
${embedSnippet(apiBase)}
</body></html>`);
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await close(api);
    await close(site);
  });

  it('draws the course wording in the accent colour, keeps styles apart, and signs up across origins', async () => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${siteBase}/knee-course?utm=x`);

    const form = page.locator('[data-course-signup]');
    await form.getByRole('heading', { name: course.title }).waitFor();
    await expect.poll(() => form.getByText(course.consentText).count()).toBe(1);
    await expect.poll(() => form.getByText('Jane Doe, MSc', { exact: false }).count()).toBe(1);
    const styles = await page.evaluate(() => {
      const root = (document.querySelector('[data-course-signup]') as Element).shadowRoot as ShadowRoot;
      const style = (el: Element | null) => getComputedStyle(el as Element);
      return {
        button: style(root.querySelector('button')).backgroundColor,
        heading: style(root.querySelector('h2')).color,
        label: style(root.querySelector('label')).display,
        font: style(root.querySelector('p')).fontFamily,
        pageButton: style(document.querySelector('.page-button')).backgroundColor,
        pageHeading: style(document.querySelector('#page-heading')).color,
      };
    });
    expect(styles.button).toBe('rgb(122, 46, 77)');
    expect(styles.heading).toBe('rgb(122, 46, 77)');
    expect(styles.label).toBe('block');
    expect(styles.font).not.toBe('serif');
    expect(styles.pageButton).toBe('rgb(255, 0, 0)');
    expect(styles.pageHeading).toBe('rgb(0, 255, 0)');

    await form.getByLabel('Email address').fill('embedded@example.com');
    await form.getByLabel(/First name/).fill('Ema');
    await form.getByRole('button', { name: 'Start the free course' }).click();
    await expect.poll(() => form.getByRole('status').textContent()).toBe(SIGNUP_ACCEPTED_MESSAGE);

    const stored = await t.store.get(subscriberId('embedded@example.com'));
    expect(stored?.status).toBe('pending');
    expect(stored?.firstName).toBe('Ema');
    expect(stored?.consent?.textVersion).toBe(course.consentTextVersion);
    // Where consent was given: the clinic's page, without its query string.
    expect(stored?.consent?.formUrl).toBe(`${siteBase}/knee-course`);
    expect(t.mailer.sent.map((m) => m.to)).toEqual(['embedded@example.com']);
    expect(errors, errors.join('\n')).toEqual([]);
    await page.close();
  });

  it('shows a refused address in place, focused', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${siteBase}/`);
    const form = page.locator('[data-course-signup]');
    await form.getByLabel('Email address').fill('two@example.com, three@example.com');
    await form.getByRole('button', { name: 'Start the free course' }).click();
    await expect.poll(() => form.getByRole('status').textContent()).toBe('Enter just one email address.');
    const focused = await page.evaluate(
      () => (document.querySelector('[data-course-signup]') as Element).shadowRoot?.activeElement?.className,
    );
    expect(focused).toBe('status error');
    await page.close();
  });

  it('leaves a link to the hosted page when the script does not run', async () => {
    const page = await browser.context.newPage();
    await page.route('**/embed.js', (route) => route.abort());
    await page.goto(`${siteBase}/`);
    const link = page.getByRole('link', { name: /Sign up for the free email course/ });
    await link.waitFor();
    expect(await link.getAttribute('href')).toBe(`${apiBase}/`);
    await page.close();
  });
});
