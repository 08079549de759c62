import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LEASE_SECONDS, type SendDeps, sendNext, sendOne, sweep } from '../../functions/core/drip.js';
import { unsubscribeById } from '../../functions/core/lifecycle.js';
import {
  type DuePage,
  MailerPausedError,
  MailerRejectedError,
  MailerRetryableError,
  type SendRequest,
  type SubscriberStore,
} from '../../functions/core/ports.js';
import { sampleSettings } from '../../functions/core/settings.js';
import type { Subscriber } from '../../functions/core/subscriber.js';
import { ManualClock } from '../support/clock.js';
import { subscriberId } from '../support/identity.js';
import { testTokens } from '../support/link-keys.js';
import { MemoryQueue } from '../support/memory-queue.js';
import { MemoryStore } from '../support/memory-store.js';
import { RecordingMailer } from '../support/recording-mailer.js';

const tokens = testTokens();
const settings = { ...sampleSettings, sendHour: 8 };
const T0 = new Date('2026-03-02T15:00:00Z');

const addressOf = (n: number) => `reader${n}@example.org`;

function active(n: number, overrides: Partial<Subscriber> = {}): Subscriber {
  const email = addressOf(n);
  return {
    id: subscriberId(email),
    email,
    firstName: `Reader${n}`,
    timeZone: 'Europe/London',
    status: 'active',
    createdAt: '2026-03-01T10:00:00.000Z',
    confirmedAt: '2026-03-02T09:00:00.000Z',
    nextEmailId: 'lesson-1',
    nextSendAt: T0.toISOString(),
    sent: {},
    version: 2,
    ...overrides,
  };
}

const sequenceIds = ['lesson-1', 'lesson-2', 'lesson-3', 'lesson-4', 'lesson-5', 'complete'];

let store: MemoryStore;
let mailer: RecordingMailer;
let clock: ManualClock;
let deps: SendDeps;

beforeEach(() => {
  store = new MemoryStore();
  mailer = new RecordingMailer();
  clock = new ManualClock(T0);
  deps = { store, mailer, clock, tokens, settings };
});

async function seed(...records: Subscriber[]) {
  for (const record of records) await store.put(record, undefined);
  store.reads = 0;
  store.writes = 0;
}
const stored = (n: number) => store.records.get(subscriberId(addressOf(n))) as Subscriber;
const request = (n: number, emailId = 'lesson-1'): SendRequest => ({
  subscriberId: subscriberId(addressOf(n)),
  emailId,
});
/** What sendNext did with a request, counters aside. */
const outcomeOf = async (d: SendDeps, r: SendRequest) => (await sendNext(d, r)).outcome;

