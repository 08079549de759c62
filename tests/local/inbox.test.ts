/**
 * The local inbox page (`/_local/inbox`): every email the local stack sent, newest first,
 * one of them at phone and desktop width with its headers and plain-text part, chosen by
 * message id so no address ever appears in a URL. Checked over HTTP and in Chromium.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../scripts/local-stack.js';
import { describeBrowser, type LaunchedBrowser, launchBrowser } from '../support/browser.js';
import { runLocalCli } from '../support/local-cli.js';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface StoredEmail {
  messageId: string;
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
}

let stack: LocalStack;
const first = 'first-reader@example.com';
const second = 'second-reader@example.com';

async function emails(): Promise<StoredEmail[]> {
  return ((await (await fetch(`${stack.urls.inbox}/store`)).json()) as { emails: StoredEmail[] }).emails;
}

async function waitForEmails(address: string, count: number): Promise<StoredEmail[]> {
  for (let i = 0; i < 400; i++) {
    const found = (await emails()).filter((e) => e.destination.to.includes(address));
    if (found.length >= count) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Expected ${count} emails to ${address}`);
}

async function signUp(address: string): Promise<void> {
  const res = await fetch(`${stack.urls.site}/subscribe`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email: address, firstName: 'Ada', timeZone: 'Europe/London' }),
    redirect: 'manual',
  });
  expect(res.status).toBeLessThan(400);
}

/** Confirms `address` through its confirmation link, so lesson 1 (with its unsubscribe headers) goes out. */
async function confirm(address: string): Promise<void> {
  const [confirmation] = await waitForEmails(address, 1);
  const token = /\/confirm\?token=([^"&\s]+)/.exec(confirmation?.body.html ?? '')?.[1];
  const res = await fetch(`${stack.urls.site}/confirm`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: decodeURIComponent(token ?? '') }),
  });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    dynamoPort: 0,
    inboxPort: 0,
    quiet: true,
    courseDaySeconds: 3600,
    sweepIntervalMs: 100,
    deliveryDelayMs: 10,
  });
  await signUp(first);
  await confirm(first);
  await waitForEmails(first, 2);
  await signUp(second);
  await waitForEmails(second, 1);
});

afterAll(async () => {
  await stack?.close();
});

describe('the local inbox page over HTTP', () => {
  it('lists every email newest first, each linked by its message id and never by address', async () => {
    const sent = await emails();
    const html = await (await fetch(stack.urls.inboxPage)).text();

    const links = [...html.matchAll(/href="\/_local\/inbox\?id=([^"]+)"/g)].map((m) => m[1]);
    expect(links).toEqual(sent.map((e) => e.messageId).reverse());
    const urls = [...html.matchAll(/(?:href|src)="([^"]*)"/g)].map((m) => decodeURIComponent(m[1] ?? ''));
    expect(urls.filter((url) => url.includes('@'))).toEqual([]);
  });

  it('shows one email with its From, Reply-To and List-Unsubscribe headers and its plain-text part', async () => {
    const lesson = (await waitForEmails(first, 2))[1] as StoredEmail;

    const html = await (await fetch(`${stack.urls.inboxPage}?id=${lesson.messageId}`)).text();

    expect(html).toContain(`<h2 id="subject">${lesson.subject}</h2>`);
    expect(html).toMatch(/<dt>From<\/dt><dd>[^<]*course@clinic\.example/);
    expect(html).toContain('<dt>Reply-To</dt><dd>hello@clinic.example</dd>');
    expect(html).toMatch(/<dt>List-Unsubscribe<\/dt><dd>&lt;http:\/\/localhost:\d+\/unsubscribe\?token=/);
    expect(html).toContain('<dt>List-Unsubscribe-Post</dt><dd>List-Unsubscribe=One-Click</dd>');
    expect(html).toContain('Plain-text part');
    expect(html).toContain('lesson-1');
  });

  it('serves the email itself with no script allowed and links that open a new tab', async () => {
    const [confirmation] = await waitForEmails(second, 1);

    const res = await fetch(`${stack.urls.inboxPage}/${confirmation?.messageId}.html`);

    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await res.text()).toContain('<base target="_blank">');
  });

  it('answers 404 for an id it does not hold and 405 for a POST', async () => {
    const unknown = await fetch(`${stack.urls.inboxPage}?id=ses-000`);
    const unknownPart = await fetch(`${stack.urls.inboxPage}/ses-000.html`);
    const post = await fetch(stack.urls.inboxPage, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });

    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('No such email');
    expect(unknownPart.status).toBe(404);
    expect(post.status).toBe(405);
  });

  it('refuses a request a browser marks as coming from another site', async () => {
    const res = await fetch(stack.urls.inboxPage, { headers: { 'sec-fetch-site': 'cross-site' } });

    expect(res.status).toBe(403);
  });
});

