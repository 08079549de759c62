import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { subscribe } from '../../functions/core/lifecycle.js';
import {
  type MailEvent,
  parseSesEvent,
  REMEMBERED_EVENT_IDS,
  recordMailEvent,
} from '../../functions/core/mail-events.js';
import { sampleSettings } from '../../functions/core/settings.js';
import type { Subscriber, SubscriberStatus } from '../../functions/core/subscriber.js';
import { ManualClock } from '../support/clock.js';
import { subscriberId, TEST_PSEUDONYM_KEY } from '../support/identity.js';
import { testTokens } from '../support/link-keys.js';
import { MemoryQueue } from '../support/memory-queue.js';
import { MemoryStore } from '../support/memory-store.js';
import { RecordingMailer } from '../support/recording-mailer.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/ses-events/${name}.json`, import.meta.url), 'utf8')) as {
    detail: unknown;
  };
const event = (name: string) => parseSesEvent(fixture(name).detail) as MailEvent;

const address = 'reader@example.org';
const id = subscriberId(address);
const now = new Date('2026-03-04T09:00:00Z');
const clock = new ManualClock(now);

function subscriber(status: SubscriberStatus = 'active', overrides: Partial<Subscriber> = {}): Subscriber {
  return {
    id,
    email: address,
    timeZone: 'Europe/London',
    status,
    createdAt: '2026-03-01T10:00:00.000Z',
    ...(status === 'active'
      ? {
          nextEmailId: 'lesson-3',
          nextSendAt: '2026-03-06T08:00:00.000Z',
          claim: { emailId: 'lesson-3', until: '2026-03-06T08:05:00.000Z', token: 't' },
        }
      : {}),
    sent: {},
    version: 4,
    ...overrides,
  };
}

let store: MemoryStore;
beforeEach(() => {
  store = new MemoryStore();
});
const stored = () => store.records.get(id) as Subscriber;

describe('parseSesEvent', () => {
  it('reads a permanent bounce with its recipients and the lesson tag', () => {
    expect(event('bounce-permanent')).toEqual({
      type: 'Bounce',
      bounceType: 'Permanent',
      bounceSubType: 'General',
      messageId: '0102018e0a1b2c3d-4e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a7b8-000000',
      recipients: [address],
      emailId: 'lesson-2',
    });
  });

  it.each([
    ['bounce-transient', 'Bounce'],
    ['complaint', 'Complaint'],
    ['delivery', 'Delivery'],
    ['open', 'Open'],
    ['click', 'Click'],
    ['send', 'Send'],
    ['reject', 'Reject'],
    ['delivery-delay', 'DeliveryDelay'],
  ])('reads the %s fixture', (name, type) => {
    const parsed = event(name);
    expect(parsed.type).toBe(type);
    expect(parsed.recipients).toEqual([address]);
    expect(parsed.emailId).toBe('lesson-2');
  });

  it('keeps the complaint feedback type', () => {
    expect(event('complaint').complaintFeedbackType).toBe('abuse');
  });

  it('answers undefined for something that is not an SES mail event', () => {
    expect(parseSesEvent({ eventType: 'Nonsense', mail: { messageId: 'x' } })).toBeUndefined();
    expect(parseSesEvent({ 'detail-type': 'Sending Status Disabled' })).toBeUndefined();
    expect(parseSesEvent(null)).toBeUndefined();
  });
});

