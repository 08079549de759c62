import { beforeEach, describe, expect, it } from 'vitest';
import { COUNTER } from '../../functions/contract.js';
import { course } from '../../functions/core/course.js';
import { InvalidLinkError } from '../../functions/core/errors.js';
import {
  CONFIRMATION_COOLDOWN_MS,
  confirm,
  eraseSubscriber,
  exportSubscriber,
  inspectLink,
  type LifecycleDeps,
  type SignupInput,
  subscribe,
  unsubscribe,
  unsubscribeById,
} from '../../functions/core/lifecycle.js';
import { ConflictError, MailerRetryableError } from '../../functions/core/ports.js';
import { sampleSettings } from '../../functions/core/settings.js';
import type { Subscriber } from '../../functions/core/subscriber.js';
import { ManualClock } from '../support/clock.js';
import { subscriberId, TEST_PSEUDONYM_KEY } from '../support/identity.js';
import { testTokens } from '../support/link-keys.js';
import { MemoryQueue } from '../support/memory-queue.js';
import { MemoryStore } from '../support/memory-store.js';
import { RecordingMailer } from '../support/recording-mailer.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const address = 'jane@example.com';
const id = subscriberId(address);

const signup = (overrides: Partial<SignupInput> = {}): SignupInput => ({
  email: address,
  firstName: 'Jane',
  timeZone: 'America/New_York',
  consent: { ip: '203.0.113.7', userAgent: 'Mozilla/5.0', formUrl: 'https://clinic.example/knee' },
  ...overrides,
});

/** The token in the confirm link of an email. */
function confirmTokenIn(email: { text: string; html: string }): string {
  const match =
    /\/confirm\?token=([A-Za-z0-9_.-]+)/.exec(email.text) ??
    /\/confirm\?token=([A-Za-z0-9_.-]+)/.exec(email.html);
  if (!match?.[1]) throw new Error('No confirm link in the email');
  return match[1];
}

