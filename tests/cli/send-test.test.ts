import { beforeEach, describe, expect, it } from 'vitest';
import { course } from '../../functions/core/course.js';
import { sampleSettings } from '../../functions/core/settings.js';
import { main } from '../../scripts/course/cli.js';
import { useDynalite } from '../support/dynalite.js';
import { type Harness, makeHarness } from './harness.js';

const db = useDynalite();

describe('course send-test', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await makeHarness(db.clients);
  });

  it('sends the email with sample data and [TEST] before the subject', async () => {
    const code = await h.run('send-test', 'lesson-3', 'Owner@Clinic.example');

    expect(code).toBe(0);
    expect(h.mailer.sent).toHaveLength(1);
    const email = h.mailer.sent[0];
    expect(email?.to).toBe('owner@clinic.example');
    expect(email?.subject).toBe(`[TEST] ${course.sequence[2]?.subject}`);
    expect(email?.html).toContain(h.ctx.settings.clinicName.replace('&', '&amp;'));
    expect(email?.text).toContain(h.ctx.settings.postalAddress);
    expect(email?.html).not.toMatch(/\{\{\w+\}\}/);
    expect(h.out.text).toBe(
      'Sent a test of lesson-3 to owner@clinic.example (message message-1).\n' +
        'Look for it in that mailbox (and its spam folder, the first time).\n',
    );
  });

  it("points the booking button at the clinic's booking page, or its site without one", async () => {
    const { bookingUrl: _, ...siteOnly } = { ...sampleSettings, siteUrl: 'https://riverside.example' };
    const clinics = [{ ...sampleSettings, bookingUrl: 'https://book.riverside.example/knee' }, siteOnly];
    for (const settings of clinics) {
      const context = async () => ({ ...h.ctx, settings });
      await main(['send-test', 'lesson-5', 'owner@clinic.example'], { out: h.out, err: h.err, context });
    }

    expect(h.mailer.sent.map((email) => email.text.replace(/\s+/g, ' '))).toEqual([
      expect.stringContaining('Book an appointment (https://book.riverside.example/knee)'),
      expect.stringContaining('Book an appointment (https://riverside.example)'),
    ]);
  });

  it('sends the confirmation email too', async () => {
    await h.run('send-test', 'confirm', 'owner@clinic.example');

    expect(h.mailer.sent[0]?.subject).toBe(`[TEST] ${course.confirmation.subject}`);
  });

  it('tags the test so mail events never count it in the course statistics', async () => {
    await h.run('send-test', 'lesson-1', 'owner@clinic.example');

    expect(h.mailer.sent[0]?.tags).toEqual({ test: 'lesson-1' });
    expect(await h.store.readCounters()).toEqual({});
  });

  it('lists the valid email ids for an unknown one, exit code 2, and sends nothing', async () => {
    const code = await h.run('send-test', 'lesson-9', 'owner@clinic.example');

    expect(code).toBe(2);
    expect(h.err.text).toContain(
      'Unknown email id "lesson-9". Valid ids: confirm, lesson-1, lesson-2, lesson-3, lesson-4, lesson-5, complete',
    );
    expect(h.mailer.sent).toHaveLength(0);
  });

  it('rejects an invalid address with exit code 2', async () => {
    const code = await h.run('send-test', 'lesson-1', 'owner at clinic');

    expect(code).toBe(2);
    expect(h.err.text).toContain('"owner at clinic" is not a valid email address');
    expect(h.mailer.sent).toHaveLength(0);
  });

  it('asks for the address when it is missing, exit code 2', async () => {
    const code = await h.run('send-test', 'lesson-1');

    expect(code).toBe(2);
    expect(h.err.text).toContain('send-test needs <address>');
  });
});
