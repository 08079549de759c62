/**
 * The whole course in a real browser against the local stack: sign up, confirm from the
 * email, five lessons in order, unsubscribe (footer link and RFC 8058 one-click), and
 * an unconfirmed address that gets nothing but the confirmation. Every page is checked
 * with axe-core and photographed at phone and desktop widths.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { course } from '../../functions/core/course.js';
import { type LocalStack, startLocalStack } from '../../scripts/local-stack.js';
import { describeBrowser, type LaunchedBrowser, launchBrowser } from '../support/browser.js';

const SCREENSHOTS = 'test-results/screenshots';
const DAY_MS = 86_400_000;
const LESSONS = course.sequence.filter((e) => e.id.startsWith('lesson-')).map((e) => e.id);
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** One email as the SES emulator's `GET /store` lists it. */
interface StoredEmail {
  messageId: string;
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
  headers?: { name: string; value: string }[];
  at: number;
}

let stack: LocalStack;
let browser: LaunchedBrowser;

/** Every email sent to `address`, oldest first. */
async function inbox(address: string): Promise<StoredEmail[]> {
  const res = await fetch(`${stack.urls.inbox}/store`);
  const { emails } = (await res.json()) as { emails: StoredEmail[] };
  return emails.filter((e) => e.destination.to.some((to) => to.includes(address)));
}

/** Which course email each message is, by subject. */
function emailIdOf(email: StoredEmail): string {
  if (email.subject === course.confirmation.subject) return course.confirmation.id;
  return course.sequence.find((e) => e.subject === email.subject)?.id ?? `unknown: ${email.subject}`;
}

async function idsIn(address: string): Promise<string[]> {
  return (await inbox(address)).map(emailIdOf);
}

/**
 * Polls the inbox until `address` has received `count` emails. With `drive`, each poll
 * also moves the course clock six hours on and runs a sweep, so lessons arrive as fast
 * as the machine allows and no step of the test races the clock.
 */