describe('subscriber lifecycle', () => {
  let store: MemoryStore;
  let mailer: RecordingMailer;
  let queue: MemoryQueue;
  let clock: ManualClock;
  let deps: LifecycleDeps;

  beforeEach(() => {
    store = new MemoryStore();
    mailer = new RecordingMailer();
    queue = new MemoryQueue();
    clock = new ManualClock('2026-05-01T10:00:00Z');
    deps = {
      store,
      mailer,
      queue,
      clock,
      tokens: testTokens(),
      settings: sampleSettings,
      pseudonymKey: TEST_PSEUDONYM_KEY,
    };
  });

  const record = () => store.records.get(id) as Subscriber;
  const lastToken = () => confirmTokenIn(mailer.sent.at(-1) as { text: string; html: string });
  const unsubscribeToken = () => deps.tokens.sign('unsubscribe', id, { now: clock.now() });

  async function activeSubscriber(): Promise<void> {
    await subscribe(deps, signup());
    await confirm(deps, lastToken());
  }

  describe('sign-up', () => {
    it('creates a pending subscriber with consent and sends one confirmation email', async () => {
      expect(await subscribe(deps, signup({ email: '  Jane@Example.com ' }))).toBe('created');

      expect(record()).toMatchObject({
        id,
        email: address,
        firstName: 'Jane',
        timeZone: 'America/New_York',
        status: 'pending',
        createdAt: '2026-05-01T10:00:00.000Z',
        confirmationSentAt: '2026-05-01T10:00:00.000Z',
        consent: {
          at: '2026-05-01T10:00:00.000Z',
          ip: '203.0.113.7',
          userAgent: 'Mozilla/5.0',
          formUrl: 'https://clinic.example/knee',
          textVersion: course.consentTextVersion,
        },
        version: 1,
      });
      expect(record().optInId).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      expect(mailer.sent).toHaveLength(1);
      const email = mailer.sent[0];
      expect(email).toMatchObject({
        to: address,
        subject: course.confirmation.subject,
        headers: {},
        tags: { course: 'knee-pain', email: 'confirm' },
      });
      expect(email?.text).toContain('Jane');
      expect(email?.text).toContain(`${sampleSettings.publicBaseUrl}/confirm?token=`);
      expect(email?.text).not.toContain(address);
      expect(await store.readCounters()).toEqual({ [COUNTER.signedUp]: 1, [COUNTER.confirmationsSent]: 1 });
    });

    it('greets a subscriber without a first name as "there"', async () => {
      await subscribe(deps, signup({ firstName: '  ' }));
      expect(record().firstName).toBeUndefined();
      expect(mailer.sent[0]?.text).toContain('there');
    });

    it('stores the default time zone when the browser sent none or an unknown one', async () => {
      await subscribe(deps, signup({ timeZone: 'Mars/Base' }));
      expect(record().timeZone).toBe(sampleSettings.defaultTimeZone);
    });

    it('sends no second confirmation within the cool-down', async () => {
      await subscribe(deps, signup());
      clock.advance(CONFIRMATION_COOLDOWN_MS - 1);
      expect(await subscribe(deps, signup())).toBe('cooldown');
      expect(mailer.sent).toHaveLength(1);
      expect(record().version).toBe(1);
    });

    it('resends the confirmation after the cool-down, for the same opt-in', async () => {
      await subscribe(deps, signup());
      const firstToken = lastToken();
      const optInId = record().optInId;
      clock.advance(CONFIRMATION_COOLDOWN_MS);

      expect(await subscribe(deps, signup({ firstName: 'Janet', timeZone: 'Europe/Paris' }))).toBe('resent');

      expect(mailer.sent).toHaveLength(2);
      expect(record()).toMatchObject({ optInId, firstName: 'Janet', timeZone: 'Europe/Paris', version: 2 });
      expect(record().confirmationSentAt).toBe(clock.now().toISOString());
      // The link of the first email still confirms.
      expect(await confirm(deps, firstToken)).toBe('confirmed');
      expect((await store.readCounters())[COUNTER.signedUp]).toBe(1);
    });

    it('sends at most one confirmation when many sign-ups of one address race', async () => {
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => subscribe(deps, signup())));
      expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
      expect(outcomes.filter((o) => o !== 'created').every((o) => o === 'cooldown')).toBe(true);
      expect(mailer.sent).toHaveLength(1);
      expect(store.records.size).toBe(1);
    });

    it('writes the cool-down before sending, so a resend race also sends once', async () => {
      await subscribe(deps, signup());
      clock.advance(CONFIRMATION_COOLDOWN_MS);
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => subscribe(deps, signup())));
      expect(outcomes.filter((o) => o === 'resent')).toHaveLength(1);
      expect(mailer.sent).toHaveLength(2);
    });

    it('sends nothing and changes nothing for an active subscriber', async () => {
      await activeSubscriber();
      const before = record();
      clock.advance(DAY);
      expect(await subscribe(deps, signup({ firstName: 'Someone' }))).toBe('already-active');
      expect(mailer.sent).toHaveLength(1);
      expect(record()).toEqual(before);
    });

    it.each(['bounced', 'complained'] as const)(
      'stores and sends nothing for a %s address',
      async (status) => {
        await store.put(
          { id, status, timeZone: 'UTC', createdAt: '2026-01-01T00:00:00Z', sent: {}, version: 3 },
          undefined,
        );
        const before = record();
        expect(await subscribe(deps, signup())).toBe('suppressed');
        expect(mailer.sent).toHaveLength(0);
        expect(record()).toEqual(before);
        expect(await store.readCounters()).toEqual({});
      },
    );

    it('starts a new opt-in when an unsubscribed address signs up again', async () => {
      await activeSubscriber();
      const oldToken = lastToken();
      const oldOptIn = record().optInId;
      await unsubscribe(deps, unsubscribeToken());
      clock.advance(MINUTE);

      expect(await subscribe(deps, signup({ timeZone: 'Asia/Tokyo' }))).toBe('reopened');

      const reopened = record();
      expect(reopened.status).toBe('pending');
      expect(reopened.optInId).toBeDefined();
      expect(reopened.optInId).not.toBe(oldOptIn);
      expect(reopened).not.toHaveProperty('confirmedAt');
      expect(reopened).not.toHaveProperty('unsubscribedAt');
      expect(reopened).not.toHaveProperty('nextEmailId');
      expect(reopened.sent).toEqual({});
      expect(reopened.timeZone).toBe('Asia/Tokyo');
      expect(mailer.sent).toHaveLength(2);
      // The old confirmation link belongs to the old opt-in.
      await expect(confirm(deps, oldToken)).rejects.toMatchObject({ reason: 'invalid' });
      expect(await confirm(deps, lastToken())).toBe('confirmed');
      expect((await store.readCounters())[COUNTER.signedUp]).toBe(2);
    });

    it('treats a subscriber who completed the course and signs up again as a new opt-in', async () => {
      await activeSubscriber();
      const { nextEmailId: _i, nextSendAt: _s, ...rest } = record();
      await store.put(
        {
          ...rest,
          status: 'completed',
          completedAt: clock.now().toISOString(),
          sent: { 'lesson-1': { sentAt: 'x', messageId: 'm' } },
          version: rest.version + 1,
        },
        rest.version,
      );
      expect(await subscribe(deps, signup())).toBe('reopened');
      expect(record()).toMatchObject({ status: 'pending', sent: {} });
      expect(record()).not.toHaveProperty('completedAt');
      expect(mailer.sent).toHaveLength(2);
    });

    it('releases the cool-down when the confirmation cannot be sent, so a retry sends', async () => {
      mailer.failNext(new MailerRetryableError('throttled'));
      await expect(subscribe(deps, signup())).rejects.toThrow(MailerRetryableError);
      expect(record().status).toBe('pending');
      expect(record().confirmationSentAt).toBeUndefined();

      expect(await subscribe(deps, signup())).toBe('resent');
      expect(mailer.sent).toHaveLength(1);
      expect((await store.readCounters())[COUNTER.confirmationsSent]).toBe(1);
    });

    it('gives up with a ConflictError when the record keeps changing under it', async () => {
      const busy = Object.assign(Object.create(store) as MemoryStore, {
        put: async () => {
          throw new ConflictError();
        },
      });
      await expect(subscribe({ ...deps, store: busy }, signup())).rejects.toThrow(ConflictError);
      expect(mailer.sent).toHaveLength(0);
    });
  });

  describe('confirmation', () => {
    it('activates the subscriber with lesson 1 due now and queues it at once', async () => {
      await subscribe(deps, signup());
      clock.advance(5 * MINUTE);

      expect(await confirm(deps, lastToken())).toBe('confirmed');

      const now = clock.now().toISOString();
      expect(record()).toMatchObject({
        status: 'active',
        confirmedAt: now,
        nextEmailId: 'lesson-1',
        nextSendAt: now,
      });
      expect(queue.requests).toEqual([{ subscriberId: id, emailId: 'lesson-1' }]);
      expect((await store.readCounters())[COUNTER.confirmed]).toBe(1);
      expect(await store.listDue(0, clock.now(), 10)).toMatchObject({
        items: [{ id, nextEmailId: 'lesson-1' }],
      });
    });

    it('is idempotent: a second confirm changes nothing and queues nothing', async () => {
      await subscribe(deps, signup());
      const token = lastToken();
      await confirm(deps, token);
      const before = record();

      expect(await confirm(deps, token)).toBe('already-confirmed');
      expect(record()).toEqual(before);
      expect(queue.requests).toHaveLength(1);
      expect((await store.readCounters())[COUNTER.confirmed]).toBe(1);
    });

    it('confirms once when the same link is posted many times at once', async () => {
      await subscribe(deps, signup());
      const token = lastToken();
      const results = await Promise.all(Array.from({ length: 10 }, () => confirm(deps, token)));
      expect(results.filter((r) => r === 'confirmed')).toHaveLength(1);
      expect(queue.requests).toHaveLength(1);
    });

    it('still confirms when the queue is down; the sweep sends lesson 1', async () => {
      await subscribe(deps, signup());
      queue.failing = new Error('queue unavailable');
      expect(await confirm(deps, lastToken())).toBe('confirmed');
      expect(record().nextSendAt).toBe(clock.now().toISOString());
    });

    it('refuses an expired link and leaves the subscriber pending', async () => {
      await subscribe(deps, signup());
      const token = lastToken();
      clock.advance(7 * DAY + 1);
      await expect(confirm(deps, token)).rejects.toMatchObject({
        name: 'InvalidLinkError',
        reason: 'expired',
      });
      expect(record().status).toBe('pending');
    });

    it('refuses an unsubscribe link used to confirm', async () => {
      await subscribe(deps, signup());
      await expect(confirm(deps, unsubscribeToken())).rejects.toBeInstanceOf(InvalidLinkError);
      expect(record().status).toBe('pending');
    });

    it('refuses a link for another opt-in of the same address', async () => {
      await subscribe(deps, signup());
      const forged = deps.tokens.sign('confirm', id, { now: clock.now(), optInId: 'another-opt-in' });
      await expect(confirm(deps, forged)).rejects.toMatchObject({ reason: 'invalid' });
      const noOptIn = deps.tokens.sign('confirm', id, { now: clock.now() });
      await expect(confirm(deps, noOptIn)).rejects.toMatchObject({ reason: 'invalid' });
      expect(record().status).toBe('pending');
    });

    it.each(['unsubscribed', 'bounced', 'complained'] as const)(
      'refuses a stale link once the subscriber is %s',
      async (status) => {
        await subscribe(deps, signup());
        const token = lastToken();
        const current = record();
        await store.put({ ...current, status, version: current.version + 1 }, current.version);
        await expect(confirm(deps, token)).rejects.toMatchObject({ reason: 'invalid' });
        expect(record().status).toBe(status);
        expect(queue.requests).toHaveLength(0);
      },
    );

    it('refuses a link for an erased subscriber', async () => {
      await subscribe(deps, signup());
      const token = lastToken();
      await eraseSubscriber(deps, address);
      await expect(confirm(deps, token)).rejects.toMatchObject({ reason: 'invalid' });
      expect(store.records.size).toBe(0);
    });
  });

  describe('link inspection', () => {
    it('names the subscriber of a valid link without changing anything', async () => {
      await subscribe(deps, signup());
      const before = record();
      expect(inspectLink(deps, lastToken(), 'confirm')).toEqual({ subscriberId: id });
      expect(record()).toEqual(before);
      expect(queue.requests).toHaveLength(0);
    });

    it('throws for a link of the wrong purpose or too old', async () => {
      await subscribe(deps, signup());
      const token = lastToken();
      expect(() => inspectLink(deps, token, 'unsubscribe')).toThrow(InvalidLinkError);
      clock.advance(8 * DAY);
      expect(() => inspectLink(deps, token, 'confirm')).toThrow(
        expect.objectContaining({ reason: 'expired' }),
      );
    });
  });

  describe('unsubscribe', () => {
    it('stops everything due for an active subscriber', async () => {
      await activeSubscriber();
      const current = record();
      await store.put(
        {
          ...current,
          claim: { emailId: 'lesson-1', until: '2026-05-01T10:05:00Z', token: 't' },
          version: current.version + 1,
        },
        current.version,
      );

      expect(await unsubscribe(deps, unsubscribeToken())).toBe('unsubscribed');

      const after = record();
      expect(after.status).toBe('unsubscribed');
      expect(after.unsubscribedAt).toBe(clock.now().toISOString());
      expect(after).not.toHaveProperty('nextEmailId');
      expect(after).not.toHaveProperty('nextSendAt');
      expect(after).not.toHaveProperty('claim');
      expect((await store.listDue(0, new Date('2030-01-01'), 10)).items).toEqual([]);
      expect((await store.readCounters())[COUNTER.unsubscribed]).toBe(1);
    });

    it('counts the unsubscribe on the day, by the last lesson received', async () => {
      await activeSubscriber();
      const current = record();
      const sent = { sentAt: '2026-05-01T10:01:00Z', messageId: 'm' };
      await store.put(
        { ...current, sent: { 'lesson-1': sent, 'lesson-2': sent }, version: current.version + 1 },
        current.version,
      );
      clock.set('2026-05-04T08:00:00Z');

      await unsubscribe(deps, unsubscribeToken());

      expect(await store.readDailyCounters(['2026-05-01', '2026-05-04'])).toEqual({
        '2026-05-01': { [COUNTER.signedUp]: 1, [COUNTER.confirmationsSent]: 1, [COUNTER.confirmed]: 1 },
        '2026-05-04': { [COUNTER.unsubscribed]: 1, [COUNTER.unsubscribedAfter('lesson-2')]: 1 },
      });
    });

    it('counts a pending subscriber who leaves as leaving before lesson 1', async () => {
      await subscribe(deps, signup());
      await unsubscribe(deps, unsubscribeToken());
      expect((await store.readCounters())[COUNTER.unsubscribedAfter('none')]).toBe(1);
    });

    it('works for a pending subscriber, whose confirm link then stops working', async () => {
      await subscribe(deps, signup());
      const confirmToken = lastToken();
      expect(await unsubscribe(deps, unsubscribeToken())).toBe('unsubscribed');
      await expect(confirm(deps, confirmToken)).rejects.toMatchObject({ reason: 'invalid' });
    });

    it('is idempotent', async () => {
      await activeSubscriber();
      await unsubscribe(deps, unsubscribeToken());
      const before = record();
      expect(await unsubscribe(deps, unsubscribeToken())).toBe('already-unsubscribed');
      expect(record()).toEqual(before);
      expect((await store.readCounters())[COUNTER.unsubscribed]).toBe(1);
    });

    it('works years later: unsubscribe links never expire', async () => {
      await activeSubscriber();
      const token = unsubscribeToken();
      clock.advance(3 * 365 * DAY);
      expect(await unsubscribe(deps, token)).toBe('unsubscribed');
    });

    it('keeps a bounced or complaining address suppressed', async () => {
      await store.put(
        { id, status: 'bounced', timeZone: 'UTC', createdAt: 'x', sent: {}, version: 1 },
        undefined,
      );
      expect(await unsubscribe(deps, unsubscribeToken())).toBe('already-unsubscribed');
      expect(record().status).toBe('bounced');
    });

    it('answers already-unsubscribed for an erased subscriber', async () => {
      expect(await unsubscribe(deps, unsubscribeToken())).toBe('already-unsubscribed');
      expect(store.records.size).toBe(0);
    });

    it('refuses a confirm link used to unsubscribe', async () => {
      await activeSubscriber();
      const confirmToken = deps.tokens.sign('confirm', id, { now: clock.now(), optInId: record().optInId });
      await expect(unsubscribe(deps, confirmToken)).rejects.toBeInstanceOf(InvalidLinkError);
      expect(record().status).toBe('active');
    });

    it('unsubscribes by id for the owner, and says when there is no such subscriber', async () => {
      await activeSubscriber();
      expect(await unsubscribeById(deps, id)).toBe('unsubscribed');
      expect(await unsubscribeById(deps, id)).toBe('already-unsubscribed');
      expect(await unsubscribeById(deps, 'no-such-id')).toBe('not-found');
    });
  });

  describe('export and erasure', () => {
    it('exports the whole record of an address', async () => {
      await activeSubscriber();
      expect(await exportSubscriber(deps, 'JANE@example.com ')).toEqual(record());
      expect(await exportSubscriber(deps, 'nobody@example.com')).toBeUndefined();
    });

    it.each(['pending', 'active', 'completed'] as const)(
      'deletes a %s subscriber entirely',
      async (status) => {
        await subscribe(deps, signup());
        const current = record();
        await store.put({ ...current, status, version: current.version + 1 }, current.version);

        expect(await eraseSubscriber(deps, address)).toBe('deleted');

        expect(store.records.has(id)).toBe(false);
        expect((await store.readCounters())[COUNTER.erased]).toBe(1);
      },
    );

    it('keeps only a tombstone of an unsubscribed subscriber', async () => {
      await activeSubscriber();
      await unsubscribe(deps, unsubscribeToken());
      const unsubscribedAt = record().unsubscribedAt;
      clock.advance(30 * DAY);

      expect(await eraseSubscriber(deps, address)).toBe('tombstoned');

      const tombstone = record();
      expect(tombstone).toEqual({
        id,
        status: 'unsubscribed',
        unsubscribedAt,
        createdAt: unsubscribedAt,
        timeZone: 'UTC',
        sent: {},
        version: expect.any(Number),
      });
      expect(JSON.stringify(tombstone)).not.toMatch(/jane|203\.0\.113|Mozilla|clinic\.example/i);
    });

    it.each(['bounced', 'complained'] as const)(
      'keeps a %s address suppressed after erasure, with nothing personal left',
      async (status) => {
        await activeSubscriber();
        const current = record();
        const { nextEmailId: _i, nextSendAt: _s, ...rest } = current;
        await store.put(
          { ...rest, status, suppressedAt: '2026-05-02T00:00:00.000Z', version: current.version + 1 },
          current.version,
        );

        expect(await eraseSubscriber(deps, address)).toBe('tombstoned');
        expect(record()).toEqual({
          id,
          status,
          suppressedAt: '2026-05-02T00:00:00.000Z',
          createdAt: '2026-05-02T00:00:00.000Z',
          timeZone: 'UTC',
          sent: {},
          version: current.version + 2,
        });

        // The address is still refused: nothing stored, nothing sent.
        expect(await subscribe(deps, signup())).toBe('suppressed');
        expect(record().email).toBeUndefined();
        expect(mailer.sent).toHaveLength(1);
      },
    );

    it('lets an erased, unsubscribed address opt in again from scratch', async () => {
      await activeSubscriber();
      await unsubscribe(deps, unsubscribeToken());
      await eraseSubscriber(deps, address);
      expect(await subscribe(deps, signup())).toBe('reopened');
      expect(record()).toMatchObject({ status: 'pending', email: address });
    });

    it('says when there is nothing to erase', async () => {
      expect(await eraseSubscriber(deps, address)).toBe('not-found');
      expect(await store.readCounters()).toEqual({});
    });
  });
});
