import { readFileSync } from 'node:fs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { createTable, DynamoSubscriberStore } from '../../functions/adapters/dynamo-store.js';
import type { Subscriber } from '../../functions/core/subscriber.js';
import { createMailEventsHandler } from '../../functions/handlers/mail-events.js';
import { sqsBatch } from '../../scripts/dev/sqs-event.js';
import { ManualClock } from '../support/clock.js';
import { useDynalite } from '../support/dynalite.js';
import { subscriberId, TEST_PSEUDONYM_KEY } from '../support/identity.js';

// Every SES event delivered twice (SQS and EventBridge both deliver at least once), in
// concurrent batches, with store writes failing now and then: the counts stay exact.

const db = useDynalite();
let store: DynamoSubscriberStore;
let tables = 0;
const clock = new ManualClock('2026-03-04T09:00:00Z');

const template = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/ses-events/${name}.json`, import.meta.url), 'utf8'));

/** The fixture event `name` for `address`, with its own event id. */
function eventFor(name: string, address: string, n: number) {
  const event = template(name);
  event.id = `${name}-${address}-${n}`;
  event.detail.mail.destination = [address];
  for (const key of ['delivery']) if (event.detail[key]) event.detail[key].recipients = [address];
  for (const key of ['bounce', 'complaint']) {
    const list = event.detail[key]?.bouncedRecipients ?? event.detail[key]?.complainedRecipients;
    if (list) for (const r of list) r.emailAddress = address;
  }
  return event;
}

function active(address: string): Subscriber {
  return {
    id: subscriberId(address),
    email: address,
    timeZone: 'Europe/London',
    status: 'active',
    createdAt: '2026-03-01T10:00:00.000Z',
    nextEmailId: 'lesson-3',
    nextSendAt: '2026-03-06T08:00:00.000Z',
    sent: {},
    version: 1,
  };
}

/**
 * The store, with every `n`th record write and every `n`th counter bump failing as a
 * throttled request would. The note of a debt (a write that adds owed counters) is the
 * one write assumed to land: without it, a failed bump is lost (see applyOnce).
 */
function flaky(inner: DynamoSubscriberStore, n: number): DynamoSubscriberStore {
  let puts = 0;
  let bumps = 0;
  const throttled = () => Object.assign(new Error('Throughput exceeded'), { name: 'ThrottlingException' });
  const wrapped = Object.create(inner) as DynamoSubscriberStore;
  wrapped.put = async (record, expected) => {
    if (!record.owedCounters && ++puts % n === 0) throw throttled();
    return inner.put(record, expected);
  };
  wrapped.increment = async (deltas) => {
    if (++bumps % n === 0) throw throttled();
    return inner.increment(deltas);
  };
  return wrapped;
}

beforeEach(async () => {
  const tableName = `mail-events-${++tables}`;
  await createTable(db.clients.client, tableName);
  store = new DynamoSubscriberStore(db.clients.docClient, tableName);
});

describe('mail events on DynamoDB, each delivered twice', () => {
  it('counts every event exactly once, with failures retried record by record', async () => {
    const readers = Array.from({ length: 12 }, (_, i) => `reader${i}@example.org`);
    for (const address of readers) await store.put(active(address), undefined);
    const events = readers.flatMap((address, i) => [
      eventFor('delivery', address, 0),
      eventFor('open', address, 0),
      eventFor('open', address, 1),
      eventFor('click', address, 0),
      eventFor('bounce-transient', address, 0),
      ...(i % 4 === 0 ? [eventFor('bounce-permanent', address, 0)] : []),
      ...(i % 4 === 1 ? [eventFor('complaint', address, 0)] : []),
    ]);
    const handler = createMailEventsHandler({
      store: flaky(store, 7),
      clock,
      pseudonymKey: TEST_PSEUDONYM_KEY,
    });

    // Two deliveries of everything, in batches of ten handled four at a time, as SQS
    // would; failed records are delivered again until none fails.
    let pending: SQSRecord[] = [...sqsBatch(events).Records, ...sqsBatch([...events].reverse()).Records];
    for (let round = 0; pending.length > 0; round++) {
      expect(round).toBeLessThan(20);
      const batches: SQSEvent[] = [];
      for (let i = 0; i < pending.length; i += 10) batches.push({ Records: pending.slice(i, i + 10) });
      const responses = await Promise.all(batches.map((batch) => handler(batch)));
      const failed = new Set(responses.flatMap((r) => r.batchItemFailures.map((f) => f.itemIdentifier)));
      pending = pending.filter((record) => failed.has(record.messageId));
    }

    expect(await store.readCounters()).toEqual({
      'delivered:lesson-2': 12,
      'opened:lesson-2': 24,
      'clicked:lesson-2': 12,
      transientBounces: 12,
      bounced: 3,
      complained: 3,
    });
    for (const [i, address] of readers.entries()) {
      const record = (await store.get(subscriberId(address))) as Subscriber;
      expect(record.engagement).toEqual({ 'lesson-2': { delivered: 1, opened: 2, clicked: 1 } });
      expect(record.status).toBe(i % 4 === 0 ? 'bounced' : i % 4 === 1 ? 'complained' : 'active');
      expect(record.owedCounters ?? {}).toEqual({});
    }
  });
});
