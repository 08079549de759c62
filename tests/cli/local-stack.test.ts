/**
 * The CLI against a running local stack (`npm start`): dynalite, the SES emulator and the
 * sign-up site, found through the same ports and data folder the owner would use.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { course } from '../../functions/core/course.js';
import { type LocalStack, startLocalStack } from '../../scripts/local-stack.js';
import { inboxOf, runLocalCli, type StoredEmail } from '../support/local-cli.js';

let stack: LocalStack;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'course-cli-local-'));
  stack = await startLocalStack({
    port: 0,
    dynamoPort: 0,
    inboxPort: 0,
    quiet: true,
    courseDaySeconds: 86_400,
    sweepIntervalMs: 60_000,
    dataDir,
  });
});
afterAll(async () => {
  await stack?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const cli = (...argv: string[]) => runLocalCli(stack, dataDir, ...argv);
const inbox = (address: string) => inboxOf(stack, address);

async function waitForEmails(address: string, count: number): Promise<StoredEmail[]> {
  for (let i = 0; i < 200; i++) {
    const found = await inbox(address);
    if (found.length >= count) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Expected ${count} emails to ${address}`);
}

describe('the course CLI on the local stack', () => {
  const reader = 'reader@example.com';

  beforeAll(async () => {
    const res = await fetch(`${stack.urls.site}/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: reader, firstName: 'Ada', timeZone: 'Europe/Paris' }),
      redirect: 'manual',
    });
    expect(res.status).toBeLessThan(400);
    await waitForEmails(reader, 1);
  });

  it('counts the sign-up made on the site', async () => {
    const { code, out } = await cli('stats', '--json');

    expect(code).toBe(0);
    expect(JSON.parse(out).funnel[0]).toMatchObject({ key: 'signedUp', count: 1 });
  });

  it("writes the report with today's sign-up from the local stack's day counters", async () => {
    const out = join(dataDir, 'report.html');

    const { code } = await cli('report', '--out', out);

    expect(code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('from the local stack.');
    const today = new Date().toISOString().slice(0, 10);
    expect(html).toMatch(new RegExp(`<tr><th scope="row">${today}</th><td class="num">1</td>`));
  });

  it('shows the person who signed up on the site', async () => {
    const { code, out } = await cli('show', reader);

    expect(code).toBe(0);
    expect(out).toMatch(/status\s+pending/);
    expect(out).toMatch(/time zone\s+Europe\/Paris/);
  });

  it('resends a confirmation through the SES emulator whose link the local site accepts', async () => {
    const { code, err } = await cli('resend-confirmation', reader, '--force');

    expect(err).toBe('');
    expect(code).toBe(0);
    const [, resent] = await waitForEmails(reader, 2);
    const link = new RegExp(`${stack.urls.site}/confirm\\?token=([^"\\s&]+)`).exec(resent?.body.html ?? '');
    expect(link?.[1]).toBeDefined();
    const res = await fetch(`${stack.urls.site}/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: decodeURIComponent(link?.[1] ?? '') }),
    });
    expect(res.status).toBe(200);
    expect((await cli('show', reader)).out).toMatch(/status\s+active/);
  });

  it('sends a test email to the local inbox', async () => {
    const { code } = await cli('send-test', 'lesson-2', 'owner@clinic.example');

    expect(code).toBe(0);
    const [email] = await waitForEmails('owner@clinic.example', 1);
    expect(email?.subject).toBe(`[TEST] ${course.sequence[1]?.subject}`);
  });
});