describe('sendNext', () => {
  it('sends the due lesson and records it', async () => {
    await seed(active(1));

    expect(await sendNext(deps, request(1))).toEqual({
      outcome: 'sent',
      emailId: 'lesson-1',
      counters: { 'sent:lesson-1': 1 },
    });

    expect(mailer.sent.map((e) => [e.to, e.tags.email])).toEqual([[addressOf(1), 'lesson-1']]);
    const after = stored(1);
    expect(after.sent['lesson-1']).toEqual({ sentAt: T0.toISOString(), messageId: 'message-1' });
    expect(after.claim).toBeUndefined();
    expect(after.nextEmailId).toBe('lesson-2');
  });

  it('leaves the course counters to the caller', async () => {
    await seed(active(1));

    await sendNext(deps, request(1));

    expect(store.counters).toEqual({});
  });

  it('bumps the course counters at once when sending a single request', async () => {
    await seed(active(1));

    expect(await sendOne(deps, request(1))).toBe('sent');

    expect(store.counters).toEqual({ 'sent:lesson-1': 1 });
  });

  it('schedules the next lesson at the send hour in the subscriber’s time zone', async () => {
    await seed(active(1, { timeZone: 'America/New_York' }));

    await sendNext(deps, request(1));

    // Lesson 2 is two calendar days later at 08:00 New York time (EST, UTC-5).
    expect(stored(1).nextSendAt).toBe('2026-03-04T13:00:00.000Z');
  });

  it('keeps the local send hour across a daylight-saving change', async () => {
    clock.set('2026-03-06T15:00:00Z');
    await seed(active(1, { timeZone: 'America/New_York', nextSendAt: '2026-03-06T15:00:00.000Z' }));

    await sendNext(deps, request(1));

    // 8 March 2026 is the first day of EDT (UTC-4).
    expect(stored(1).nextSendAt).toBe('2026-03-08T12:00:00.000Z');
  });

  it('uses one read and two writes per email sent, the counters aside', async () => {
    await seed(active(1));

    await sendNext(deps, request(1));

    expect({ reads: store.reads, writes: store.writes }).toEqual({ reads: 1, writes: 2 });
  });

  it('sends each email once when the same request is delivered twice', async () => {
    await seed(active(1));

    const outcomes = [await outcomeOf(deps, request(1)), await outcomeOf(deps, request(1))];

    expect(outcomes).toEqual(['sent', 'already-sent']);
    expect(mailer.sent).toHaveLength(1);
  });

  it('sends once when two senders handle the same request at the same moment', async () => {
    await seed(active(1));

    const outcomes = await Promise.all([outcomeOf(deps, request(1)), outcomeOf(deps, request(1))]);

    expect(outcomes.sort()).toEqual(['conflict', 'sent']);
    expect(mailer.sent).toHaveLength(1);
  });

  it('skips a request for any email but the next one', async () => {
    const sent = { 'lesson-1': { sentAt: 'x', messageId: 'a' }, 'lesson-2': { sentAt: 'y', messageId: 'b' } };
    await seed(active(1, { nextEmailId: 'lesson-3', sent }));

    expect(await outcomeOf(deps, request(1, 'lesson-2'))).toBe('already-sent');
    expect(await outcomeOf(deps, request(1, 'lesson-4'))).toBe('out-of-order');
    expect(await outcomeOf(deps, request(1, 'lesson-1'))).toBe('already-sent');
    expect(await outcomeOf(deps, request(1, 'confirm'))).toBe('out-of-order');
    expect(mailer.sent).toHaveLength(0);
  });

  it('skips a subscriber whose email is not due yet', async () => {
    await seed(active(1, { nextSendAt: new Date(T0.getTime() + 60_000).toISOString() }));

    expect(await outcomeOf(deps, request(1))).toBe('not-due');
    expect(mailer.sent).toHaveLength(0);
  });

  it.each([
    ['pending', 'not-active'],
    ['unsubscribed', 'not-active'],
    ['bounced', 'not-active'],
    ['complained', 'not-active'],
    ['completed', 'not-active'],
  ] as const)('sends nothing to a %s subscriber', async (status, outcome) => {
    await seed(active(1, { status }));

    expect(await outcomeOf(deps, request(1))).toBe(outcome);
    expect(mailer.sent).toHaveLength(0);
    expect(store.writes).toBe(0);
  });

  it('sends nothing for an unknown or erased subscriber', async () => {
    const { email: _, ...erased } = active(2);
    await seed(erased);
    expect(await outcomeOf(deps, request(1))).toBe('not-found');
    expect(await outcomeOf(deps, request(2))).toBe('not-active');
    expect(mailer.sent).toHaveLength(0);
  });

  it('sends nothing after unsubscribe, even for requests queued before it', async () => {
    await seed(active(1));
    await unsubscribeById({ store, clock }, stored(1).id);

    expect(await outcomeOf(deps, request(1))).toBe('not-active');
    expect(mailer.sent).toHaveLength(0);
  });

  describe('claims', () => {
    const foreignClaim = (untilMs: number) => ({
      emailId: 'lesson-1',
      until: new Date(T0.getTime() + untilMs).toISOString(),
      token: 'someone-else',
    });

    it('leaves an email alone while another sender’s claim holds', async () => {
      await seed(active(1, { claim: foreignClaim(60_000) }));
      clock.advance(30_000);

      expect(await outcomeOf(deps, request(1))).toBe('claimed-elsewhere');
      expect(mailer.sent).toHaveLength(0);
    });

    it('takes over a claim whose lease has run out', async () => {
      await seed(active(1, { claim: foreignClaim(60_000) }));
      clock.advance(61_000);

      expect(await outcomeOf(deps, request(1))).toBe('sent');
      expect(mailer.sent).toHaveLength(1);
      expect(stored(1).claim).toBeUndefined();
    });

    it('claims without touching the due time or the next index, so the due-index entry stays as it is', async () => {
      await seed(active(1));
      let duringSend: Subscriber | undefined;
      deps = {
        ...deps,
        mailer: {
          send: async (email) => {
            duringSend = structuredClone(stored(1));
            return mailer.send(email);
          },
        },
      };

      await sendNext(deps, request(1));

      expect(duringSend?.claim?.emailId).toBe('lesson-1');
      expect(duringSend?.nextSendAt).toBe(T0.toISOString());
      expect(duringSend?.nextEmailId).toBe('lesson-1');
    });

    it('lets a sweep during the send queue the subscriber again, and skips that request', async () => {
      await seed(active(1));
      const queue = new MemoryQueue();
      let duplicateOutcome: string | undefined;
      deps = {
        ...deps,
        mailer: {
          send: async (email) => {
            await sweep({ store, queue, clock });
            const [duplicate] = queue.drain();
            duplicateOutcome = duplicate && (await outcomeOf(deps, duplicate));
            return mailer.send(email);
          },
        },
      };

      expect(await outcomeOf(deps, request(1))).toBe('sent');

      expect(duplicateOutcome).toBe('claimed-elsewhere');
      expect(mailer.sent).toHaveLength(1);
    });
  });

  describe('failures', () => {
    it('releases the claim and rethrows when SES asks to retry, and the retry sends once', async () => {
      await seed(active(1));
      mailer.failNext(new MailerRetryableError('Maximum sending rate exceeded'));

      await expect(sendNext(deps, request(1))).rejects.toBeInstanceOf(MailerRetryableError);
      expect(stored(1).claim).toBeUndefined();
      expect(stored(1).nextSendAt).toBe(T0.toISOString());

      expect(await outcomeOf(deps, request(1))).toBe('sent');
      expect(mailer.sent).toHaveLength(1);
    });

    it('suppresses the subscriber when SES rejects the address', async () => {
      await seed(active(1));
      mailer.failNext(new MailerRejectedError('Address blacklisted'));

      expect(await sendNext(deps, request(1))).toEqual({ outcome: 'rejected', counters: { bounced: 1 } });

      const after = stored(1);
      expect(after.status).toBe('bounced');
      expect(after.suppressedAt).toBe(T0.toISOString());
      expect(after.nextSendAt).toBeUndefined();
      expect(after.claim).toBeUndefined();
      expect((await store.listDue(0, new Date('2030-01-01'), 10)).items).toEqual([]);
    });

    it('releases the claim and rethrows when sending is paused', async () => {
      await seed(active(1));
      mailer.failNext(new MailerPausedError('Sending paused'));

      await expect(sendNext(deps, request(1))).rejects.toBeInstanceOf(MailerPausedError);
      expect(stored(1).claim).toBeUndefined();
      expect(stored(1).status).toBe('active');
      expect(mailer.sent).toHaveLength(0);
    });

    it('keeps the claim when the outcome is unknown, so nobody resends before the lease ends', async () => {
      await seed(active(1));
      mailer.failNext(new Error('socket closed after the request was written'));

      await expect(sendNext(deps, request(1))).rejects.toThrow(/socket closed/);
      expect(stored(1).claim?.emailId).toBe('lesson-1');
      expect(await outcomeOf(deps, request(1))).toBe('claimed-elsewhere');

      clock.advance(DEFAULT_LEASE_SECONDS * 1000);
      expect(await outcomeOf(deps, request(1))).toBe('sent');
    });

    it('records the send when another write lands on the record during it', async () => {
      await seed(active(1));
      deps = {
        ...deps,
        mailer: {
          send: async (email) => {
            // A mail event counting an earlier delivery writes the record meanwhile.
            const current = stored(1);
            await store.put(
              { ...current, engagement: { x: { delivered: 1 } }, version: current.version + 1 },
              current.version,
            );
            return mailer.send(email);
          },
        },
      };

      expect(await outcomeOf(deps, request(1))).toBe('sent');
      expect(stored(1).sent['lesson-1']).toBeDefined();
      expect(stored(1).engagement).toEqual({ x: { delivered: 1 } });
      expect(stored(1).nextEmailId).toBe('lesson-2');
    });

    it('sends nothing, rather than the same email after every lease, when the next email cannot be scheduled', async () => {
      // A zone the runtime does not know, e.g. a course default it rejects, stored at sign-up.
      await seed(active(1, { timeZone: 'Mars/Olympus_Mons' }));

      for (let attempt = 0; attempt < 3; attempt++) {
        await expect(sendNext(deps, request(1))).rejects.toThrow(/time zone/);
        clock.advance(DEFAULT_LEASE_SECONDS * 1000);
      }

      expect(mailer.sent).toHaveLength(0);
      expect(stored(1).claim).toBeUndefined();
      expect(stored(1).nextEmailId).toBe('lesson-1');
    });

    it('records the send however many mail events land on the record while it is being recorded', async () => {
      await seed(active(1));
      const racing = Object.create(store) as MemoryStore;
      let puts = 0;
      racing.put = async (record, expected) => {
        // After the claim, a mail event writes just before each record write, five times.
        if (++puts > 1 && puts <= 6) {
          const current = stored(1);
          await store.put(
            { ...current, engagement: { x: { opened: puts } }, version: current.version + 1 },
            current.version,
          );
        }
        return store.put(record, expected);
      };
      deps = { ...deps, store: racing };

      expect(await outcomeOf(deps, request(1))).toBe('sent');
      expect(stored(1).sent['lesson-1']).toBeDefined();
      expect(stored(1).claim).toBeUndefined();
      clock.advance(DEFAULT_LEASE_SECONDS * 1000);
      expect(await outcomeOf(deps, request(1))).toBe('already-sent');
      expect(mailer.sent).toHaveLength(1);
    });

    it('schedules nothing when the subscriber unsubscribed during the send', async () => {
      await seed(active(1));
      deps = {
        ...deps,
        mailer: {
          send: async (email) => {
            await unsubscribeById({ store, clock }, stored(1).id);
            return mailer.send(email);
          },
        },
      };

      expect(await outcomeOf(deps, request(1))).toBe('sent-unrecorded');
      expect(stored(1).status).toBe('unsubscribed');
      expect(stored(1).nextSendAt).toBeUndefined();
    });
  });

  it('completes the course after the closing email and leaves the due index', async () => {
    const sentBefore = Object.fromEntries(
      sequenceIds.slice(0, 5).map((id) => [id, { sentAt: 'x', messageId: id }]),
    );
    await seed(active(1, { nextEmailId: 'complete', sent: sentBefore }));

    const result = await sendNext(deps, request(1, 'complete'));

    expect(result).toEqual({
      outcome: 'sent',
      emailId: 'complete',
      counters: { 'sent:complete': 1, completed: 1 },
    });

    const after = stored(1);
    expect(after.status).toBe('completed');
    expect(after.completedAt).toBe(T0.toISOString());
    expect(after.nextSendAt).toBeUndefined();
    expect(after.nextEmailId).toBeUndefined();
    expect((await store.listDue(0, new Date('2030-01-01'), 10)).items).toEqual([]);
  });
});

