import { beforeEach, describe, expect, it } from 'vitest';
import type { Subscriber } from '../../functions/core/subscriber.js';
import { useDynalite } from '../support/dynalite.js';
import { subscriberId } from '../support/identity.js';
import { type Harness, makeHarness, patch, signUpAndConfirm } from './harness.js';

const db = useDynalite();

describe('course show', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await makeHarness(db.clients);
    await signUpAndConfirm(h, 'jane@example.com', 'Jane');
    await patch(h, 'jane@example.com', {
      sent: { 'lesson-1': { sentAt: '2026-11-25T10:01:00.000Z', messageId: 'm1' } },
      engagement: { 'lesson-1': { delivered: 1, opened: 2, clicked: 1 } },
      nextEmailId: 'lesson-2',
      nextSendAt: '2026-11-27T08:00:00.000Z',
    });
  });

  it('shows the person, their consent record and each email sent, delivered, opened and clicked', async () => {
    const code = await h.run('show', '  Jane@Example.com ');

    expect(code).toBe(0);
    const text = h.out.text;
    expect(text).toMatch(/id\s+\S+/);
    expect(text).toContain(subscriberId('jane@example.com'));
    expect(text).toMatch(/address\s+jane@example\.com/);
    expect(text).toMatch(/first name\s+Jane/);
    expect(text).toMatch(/status\s+active/);
    expect(text).toMatch(/time zone\s+Europe\/London/);
    expect(text).toMatch(/confirmed\s+2026-11-25 10:00 UTC/);
    expect(text).toMatch(/next email\s+lesson-2 at 2026-11-27 08:00 UTC/);
    expect(text).toMatch(/progress\s+1\/5 lessons/);
    expect(text).toMatch(/IP address\s+203\.0\.113\.7/);
    expect(text).toMatch(/user agent\s+Mozilla\/5\.0 \(test\)/);
    expect(text).toMatch(/form\s+https:\/\/clinic\.example\/knee/);
    expect(text).toMatch(/wording version\s+\d{4}-\d{2}-\d{2}/);
    expect(text).toMatch(/lesson-1\s+2026-11-25 10:01 UTC\s+1\s+2\s+1/);
    expect(text).toMatch(/lesson-2\s+–\s+0\s+0\s+0/);
  });

  it('prints the stored record with --json', async () => {
    await h.run('show', 'jane@example.com', '--json');

    const record = JSON.parse(h.out.text) as Subscriber;
    expect(record.email).toBe('jane@example.com');
    expect(record.consent?.ip).toBe('203.0.113.7');
    expect(record.engagement?.['lesson-1']?.opened).toBe(2);
  });

  it('says clearly when the course does not know the address, exit code 1', async () => {
    const code = await h.run('show', 'nobody@example.com');

    expect(code).toBe(1);
    expect(h.err.text).toBe('Error: No subscriber with that address.\n');
    expect(h.out.text).toBe('');
  });

  it('rejects something that is not an address with exit code 2, before reading anything', async () => {
    const readsBefore = h.store.calls.get ?? 0;

    const code = await h.run('show', 'jane-at-example');

    expect(code).toBe(2);
    expect(h.err.text).toContain('"jane-at-example" is not a valid email address');
    expect(h.err.text).toContain('npm run course -- show --help');
    expect(h.store.calls.get ?? 0).toBe(readsBefore);
  });

  it('asks for the missing address with exit code 2', async () => {
    const code = await h.run('show');

    expect(code).toBe(2);
    expect(h.err.text).toContain('show needs <email>');
  });

  it('refuses a second address with exit code 2', async () => {
    const code = await h.run('show', 'jane@example.com', 'joe@example.com');

    expect(code).toBe(2);
    expect(h.err.text).toContain('Unexpected argument "joe@example.com"');
  });
});
