import { beforeEach, describe, expect, it } from 'vitest';
import { COUNTER } from '../../functions/contract.js';
import { course } from '../../functions/core/course.js';
import { CONFIRMATION_COOLDOWN_MS, confirm } from '../../functions/core/lifecycle.js';
import { MailerRejectedError } from '../../functions/core/ports.js';
import { useDynalite } from '../support/dynalite.js';
import { subscriberId } from '../support/identity.js';
import { type Harness, makeHarness, signUp, signUpAndConfirm } from './harness.js';

const db = useDynalite();

const jane = 'jane@example.com';
const id = subscriberId(jane);

function confirmToken(text: string): string {
  const match = /\/confirm\?token=([A-Za-z0-9_.%-]+)/.exec(text);
  if (!match?.[1]) throw new Error('No confirm link in the email');
  return decodeURIComponent(match[1]);
}

describe('course resend-confirmation', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await makeHarness(db.clients);
    await signUp(h, jane, 'Jane');
  });

  it('sends a pending subscriber a fresh confirmation email whose link confirms them', async () => {
    h.clock.advance(CONFIRMATION_COOLDOWN_MS);

    const code = await h.run('resend-confirmation', jane);

    expect(code).toBe(0);
    expect(h.out.text).toBe('Sent a fresh confirmation email.\n');
    const emails = h.mailer.to(jane);
    expect(emails).toHaveLength(2);
    const fresh = emails[1];
    expect(fresh?.subject).toBe(course.confirmation.subject);
    expect(fresh?.text).toContain('Jane');
    expect(await confirm(h.lifecycle, confirmToken(fresh?.text ?? ''))).toBe('confirmed');
    expect((await h.store.readCounters())[COUNTER.confirmationsSent]).toBe(2);
  });

  it('keeps the consent record as the person gave it', async () => {
    const before = await h.store.get(id);
    h.clock.advance(CONFIRMATION_COOLDOWN_MS);

    await h.run('resend-confirmation', jane);

    const after = await h.store.get(id);
    expect(after?.consent).toEqual(before?.consent);
    expect(after?.optInId).toBe(before?.optInId);
    expect(after?.confirmationSentAt).toBe(h.clock.now().toISOString());
  });

  it('respects the cooldown after the last confirmation email, exit code 1', async () => {
    h.clock.advance(CONFIRMATION_COOLDOWN_MS / 2);

    const code = await h.run('resend-confirmation', jane);

    expect(code).toBe(1);
    expect(h.err.text).toMatch(
      /a confirmation email went out at 2026-11-25 10:00 UTC; wait 5 more minute\(s\) or pass --force/,
    );
    expect(h.mailer.to(jane)).toHaveLength(1);
  });

  it('sends within the cooldown with --force', async () => {
    const code = await h.run('resend-confirmation', jane, '--force');

    expect(code).toBe(0);
    expect(h.mailer.to(jane)).toHaveLength(2);
  });

  it('tells the owner an active subscriber has nothing to confirm, and sends nothing', async () => {
    await signUpAndConfirm(h, 'active@example.com');
    const sent = h.mailer.sent.length;

    const code = await h.run('resend-confirmation', 'active@example.com', '--force');

    expect(code).toBe(1);
    expect(h.err.text).toContain('already confirmed (active); there is nothing to confirm');
    expect(h.mailer.sent).toHaveLength(sent);
  });

  it('gives the cooldown back when sending fails, so the owner can retry at once', async () => {
    h.clock.advance(CONFIRMATION_COOLDOWN_MS);
    const before = await h.store.get(id);
    h.mailer.failNext(new MailerRejectedError('SES refused the recipient address'));

    const code = await h.run('resend-confirmation', jane);

    expect(code).toBe(1);
    expect(h.err.text).toContain('SES refused the recipient address');
    expect((await h.store.get(id))?.confirmationSentAt).toBe(before?.confirmationSentAt);
    expect(await h.run('resend-confirmation', jane)).toBe(0);
  });

  it('says clearly when the course does not know the address, exit code 1', async () => {
    const code = await h.run('resend-confirmation', 'nobody@example.com');

    expect(code).toBe(1);
    expect(h.err.text).toBe('Error: No subscriber with that address.\n');
  });

  it('rejects an invalid address with exit code 2', async () => {
    const code = await h.run('resend-confirmation', 'jane@');

    expect(code).toBe(2);
    expect(h.err.text).toContain('"jane@" is not a valid email address');
  });
});