async function waitForEmails(
  address: string,
  count: number,
  { drive = false, timeoutMs = 60_000 } = {},
): Promise<StoredEmail[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const emails = await inbox(address);
    if (emails.length >= count) return emails;
    if (drive) {
      stack.clock.advance(DAY_MS / 4);
      await stack.sweepNow();
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Expected ${count} emails for ${address}, got ${emails.map(emailIdOf).join(', ') || 'none'}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The first link in an email's HTML whose URL starts with `prefix`, entities decoded. */
function linkIn(email: StoredEmail, path: string): string {
  const prefix = `${stack.urls.site}${path}?token=`;
  for (const [, href] of (email.body.html ?? '').matchAll(/href="([^"]+)"/g)) {
    const url = (href ?? '').replaceAll('&amp;', '&');
    if (url.startsWith(prefix)) return url;
  }
  throw new Error(`No ${path} link in "${email.subject}"`);
}

function header(email: StoredEmail, name: string): string | undefined {
  return email.headers?.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
}

/** Lets plenty of course time pass and the sweep and sender catch up. */
async function letCourseTimePass(days: number): Promise<void> {
  stack.clock.advance(days * DAY_MS);
  await stack.sweepNow();
  await stack.sweepNow();
}

/** axe-core on the current page: no serious or critical violations. Then phone and desktop screenshots. */
async function checkPage(page: Page, name: string): Promise<void> {
  // Evaluated through the DevTools protocol, so the page's CSP does not block it.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is injected at run time
    const result = await (window as any).axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map(
      (v: { id: string; impact: string; help: string; nodes: { target: string[] }[] }) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((n) => n.target.join(' ')),
      }),
    );
  });
  const serious = (violations as { impact: string }[]).filter(
    (v) => v.impact === 'serious' || v.impact === 'critical',
  );
  expect(serious, `axe on the ${name} page`).toEqual([]);

  await page.setViewportSize({ width: 375, height: 812 });
  await page.screenshot({ path: `${SCREENSHOTS}/${name}-phone.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: `${SCREENSHOTS}/${name}-desktop.png`, fullPage: true });
}

/** Fills and sends the sign-up form as a visitor would. */
async function signUp(page: Page, address: string, firstName: string): Promise<void> {
  await page.goto(`${stack.urls.site}/`);
  await page.getByLabel('Email address').fill(address);
  await page.getByLabel(/First name/).fill(firstName);
  await Promise.all([
    page.waitForURL(/\/check-inbox/),
    page.getByRole('button', { name: 'Start the free course' }).click(),
  ]);
}

async function confirmFromEmail(page: Page, address: string): Promise<void> {
  const [confirmation] = await waitForEmails(address, 1);
  await page.goto(linkIn(confirmation as StoredEmail, '/confirm'));
  await page.getByRole('button', { name: 'Confirm and start the course' }).click();
  await page.getByRole('heading', { name: 'Welcome to the course' }).waitFor();
}

describeBrowser('the course in a browser', () => {
  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    stack = await startLocalStack({
      port: 0,
      dynamoPort: 0,
      inboxPort: 0,
      // An hour per course day: the clock barely moves by itself, the tests move it
      // (waitForEmails with `drive`), so no step races a lesson coming due.
      courseDaySeconds: 3600,
      sweepIntervalMs: 100,
      retryDelayMs: 200,
      quiet: true,
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('takes a reader from sign-up through lessons 1 to 5, then sends nothing after the footer unsubscribe', async () => {
    const address = 'e2e-reader@example.com';
    const page = await browser.context.newPage();

    await page.goto(`${stack.urls.site}/`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(course.title);
    await checkPage(page, 'signup');

    await signUp(page, address, 'Robin');
    await expect(page.getByRole('heading', { name: 'Check your inbox' }).isVisible()).resolves.toBe(true);
    await checkPage(page, 'check-inbox');

    const [confirmation] = await waitForEmails(address, 1);
    expect(emailIdOf(confirmation as StoredEmail)).toBe('confirm');
    await page.goto(linkIn(confirmation as StoredEmail, '/confirm'));
    await page.getByRole('heading', { name: 'One last step' }).waitFor();
    await checkPage(page, 'confirm');
    await page.getByRole('button', { name: 'Confirm and start the course' }).click();
    await page.getByRole('heading', { name: 'Welcome to the course' }).waitFor();
    await checkPage(page, 'welcome');

    // While the lessons come in, the reader looks at the unsubscribe page and keeps reading.
    const [, lesson1] = await waitForEmails(address, 2, { drive: true });
    expect(lesson1?.body.html).toContain('Robin');
    await page.goto(linkIn(lesson1 as StoredEmail, '/unsubscribe'));
    await page.getByRole('heading', { name: 'Unsubscribe from the course' }).waitFor();
    await checkPage(page, 'unsubscribe');

    const emails = await waitForEmails(address, 1 + LESSONS.length, { drive: true });
    expect(emails.map(emailIdOf)).toEqual(['confirm', ...LESSONS]);

    // After lesson 5 the closing email is two course days away: leave now.
    await page.goto(linkIn(emails[LESSONS.length] as StoredEmail, '/unsubscribe'));
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await page.getByRole('heading', { name: 'You are unsubscribed' }).waitFor();
    await checkPage(page, 'unsubscribed');
    expect(await idsIn(address)).toEqual(['confirm', ...LESSONS]);

    await letCourseTimePass(10);

    expect(await idsIn(address)).toEqual(['confirm', ...LESSONS]);
    expect((await stack.store.get(stack.idOf(address)))?.status).toBe('unsubscribed');
    await page.close();
  }, 120_000);

  it('stops at once after the mail client sends the one-click unsubscribe POST', async () => {
    const address = 'e2e-one-click@example.com';
    const page = await browser.context.newPage();
    await signUp(page, address, 'Sam');
    await confirmFromEmail(page, address);
    const emails = await waitForEmails(address, 2);
    const lesson1 = emails[1] as StoredEmail;
    expect(emailIdOf(lesson1)).toBe('lesson-1');

    const listUnsubscribe = header(lesson1, 'List-Unsubscribe') ?? '';
    expect(header(lesson1, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    const url = /<([^>]+)>/.exec(listUnsubscribe)?.[1] ?? '';
    expect(url.startsWith(`${stack.urls.site}/unsubscribe?token=`)).toBe(true);
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(res.status).toBeLessThan(300);
    const countAtUnsubscribe = (await inbox(address)).length;

    await letCourseTimePass(12);

    expect(await inbox(address)).toHaveLength(countAtUnsubscribe);
    await page.close();
  });

  it('sends nothing but the confirmation to a reader who never confirms', async () => {
    const address = 'e2e-unconfirmed@example.com';
    const page = await browser.context.newPage();
    await signUp(page, address, 'Kim');
    await waitForEmails(address, 1);

    await letCourseTimePass(12);

    expect(await idsIn(address)).toEqual(['confirm']);
    await page.close();
  });

  it('shows a clear, accessible error page for a broken link', async () => {
    const page = await browser.context.newPage();

    const res = await page.goto(`${stack.urls.site}/confirm?token=not-a-real-token`);

    expect(res?.status()).toBeGreaterThanOrEqual(400);
    expect(res?.status()).toBeLessThan(500);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toMatch(/link/i);
    await checkPage(page, 'error');
    await page.close();
  });
});
