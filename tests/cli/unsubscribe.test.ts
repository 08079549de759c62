import { beforeEach, describe, expect, it } from 'vitest';
import { COUNTER } from '../../functions/contract.js';
import { useDynalite } from '../support/dynalite.js';
import { subscriberId } from '../support/identity.js';
import { type Harness, makeHarness, signUpAndConfirm } from './harness.js';

const db = useDynalite();

describe('course unsubscribe', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await makeHarness(db.clients);
    await signUpAndConfirm(h, 'jane@example.com');
  });

  it('stops all further email: nothing is due any more', async () => {
    const code = await h.run('unsubscribe', 'Jane@Example.com');

    expect(code).toBe(0);
    expect(h.out.text).toContain('Unsubscribed: no further email will be sent');
    const record = await h.store.get(subscriberId('jane@example.com'));
    expect(record).toMatchObject({ status: 'unsubscribed', unsubscribedAt: '2026-11-25T10:00:00.000Z' });
    expect(record?.nextSendAt).toBeUndefined();
    expect((await h.store.listDue(0, new Date('2030-01-01'), 100)).items).toEqual([]);
    expect((await h.store.readCounters())[COUNTER.unsubscribed]).toBe(1);
  });

  it('says so when the person is already unsubscribed, and counts them once', async () => {
    await h.run('unsubscribe', 'jane@example.com');

    const code = await h.run('unsubscribe', 'jane@example.com');

    expect(code).toBe(0);
    expect(h.out.text).toContain('Already unsubscribed');
    expect((await h.store.readCounters())[COUNTER.unsubscribed]).toBe(1);
  });

  it('says clearly when the course does not know the address, exit code 1', async () => {
    const code = await h.run('unsubscribe', 'nobody@example.com');

    expect(code).toBe(1);
    expect(h.err.text).toBe('Error: No subscriber with that address.\n');
  });

  it('rejects an invalid address with exit code 2', async () => {
    const code = await h.run('unsubscribe', '@example.com');

    expect(code).toBe(2);
    expect(h.err.text).toContain('"@example.com" is not a valid email address');
  });
});
