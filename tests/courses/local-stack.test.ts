/**
 * Runs on every course (vitest.config.ts): the local stack (`npm start`) serves the
 * course's sign-up page and takes a reader from sign-up through confirmation to the
 * closing email, each email of the course once and in order, through DynamoDB (dynalite),
 * the queue and the SES emulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { course } from '../../functions/core/course.js';
import { escapeHtml } from '../../functions/core/html.js';
import { type LocalStack, startLocalStack } from '../../scripts/local-stack.js';

const DAY = 86_400_000;
const quick = { port: 0, dynamoPort: 0, inboxPort: 0, quiet: true, sweepIntervalMs: 100, retryDelayMs: 100 };

interface StoredEmail {
  destination: { to: string[] };
  subject: string;
  body: { html?: string };
}

let stack: LocalStack;

beforeAll(async () => {
  // An hour of real time per course day: the test moves the clock itself.
  stack = await startLocalStack({ ...quick, courseDaySeconds: 3600 });
});

afterAll(async () => {
  await stack?.close();
});

async function emailsTo(address: string): Promise<StoredEmail[]> {
  const { emails } = (await (await fetch(`${stack.urls.inbox}/store`)).json()) as { emails: StoredEmail[] };
  return emails.filter((e) => e.destination.to.includes(address));
}

/** Polls until `address` has `count` emails, moving the course clock a quarter day each time. */
async function waitForEmails(address: string, count: number): Promise<StoredEmail[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const emails = await emailsTo(address);
    if (emails.length >= count) return emails;
    if (Date.now() > deadline) throw new Error(`Got ${emails.map((e) => e.subject).join(', ') || 'nothing'}`);
    stack.clock.advance(DAY / 4);
    await stack.sweepNow();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe(`${course.id} on the local stack`, () => {
  it('serves the course’s own sign-up page', async () => {
    const page = await (await fetch(`${stack.urls.site}/`)).text();
    expect(page).toContain(escapeHtml(course.title));
    expect(page).toContain(escapeHtml(course.consentText));
  });

  it('takes a reader from sign-up to the closing email, each email once, in order', async () => {
    const address = `reader-${course.id}@example.com`;
    await fetch(`${stack.urls.site}/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: address, firstName: 'Ada', timeZone: 'Europe/London' }),
      redirect: 'manual',
    });
    const [confirmation] = await waitForEmails(address, 1);
    expect(confirmation?.subject).toBe(course.confirmation.subject);
    const link = /href="[^"]*\/confirm\?token=([^"&]+)/.exec(confirmation?.body.html ?? '')?.[1] ?? '';
    const confirmed = await fetch(`${stack.urls.site}/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: link }),
    });
    expect(confirmed.status).toBe(200);

    const all = await waitForEmails(address, 1 + course.sequence.length);
    // A few more sweeps: nothing else may arrive.
    for (let i = 0; i < 8; i++) {
      stack.clock.advance(DAY);
      await stack.sweepNow();
    }
    const subjects = (await emailsTo(address)).map((e) => e.subject);
    expect(subjects).toEqual([course.confirmation.subject, ...course.sequence.map((e) => e.subject)]);
    expect(all).toHaveLength(1 + course.sequence.length);
    expect((await stack.store.get(stack.idOf(address)))?.status).toBe('completed');
  });
});
