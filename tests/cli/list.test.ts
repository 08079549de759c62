import { beforeEach, describe, expect, it } from 'vitest';
import { unsubscribeById } from '../../functions/core/lifecycle.js';
import { useDynalite } from '../support/dynalite.js';
import { subscriberId } from '../support/identity.js';
import { type Harness, makeHarness, patch, signUp, signUpAndConfirm } from './harness.js';

const db = useDynalite();

const HOUR = 3_600_000;

describe('course list', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await makeHarness(db.clients);
    await signUpAndConfirm(h, 'first@example.com');
    await patch(h, 'first@example.com', {
      sent: {
        'lesson-1': { sentAt: '2026-11-25T10:01:00.000Z', messageId: 'm1' },
        'lesson-2': { sentAt: '2026-11-27T08:00:00.000Z', messageId: 'm2' },
      },
      nextEmailId: 'lesson-3',
      nextSendAt: '2026-11-29T08:00:00.000Z',
    });
    h.clock.advance(HOUR);
    await signUp(h, 'second@example.com');
    h.clock.advance(HOUR);
    await signUpAndConfirm(h, 'third@example.com');
    await unsubscribeById(h.lifecycle, subscriberId('third@example.com'));
  });

  it('prints one line per subscriber, newest first, with status, next email and progress', async () => {
    const code = await h.run('list');

    expect(code).toBe(0);
    const lines = h.out.text.trim().split('\n');
    expect(lines[0]).toMatch(/^id\s+status\s+next email\s+progress\s+address$/);
    expect(lines[1]).toMatch(/unsubscribed\s+–\s+0\/5 lessons\s+third@example\.com$/);
    expect(lines[2]).toMatch(/pending\s+awaiting confirmation\s+0\/5 lessons\s+second@example\.com$/);
    expect(lines[3]).toMatch(
      /^\S{10}\s+active\s+lesson-3 at 2026-11-29 08:00 UTC\s+2\/5 lessons\s+first@example\.com$/,
    );
    expect(lines[3]?.startsWith(subscriberId('first@example.com').slice(0, 10))).toBe(true);
    expect(h.out.text).toMatch(/\n3 subscribers\n$/);
  });

  it('shows only one status with --status', async () => {
    await h.run('list', '--status', 'pending');

    expect(h.out.text).toContain('second@example.com');
    expect(h.out.text).not.toContain('first@example.com');
    expect(h.out.text).not.toContain('third@example.com');
    expect(h.out.text).toContain('1 pending subscriber\n');
  });

  it('shows the newest N with --limit and says how many more there are', async () => {
    await h.run('list', '--limit', '2');

    expect(h.out.text).toContain('third@example.com');
    expect(h.out.text).toContain('second@example.com');
    expect(h.out.text).not.toContain('first@example.com');
    expect(h.out.text).toContain('2 newest of 3 subscribers (use --limit to see more)');
  });

  it('says so when nobody has that status', async () => {
    await h.run('list', '--status', 'bounced');

    expect(h.out.text).toBe('No bounced subscribers.\n');
  });

  it('rejects an unknown status with exit code 2 and lists the valid ones', async () => {
    const code = await h.run('list', '--status', 'sleeping');

    expect(code).toBe(2);
    expect(h.err.text).toContain('Unknown status "sleeping"');
    expect(h.err.text).toContain('pending, active, completed, unsubscribed, bounced, complained');
    expect(h.store.calls.scan ?? 0).toBe(0);
  });

  it.each([['0'], ['-3'], ['ten'], ['2.5']])('rejects --limit %s with exit code 2', async (limit) => {
    const code = await h.run('list', '--limit', limit);

    expect(code).toBe(2);
    expect(h.err.text).toMatch(/--limit must be a whole number|'--limit' argument is ambiguous/);
  });
});
