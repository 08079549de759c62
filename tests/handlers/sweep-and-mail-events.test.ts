import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import type { MetricCount } from '../../functions/core/ports.js';
import type { Subscriber } from '../../functions/core/subscriber.js';
import { createMailEventsHandler } from '../../functions/handlers/mail-events.js';
import { createSweepHandler } from '../../functions/handlers/sweep.js';
import { sqsBatch } from '../../scripts/dev/sqs-event.js';
import { ManualClock } from '../support/clock.js';
import { subscriberId, TEST_PSEUDONYM_KEY } from '../support/identity.js';
import { MemoryQueue } from '../support/memory-queue.js';
import { MemoryStore } from '../support/memory-store.js';

const now = new Date('2026-03-04T09:00:00Z');
const clock = new ManualClock(now);
const address = 'reader@example.org';
const record: Subscriber = {
  id: subscriberId(address),
  email: address,
  timeZone: 'Europe/London',
  status: 'active',
  createdAt: '2026-03-01T10:00:00.000Z',
  nextEmailId: 'lesson-2',
  nextSendAt: '2026-03-04T08:00:00.000Z',
  sent: {},
  version: 1,
};
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/ses-events/${name}.json`, import.meta.url), 'utf8'));

let store: MemoryStore;
let published: MetricCount[];
let lines: string[];
const log = {
  debug: () => undefined,
  info: (message: string, attributes: Record<string, unknown>) =>
    lines.push(JSON.stringify({ message, ...attributes })),
  warn: (message: string, attributes: Record<string, unknown>) =>
    lines.push(JSON.stringify({ message, ...attributes })),
  error: (message: string, attributes: Record<string, unknown>) =>
    lines.push(JSON.stringify({ message, ...attributes })),
};
const metrics = { publish: (counts: readonly MetricCount[]) => published.push(...counts) };

beforeEach(async () => {
  store = new MemoryStore();
  published = [];
  lines = [];
  await store.put(record, undefined);
});

describe('sweep handler', () => {
  it('queues the due lessons and reports how many', async () => {
    const queue = new MemoryQueue();

    const result = await createSweepHandler({ store, queue, clock, log, metrics })({ source: 'aws.events' });

    expect(result).toEqual({ itemsRead: 1, queued: 1, truncated: false });
    expect(queue.requests).toEqual([{ subscriberId: record.id, emailId: 'lesson-2' }]);
    expect(published).toEqual([{ name: 'queued', value: 1 }]);
  });

  it('warns when the budget cut the run short', async () => {
    await store.put({ ...record, id: 'another', email: 'other@example.org' }, undefined);

    await createSweepHandler({ store, queue: new MemoryQueue(), clock, log, options: { maxItems: 1 } })({});

    expect(lines.join()).toContain('stopped at its budget');
  });
});

describe('sweep handler with the reputation guard', () => {
  it('queues nothing while lesson sending is paused, and says so', async () => {
    await store.writeGuard(
      {
        paused: true,
        reason: 'bounce rate 5.00%',
        baseline: { sent: 0, bounced: 0, complained: 0 },
        version: 1,
      },
      undefined,
    );
    const queue = new MemoryQueue();

    const result = await createSweepHandler({ store, guard: store, queue, clock, log, metrics })({});

    expect(result.paused).toBe(true);
    expect(queue.requests).toEqual([]);
    expect(published).toEqual([{ name: 'guardPaused', value: 1 }]);
    expect(store.records.get(record.id)?.nextSendAt).toBe(record.nextSendAt);
  });
});

describe('mail events handler', () => {
  const handle = () =>
    createMailEventsHandler({ store, clock, pseudonymKey: TEST_PSEUDONYM_KEY, log, metrics });

  it('suppresses a hard-bounced subscriber from an SES event on the queue', async () => {
    expect(await handle()(sqsBatch([fixture('bounce-permanent')]))).toEqual({ batchItemFailures: [] });
    expect(store.records.get(record.id)?.status).toBe('bounced');
    expect(published).toEqual([
      { name: 'bounced', value: 1 },
      { name: 'suppressed', value: 1 },
    ]);
  });

  it('counts a delivery per lesson', async () => {
    await handle()(sqsBatch([fixture('delivery')]));
    expect(published).toEqual([{ name: 'delivered', email: 'lesson-2', value: 1 }]);
  });

  it('counts a transient bounce', async () => {
    await handle()(sqsBatch([fixture('bounce-transient')]));
    expect(published).toEqual([{ name: 'transientBounces', value: 1 }]);
  });

  it('acknowledges a record it does not know', async () => {
    const batch = sqsBatch([{ 'detail-type': 'Sending Status Disabled', detail: {} }, 'not json']);
    expect(await handle()(batch)).toEqual({ batchItemFailures: [] });
    expect(lines.join()).toContain('ignored');
  });

  it('bumps the course counters of a whole batch in one write', async () => {
    let bumps = 0;
    const counting = Object.create(store) as MemoryStore;
    counting.increment = async (deltas, at) => {
      bumps++;
      return store.increment(deltas, at);
    };
    const handler = createMailEventsHandler({
      store: counting,
      clock,
      pseudonymKey: TEST_PSEUDONYM_KEY,
      log,
    });

    await handler(sqsBatch([fixture('delivery'), fixture('open'), fixture('bounce-transient')]));

    expect(bumps).toBe(1);
    expect(store.counters).toEqual({ 'delivered:lesson-2': 1, 'opened:lesson-2': 1, transientBounces: 1 });
  });

  it('sends the batch’s events back to the queue when its counter write fails; again, each counts once', async () => {
    let failOnce = true;
    const flaky = Object.create(store) as MemoryStore;
    flaky.increment = async (deltas, at) => {
      if (failOnce) {
        failOnce = false;
        throw new Error('ProvisionedThroughputExceededException');
      }
      return store.increment(deltas, at);
    };
    const batch = sqsBatch([fixture('delivery'), fixture('open')]);
    const handler = createMailEventsHandler({ store: flaky, clock, pseudonymKey: TEST_PSEUDONYM_KEY, log });

    const first = await handler(batch);
    expect(first.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      batch.Records.map((r) => r.messageId).sort(),
    );
    expect(store.counters).toEqual({});

    expect((await handler(batch)).batchItemFailures).toEqual([]);
    expect(store.counters).toEqual({ 'opened:lesson-2': 1, 'delivered:lesson-2': 1 });
    await handler(batch);
    expect(store.counters).toEqual({ 'opened:lesson-2': 1, 'delivered:lesson-2': 1 });
    expect(store.records.get(record.id)?.engagement).toEqual({ 'lesson-2': { delivered: 1, opened: 1 } });
  });

  it('counts a redelivered event once', async () => {
    const batch = sqsBatch([fixture('delivery'), fixture('bounce-transient'), fixture('delivery')]);
    await handle()(batch);
    await handle()(batch);
    expect(store.counters).toEqual({ 'delivered:lesson-2': 1, transientBounces: 1 });
    expect(store.records.get(record.id)?.engagement).toEqual({ 'lesson-2': { delivered: 1 } });
  });

  it('never logs the recipient’s address', async () => {
    for (const name of ['bounce-permanent', 'complaint', 'delivery', 'open', 'click'])
      await handle()(sqsBatch([fixture(name)]));
    expect(lines.length).toBe(5);
    expect(lines.join('\n')).not.toContain('@');
  });
});
