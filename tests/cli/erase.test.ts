import { beforeEach, describe, expect, it } from 'vitest';
import { COUNTER } from '../../functions/contract.js';
import { subscribe, unsubscribeById } from '../../functions/core/lifecycle.js';
import { useDynalite } from '../support/dynalite.js';
import { subscriberId } from '../support/identity.js';
import { type Harness, makeHarness, patch, signUpAndConfirm } from './harness.js';

const db = useDynalite();

const jane = 'jane@example.com';
const id = subscriberId(jane);

describe('course erase', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await makeHarness(db.clients);
    await signUpAndConfirm(h, jane, 'Jane');
  });

  it('deletes an active subscriber entirely with --yes', async () => {
    const code = await h.run('erase', jane, '--yes');

    expect(code).toBe(0);
    expect(await h.store.get(id)).toBeUndefined();
    expect(h.out.text).toContain('the record is deleted; nothing about this person remains');
    expect((await h.store.readCounters())[COUNTER.erased]).toBe(1);
  });

  it('keeps only an unsubscribed marker without personal data for someone who opted out', async () => {
    await unsubscribeById(h.lifecycle, id);

    await h.run('erase', jane, '--yes');

    const left = await h.store.get(id);
    expect(left).toMatchObject({ id, status: 'unsubscribed', sent: {} });
    expect(left?.email).toBeUndefined();
    expect(left?.firstName).toBeUndefined();
    expect(left?.consent).toBeUndefined();
    expect(JSON.stringify(left)).not.toContain('jane');
    expect(JSON.stringify(left)).not.toContain('203.0.113.7');
    expect(h.out.text).toContain('Kept only a marker (pseudonymous id, status "unsubscribed", time)');
  });

  it('keeps a bounced address refused after erasure, so it is never mailed again', async () => {
    await patch(h, jane, { status: 'bounced', suppressedAt: '2026-11-26T09:00:00.000Z' });

    await h.run('erase', jane, '--yes');
    const outcome = await subscribe(h.lifecycle, {
      email: jane,
      consent: { ip: '198.51.100.1', userAgent: 'x', formUrl: 'https://clinic.example/knee' },
    });

    expect(outcome).toBe('suppressed');
    expect(h.mailer.to(jane)).toHaveLength(1); // the original confirmation only
    expect((await h.store.get(id))?.email).toBeUndefined();
  });

  it('asks first and erases nothing when the owner says no', async () => {
    const questions: string[] = [];
    const asking = await makeHarness(db.clients, {
      confirm: async (q) => {
        questions.push(q);
        return false;
      },
    });
    await signUpAndConfirm(asking, jane);

    const code = await asking.run('erase', jane);

    expect(code).toBe(0);
    expect(questions).toHaveLength(1);
    expect(questions[0]).toContain(id.slice(0, 10));
    expect(questions[0]).not.toContain(jane);
    expect(asking.out.text).toBe('Nothing erased.\n');
    expect((await asking.store.get(id))?.email).toBe(jane);
  });

  it('erases after a yes at the prompt', async () => {
    const asking = await makeHarness(db.clients, { confirm: async () => true });
    await signUpAndConfirm(asking, jane);

    await asking.run('erase', jane);

    expect(await asking.store.get(id)).toBeUndefined();
  });

  it('refuses to erase without a terminal to ask on unless --yes, exit code 2', async () => {
    const code = await h.run('erase', jane);

    expect(code).toBe(2);
    expect(h.err.text).toContain('erase needs confirmation: run it in a terminal, or pass --yes');
    expect((await h.store.get(id))?.email).toBe(jane);
  });

  it('says clearly when the course does not know the address, exit code 1', async () => {
    const code = await h.run('erase', 'nobody@example.com', '--yes');

    expect(code).toBe(1);
    expect(h.err.text).toBe('Error: No subscriber with that address.\n');
  });

  it('rejects an invalid address with exit code 2', async () => {
    const code = await h.run('erase', 'not an address', '--yes');

    expect(code).toBe(2);
    expect(h.err.text).toContain('is not a valid email address');
  });
});
