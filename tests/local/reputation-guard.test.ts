/**
 * The reputation guard on the local stack (dynalite, the SES emulator, the same handlers
 * and the owner's CLI): simulated bounces past 4% pause lesson sending, sign-ups go on,
 * `course status` says why, `course resume` restarts, and every remaining subscriber
 * then gets each email of the sequence exactly once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COUNTER } from '../../functions/contract.js';
import { course } from '../../functions/core/course.js';
import { type LocalStack, startLocalStack } from '../../scripts/local-stack.js';
import { inboxOf, runLocalCli } from '../support/local-cli.js';

const HOUR_MS = 3_600_000;
const SEQUENCE = course.sequence.map((e) => e.id);

let stack: LocalStack;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'course-guard-'));
  // Real-time clock and a sweep loop that never fires on its own: the test moves time
  // and runs each sweep, so nothing races it.
  stack = await startLocalStack({
    port: 0,
    dynamoPort: 0,
    inboxPort: 0,
    quiet: true,
    courseDaySeconds: 86_400,
    sweepIntervalMs: 3_600_000,
    retryDelayMs: 100,
    deliveryDelayMs: 10,
    dataDir,
  });
});
afterAll(async () => {
  await stack?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const cli = (...argv: string[]) => runLocalCli(stack, dataDir, ...argv);
const inbox = (address: string) => inboxOf(stack, address);

/** Course email ids `address` received, oldest first. */
async function received(address: string): Promise<string[]> {
  return (await inbox(address)).map((e) =>
    e.subject === course.confirmation.subject
      ? 'confirm'
      : (course.sequence.find((s) => s.subject === e.subject)?.id ?? e.subject),
  );
}

async function waitUntil(what: string, probe: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

async function signUp(address: string): Promise<void> {
  const res = await fetch(`${stack.urls.site}/subscribe`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email: address, timeZone: 'Europe/London' }),
    redirect: 'manual',
  });
  expect(res.status).toBe(303);
  await waitUntil(`the confirmation to ${address}`, async () => (await inbox(address)).length > 0);
}

async function confirm(address: string): Promise<void> {
  const [email] = await inbox(address);
  const token = new RegExp(`${stack.urls.site}/confirm\\?token=([^"\\s&]+)`).exec(
    email?.body.html ?? '',
  )?.[1];
  const res = await fetch(`${stack.urls.site}/confirm`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: decodeURIComponent(token ?? '') }),
  });
  expect(res.status).toBe(200);
}

async function simulateBounce(address: string): Promise<void> {
  const res = await fetch(`${stack.urls.site}/_local/simulate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'bounce', email: address }),
  });
  expect(res.status).toBe(202);
}

/** Moves the course six hours on and runs a sweep, `times` times. */
async function drive(times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    stack.clock.advance(6 * HOUR_MS);
    await stack.sweepNow();
  }
}

describe('the reputation guard on the local stack', () => {
  const bouncing = ['bounce-1@example.com', 'bounce-2@example.com'];
  const readers = ['reader-1@example.com', 'reader-2@example.com', 'reader-3@example.com'];
  const lateComer = 'late@example.com';

  beforeAll(async () => {
    for (const address of [...bouncing, ...readers]) {
      await signUp(address);
      await confirm(address);
      await waitUntil(`lesson 1 to ${address}`, async () => (await inbox(address)).length === 2);
    }
    // A course with history: 500 earlier emails, 19 of them bounced (3.8%, under 4%).
    // With the 10 emails above, two more bounces make 21 of 510: 4.1%.
    await stack.store.increment({ [COUNTER.confirmationsSent]: 500, [COUNTER.bounced]: 19 });
  });

  it('keeps sending while the bounce rate is under 4%', async () => {
    await simulateBounce(bouncing[0] as string);

    expect((await stack.store.readGuard())?.paused ?? false).toBe(false);
    expect((await cli('status')).out).toContain('Lessons: sending.');
  });

  it('pauses lesson sending by itself when the rate reaches 4%, and status says why', async () => {
    await simulateBounce(bouncing[1] as string);

    expect((await stack.store.readGuard())?.paused).toBe(true);
    const { code, out } = await cli('status');
    expect(code).toBe(0);
    expect(out).toContain('Lessons: PAUSED by the reputation guard');
    expect(out).toMatch(/bounce rate 4\.\d\d% of 510 emails reached 4\.00%/);
    expect(out).toContain('npm run course -- resume');
  });

  it('sends no lesson while paused, but sign-ups and confirmations keep working', async () => {
    await signUp(lateComer);
    await confirm(lateComer);
    await drive(12); // three course days: lesson 2 was due after two

    for (const address of readers) expect(await received(address)).toEqual(['confirm', 'lesson-1']);
    expect(await received(lateComer)).toEqual(['confirm']);
    const record = await stack.store.get(stack.idOf(readers[0] as string));
    expect(record?.status).toBe('active');
    expect(record?.nextEmailId).toBe('lesson-2');
  });

  it('resumes on the owner’s command, and every remaining subscriber gets each email exactly once', async () => {
    const { code, out } = await cli('resume');
    expect(code).toBe(0);
    expect(out).toContain('Lesson sending resumed');
    expect((await cli('resume')).out).toContain('was not paused');

    await drive(50); // twelve and a half course days: the whole sequence and more

    for (const address of readers) expect(await received(address)).toEqual(['confirm', ...SEQUENCE]);
    expect(await received(lateComer)).toEqual(['confirm', ...SEQUENCE]);
    for (const address of bouncing) expect(await received(address)).toEqual(['confirm', 'lesson-1']);
    expect(stack.deadLetters).toEqual([]);
    expect(stack.mailEventDeadLetters).toEqual([]);
    expect((await cli('status')).out).toContain('Lessons: sending.');
  });
});