async function axeViolations(page: Page): Promise<unknown[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is injected at run time
    const result = await (window as any).axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v: { id: string; impact: string; nodes: { target: string[] }[] }) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
  return (violations as { impact: string }[]).filter(
    (v) => v.impact === 'serious' || v.impact === 'critical',
  );
}

describeBrowser('the local inbox page in a browser', () => {
  let browser: LaunchedBrowser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the email at phone and desktop width side by side on a laptop, each whole', async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(stack.urls.inboxPage);
    await page.getByRole('link', { name: /Lesson 1/ }).click();
    await page.waitForLoadState('load');

    const frames = await page.evaluate(() =>
      [...document.querySelectorAll('iframe')].map((f) => {
        const box = f.getBoundingClientRect();
        return {
          sandbox: f.getAttribute('sandbox'),
          left: box.left,
          top: box.top,
          width: box.width,
          height: box.height,
          content: f.contentDocument?.documentElement.scrollHeight ?? 0,
          footer: f.contentDocument?.body.textContent?.includes('12 Mill Lane') ?? false,
        };
      }),
    );

    expect(frames).toHaveLength(2);
    const [phone, desktop] = frames;
    expect(phone?.width).toBeCloseTo(375, -1);
    expect(desktop?.width).toBeCloseTo(640, -1);
    expect(phone?.top).toBe(desktop?.top);
    expect(desktop?.left).toBeGreaterThan((phone?.left ?? 0) + (phone?.width ?? 0));
    for (const frame of frames) {
      expect(frame.sandbox).not.toContain('allow-scripts');
      expect(frame.footer).toBe(true);
      // As tall as the email: nothing, the footer least of all, is cut off.
      expect(frame.height).toBeGreaterThanOrEqual(frame.content);
    }
    await page.close();
  });

  it.each([375, 1280])(
    'has no serious accessibility problem and no sideways scroll at %i px',
    async (width) => {
      const page = await browser.context.newPage();
      await page.setViewportSize({ width, height: 800 });
      await page.goto(stack.urls.inboxPage);

      expect(await axeViolations(page)).toEqual([]);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await page.close();
    },
  );

  it.each([375, 1280])(
    'shows the pictures of lessons 3 and 4 loading in the preview at %i px',
    async (width) => {
      const page = await browser.context.newPage();
      await page.setViewportSize({ width, height: 800 });
      for (const id of ['lesson-3', 'lesson-4']) {
        await page.goto(`${stack.urls.preview}email/${id}.html`);
        const pictures = await page.evaluate(() =>
          [...document.querySelectorAll<HTMLImageElement>('img[src*="/assets/"]')].map((img) => ({
            loaded: img.complete && img.naturalWidth > 0,
            alt: img.alt,
            width: img.getBoundingClientRect().width,
          })),
        );
        expect(pictures, id).toHaveLength(1);
        expect(pictures[0]?.loaded, id).toBe(true);
        expect(pictures[0]?.alt.length, id).toBeGreaterThan(80);
        expect(pictures[0]?.width, id).toBeLessThanOrEqual(width);
      }
      await page.close();
    },
  );

  it('loads the picture of a lesson the stack sends from the stack itself', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'inbox-cli-'));
    const { code } = await runLocalCli(stack, dataDir, 'send-test', 'lesson-4', 'owner@clinic.example');
    rmSync(dataDir, { recursive: true, force: true });
    expect(code).toBe(0);
    const [sent] = await waitForEmails('owner@clinic.example', 1);
    expect(sent?.body.html).toContain(`src="${stack.urls.site}/assets/`);
    const page = await browser.context.newPage();

    await page.goto(`${stack.urls.inboxPage}?id=${sent?.messageId}`);
    await page.waitForLoadState('load');
    const loaded = await page.evaluate(() =>
      [...document.querySelectorAll('iframe')].map((frame) => {
        const img = frame.contentDocument?.querySelector<HTMLImageElement>('img[src*="/assets/"]');
        return Boolean(img?.complete && img.naturalWidth > 0);
      }),
    );

    expect(loaded).toEqual([true, true]);
    await page.close();
  });

  it.each([375, 1280])('keeps the preview gallery free of sideways scroll at %i px', async (width) => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width, height: 800 });
    await page.goto(stack.urls.preview);

    expect(await axeViolations(page)).toEqual([]);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.close();
  });
});