/** A MemoryStore whose due index has three shards, split by the id's first character. */
function shardedStore(inner: MemoryStore) {
  const shardOf = (id: string) => id.charCodeAt(0) % 3;
  const store: SubscriberStore = Object.assign(Object.create(inner) as MemoryStore, {
    dueShards: 3,
    async listDue(shard: number, now: Date, limit: number, cursor?: string): Promise<DuePage> {
      const mine = (await inner.listDue(0, now, 1_000_000)).items.filter((i) => shardOf(i.id) === shard);
      const start = cursor ? Number(cursor) : 0;
      return {
        items: mine.slice(start, start + limit),
        ...(start + limit < mine.length ? { cursor: String(start + limit) } : {}),
      };
    },
  });
  return { store, shardOf };
}

describe('sweep', () => {
  it('queues the scheduled email for every due subscriber', async () => {
    await seed(
      active(1),
      active(2, { nextEmailId: 'lesson-4' }),
      active(3, { nextSendAt: '2026-03-03T08:00:00.000Z' }),
      active(4, { status: 'unsubscribed' }),
    );
    const queue = new MemoryQueue();

    const result = await sweep({ store, queue, clock });

    expect(result).toEqual({ itemsRead: 2, queued: 2, truncated: false });
    expect(queue.requests).toEqual(expect.arrayContaining([request(1, 'lesson-1'), request(2, 'lesson-4')]));
  });

  it('pages through the index', async () => {
    await seed(...Array.from({ length: 7 }, (_, i) => active(i)));
    const queue = new MemoryQueue();

    const result = await sweep({ store, queue, clock }, { pageSize: 2 });

    expect(result).toEqual({ itemsRead: 7, queued: 7, truncated: false });
    expect(new Set(queue.requests.map((r) => r.subscriberId)).size).toBe(7);
  });

  it('stops at its budget and says so', async () => {
    await seed(...Array.from({ length: 7 }, (_, i) => active(i)));
    const queue = new MemoryQueue();

    const result = await sweep({ store, queue, clock }, { maxItems: 3, pageSize: 2 });

    expect(result).toEqual({ itemsRead: 3, queued: 3, truncated: true });
  });

  it('reads every shard, sharing the budget between them', async () => {
    await seed(...Array.from({ length: 30 }, (_, i) => active(i)));
    const { store: sharded, shardOf } = shardedStore(store);
    const queue = new MemoryQueue();

    const result = await sweep({ store: sharded, queue, clock }, { maxItems: 9, pageSize: 100 });

    expect(result.queued).toBe(9);
    const perShard = [0, 1, 2].map((s) => queue.requests.filter((r) => shardOf(r.subscriberId) === s).length);
    expect(perShard).toEqual([3, 3, 3]);
  });

  it('lets two overlapping sweeps cause duplicates the sender ignores', async () => {
    await seed(...Array.from({ length: 5 }, (_, i) => active(i)));
    const queue = new MemoryQueue();

    await Promise.all([sweep({ store, queue, clock }), sweep({ store, queue, clock })]);
    const requests = queue.drain();
    for (const r of requests) await sendNext(deps, r);

    expect(requests).toHaveLength(10);
    expect(mailer.sent).toHaveLength(5);
  });

  it('queues the next lesson only once its time comes', async () => {
    await seed(active(1));
    const queue = new MemoryQueue();
    await sendNext(deps, request(1));

    expect((await sweep({ store, queue, clock })).queued).toBe(0);
    clock.set(stored(1).nextSendAt as string);
    expect(await sweep({ store, queue, clock })).toMatchObject({ queued: 1 });
    expect(queue.requests).toEqual([request(1, 'lesson-2')]);
  });
});
