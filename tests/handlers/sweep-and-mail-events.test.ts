import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { subscriberId } from '../../functions/core/identity.js';
import type { MetricCount } from '../../functions/core/ports.js';
import type { Subscriber } from '../../functions/core/subscriber.js';
import { createMailEventsHandler } from '../../functions/handlers/mail-events.js';
import { createSweepHandler } from '../../functions/handlers/sweep.js';
import { ManualClock } from '../support/clock.js';
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
  nextIndex: 1,
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

describe('mail events handler', () => {
  const handle = () => createMailEventsHandler({ store, clock, log, metrics });

  it('suppresses a hard-bounced subscriber from the EventBridge event', async () => {
    expect(await handle()(fixture('bounce-permanent'))).toEqual(['bounced']);
    expect(store.records.get(record.id)?.status).toBe('bounced');
    expect(published).toEqual([
      { name: 'bounced', value: 1 },
      { name: 'suppressed', value: 1 },
    ]);
  });

  it('counts a delivery per lesson', async () => {
    await handle()(fixture('delivery'));
    expect(published).toEqual([{ name: 'delivered', email: 'lesson-2', value: 1 }]);
  });

  it('counts a transient bounce', async () => {
    await handle()(fixture('bounce-transient'));
    expect(published).toEqual([{ name: 'transientBounces', value: 1 }]);
  });

  it('acknowledges an event it does not know', async () => {
    expect(await handle()({ 'detail-type': 'Sending Status Disabled', detail: {} })).toEqual([]);
    expect(lines.join()).toContain('ignored');
  });

  it('never logs the recipient’s address', async () => {
    for (const name of ['bounce-permanent', 'complaint', 'delivery', 'open', 'click'])
      await handle()(fixture(name));
    expect(lines.length).toBe(5);
    expect(lines.join('\n')).not.toContain('@');
  });
});