describe('recordMailEvent', () => {
  it('suppresses an address for good after a permanent bounce', async () => {
    await store.put(subscriber('active'), undefined);

    expect(
      await recordMailEvent({ store, clock, pseudonymKey: TEST_PSEUDONYM_KEY }, event('bounce-permanent')),
    ).toEqual(['bounced']);

    const after = stored();
    expect(after.status).toBe('bounced');
    expect(after.suppressedAt).toBe(now.toISOString());
    expect(after.nextSendAt).toBeUndefined();
    expect(after.claim).toBeUndefined();
    expect((await store.listDue(0, new Date('2030-01-01'), 10)).items).toEqual([]);
    expect(store.counters.bounced).toBe(1);
  });

  it('suppresses an address SES already had on its suppression list', async () => {
    await store.put(subscriber('active'), undefined);
    await recordMailEvent(
      { store, clock, pseudonymKey: TEST_PSEUDONYM_KEY },
      event('bounce-suppression-list'),
    );
    expect(stored().status).toBe('bounced');
  });

  it('suppresses a complaining address and stops the course', async () => {
    await store.put(subscriber('active'), undefined);

    expect(
      await recordMailEvent({ store, clock, pseudonymKey: TEST_PSEUDONYM_KEY }, event('complaint')),
    ).toEqual(['complained']);

    expect(stored().status).toBe('complained');
    expect(stored().nextSendAt).toBeUndefined();
    expect(store.counters.complained).toBe(1);
  });

  it('also suppresses a pending or completed address', async () => {
    await store.put(subscriber('completed'), undefined);
    await recordMailEvent({ store, clock, pseudonymKey: TEST_PSEUDONYM_KEY }, event('complaint'));
    expect(stored().status).toBe('complained');
  });

  it('does not treat "not spam" feedback as a complaint', async () => {
    await store.put(subscriber('active'), undefined);
    const notSpam = { ...event('complaint'), complaintFeedbackType: 'not-spam' };

    expect(await recordMailEvent({ store, clock, pseudonymKey: TEST_PSEUDONYM_KEY }, notSpam)).toEqual([
      'ignored',
    ]);
    expect(stored().status).toBe('active');
  });

  it('counts a transient bounce without suppressing', async () => {
    await store.put(subscriber('active'), undefined);

    expect(
      await recordMailEvent({ store, clock, pseudonymKey: TEST_PSEUDONYM_KEY }, event('bounce-transient')),
    ).toEqual(['counted']);

    expect(stored().status).toBe('active');
    expect(store.counters.transientBounces).toBe(1);
  });

  it('is idempotent when the same bounce arrives twice', async () => {
    await store.put(subscriber('active'), undefined);

    await recordMailEvent({ store, clock, pseudonymKey: TEST_PSEUDONYM_KEY }, event('bounce-permanent'));
    expect(
      await recordMailEvent({ store, clock, pseudonymKey: TEST_PSEUDONYM_KEY }, event('bounce-permanent')),
    ).toEqual(['already-stopped']);

    expect(store.counters.bounced).toBe(1);
  });

  it.each([
    ['bounce-permanent', 'bounced'],
    ['complaint', 'complained'],
  ] as const)('suppresses an unsubscribed address for good after a late %s', async (name, status) => {
    await store.put(subscriber('unsubscribed', { unsubscribedAt: '2026-03-03T09:00:00.000Z' }), undefined);

    expect(await recordMailEvent({ store, clock, pseudonymKey: TEST_PSEUDONYM_KEY }, event(name))).toEqual([
      status,
    ]);

    expect(stored().status).toBe(status);
    expect(stored().suppressedAt).toBe(now.toISOString());
    expect(store.counters[status]).toBe(1);
  });

  it('sends nothing to a later sign-up of an address that complained after unsubscribing', async () => {
    await store.put(subscriber('unsubscribed'), undefined);
    await recordMailEvent({ store, clock, pseudonymKey: TEST_PSEUDONYM_KEY }, event('complaint'));
    const mailer = new RecordingMailer();
    const tokens = testTokens();
    const deps = {
      store,
      mailer,
      queue: new MemoryQueue(),
      clock,
      tokens,
      settings: sampleSettings,
      pseudonymKey: TEST_PSEUDONYM_KEY,
    };

    const outcome = await subscribe(deps, {
      email: address,
      consent: { ip: '203.0.113.7', userAgent: 'Mozilla/5.0', formUrl: 'https://clinic.example/knee' },
    });

    expect(outcome).toBe('suppressed');
    expect(mailer.sent).toHaveLength(0);
    expect(stored().status).toBe('complained');
  });

  it('counts deliveries, opens and clicks per lesson on the subscriber and course-wide', async () => {
    await store.put(subscriber('active'), undefined);

    for (const name of ['delivery', 'open', 'open', 'click'])
      await recordMailEvent({ store, clock, pseudonymKey: TEST_PSEUDONYM_KEY }, event(name));

    expect(stored().engagement).toEqual({ 'lesson-2': { delivered: 1, opened: 2, clicked: 1 } });
    expect(store.counters).toMatchObject({
      'delivered:lesson-2': 1,
      'opened:lesson-2': 2,
      'clicked:lesson-2': 1,
    });
  });

  it('keeps counting when another writer changes the record at the same moment', async () => {
    await store.put(subscriber('active'), undefined);
    let raced = false;
    const racing = Object.create(store) as MemoryStore;
    racing.put = async (record, expected) => {
      if (!raced) {
        raced = true;
        const current = store.records.get(id) as Subscriber;
        await store.put({ ...current, firstName: 'Changed', version: current.version + 1 }, current.version);
      }
      return store.put(record, expected);
    };

    expect(
      await recordMailEvent({ store: racing, clock, pseudonymKey: TEST_PSEUDONYM_KEY }, event('delivery')),
    ).toEqual(['counted']);
    expect(stored().engagement?.['lesson-2']?.delivered).toBe(1);
    expect(stored().firstName).toBe('Changed');
  });

  it('counts a redelivered event once, and remembers only the latest ids on the record', async () => {
    await store.put(subscriber('active'), undefined);
    const delivery = (n: number) => ({ ...event('delivery'), eventId: `event-${n}` });

    for (let n = 0; n < REMEMBERED_EVENT_IDS + 5; n++)
      await recordMailEvent({ store, clock, pseudonymKey: TEST_PSEUDONYM_KEY }, delivery(n));
    expect(
      await recordMailEvent(
        { store, clock, pseudonymKey: TEST_PSEUDONYM_KEY },
        delivery(REMEMBERED_EVENT_IDS + 4),
      ),
    ).toEqual(['duplicate']);

    expect(store.counters['delivered:lesson-2']).toBe(REMEMBERED_EVENT_IDS + 5);
    expect(stored().mailEventIds).toHaveLength(REMEMBERED_EVENT_IDS);
    expect(stored().mailEventIds?.at(-1)).toBe(`event-${REMEMBERED_EVENT_IDS + 4}`);
  });

  it('ignores events for addresses it does not know', async () => {
    expect(
      await recordMailEvent({ store, clock, pseudonymKey: TEST_PSEUDONYM_KEY }, event('bounce-permanent')),
    ).toEqual(['unknown']);
    expect(store.records.size).toBe(0);
  });

  it('ignores send and delay events', async () => {
    await store.put(subscriber('active'), undefined);
    expect(await recordMailEvent({ store, clock, pseudonymKey: TEST_PSEUDONYM_KEY }, event('send'))).toEqual([
      'ignored',
    ]);
    expect(
      await recordMailEvent({ store, clock, pseudonymKey: TEST_PSEUDONYM_KEY }, event('delivery-delay')),
    ).toEqual(['ignored']);
    expect(stored().version).toBe(4);
  });

  it('counts an SES reject as a failed send of that lesson', async () => {
    await recordMailEvent({ store, clock, pseudonymKey: TEST_PSEUDONYM_KEY }, event('reject'));
    expect(store.counters['sendFailed:lesson-2']).toBe(1);
  });

  it('finds the subscriber from an address with a display name or other case', async () => {
    await store.put(subscriber('active'), undefined);
    const named = { ...event('bounce-permanent'), recipients: ['Reader <Reader@Example.org>'] };
    await recordMailEvent({ store, clock, pseudonymKey: TEST_PSEUDONYM_KEY }, named);
    expect(stored().status).toBe('bounced');
  });
});
