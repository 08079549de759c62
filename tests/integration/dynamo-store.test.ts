import { DeleteTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { createTable, DynamoSubscriberStore, dueShardOf } from '../../functions/adapters/dynamo-store.js';
import { TABLE } from '../../functions/contract.js';
import { ConflictError } from '../../functions/core/ports.js';
import type { Subscriber, SubscriberStatus } from '../../functions/core/subscriber.js';
import { useDynalite } from '../support/dynalite.js';
import { subscriberId } from '../support/identity.js';

const db = useDynalite();
let client: DynamoDBClient;
let docClient: DynamoDBDocumentClient;
let tableName: string;
let store: DynamoSubscriberStore;
let tableCount = 0;

const now = new Date('2026-05-01T10:00:00.000Z');
const minutes = (n: number) => new Date(now.getTime() + n * 60_000).toISOString();

function subscriber(n: number, overrides: Partial<Subscriber> = {}): Subscriber {
  return {
    id: subscriberId(`person${n}@example.com`),
    email: `person${n}@example.com`,
    firstName: 'Pat',
    timeZone: 'Europe/London',
    status: 'active',
    createdAt: now.toISOString(),
    consent: {
      at: now.toISOString(),
      ip: '203.0.113.1',
      userAgent: 'UA',
      formUrl: 'https://x',
      textVersion: 'v',
    },
    confirmedAt: now.toISOString(),
    nextEmailId: 'lesson-1',
    nextSendAt: minutes(-n),
    sent: {},
    version: 1,
    ...overrides,
  };
}

async function allDue(s: DynamoSubscriberStore, at: Date, limit = 100) {
  const items = [];
  for (let shard = 0; shard < s.dueShards; shard++) {
    let cursor: string | undefined;
    do {
      const page = await s.listDue(shard, at, limit, cursor);
      items.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
  }
  return items;
}

beforeEach(async () => {
  ({ client, docClient } = db.clients);
  tableName = `subscribers-${++tableCount}`;
  await createTable(client, tableName);
  store = new DynamoSubscriberStore(docClient, tableName, 4);
});

describe('DynamoDB subscriber store', () => {
  it('creates the table with the shared schema and the sparse due index', async () => {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
    const index = Table?.GlobalSecondaryIndexes?.[0];
    expect(index?.IndexName).toBe(TABLE.dueIndex.name);
    expect(index?.KeySchema).toEqual([
      { AttributeName: 'dueShard', KeyType: 'HASH' },
      { AttributeName: 'dueAt', KeyType: 'RANGE' },
    ]);
    expect(index?.Projection).toEqual({ ProjectionType: 'INCLUDE', NonKeyAttributes: ['nextIndex'] });
    await client.send(new DeleteTableCommand({ TableName: tableName }));
  });

  it('stores and reads back a whole record', async () => {
    const record = subscriber(1, {
      sent: { 'lesson-1': { sentAt: now.toISOString(), messageId: 'm-1' } },
      engagement: { 'lesson-1': { delivered: 1, opened: 2 } },
      claim: { emailId: 'lesson-2', until: minutes(5), token: 'tok' },
    });
    await store.put(record, undefined);
    expect(await store.get(record.id)).toEqual(record);
    expect(await store.get('missing')).toBeUndefined();
  });

  it('drops undefined fields instead of failing', async () => {
    const record = { ...subscriber(1), firstName: undefined, optInId: undefined };
    await store.put(record, undefined);
    const stored = await store.get(record.id);
    expect(stored).not.toHaveProperty('firstName');
    expect(stored?.email).toBe('person1@example.com');
  });

  it('lets the database expire an unconfirmed sign-up 30 days after its last confirmation email, and nothing else', async () => {
    const sentAt = minutes(5);
    const pending = subscriber(1, {
      status: 'pending',
      confirmationSentAt: sentAt,
      nextEmailId: undefined,
      nextSendAt: undefined,
    });
    await store.put(pending, undefined);
    const raw = async () =>
      (await docClient.send(new GetCommand({ TableName: tableName, Key: { pk: `SUB#${pending.id}` } }))).Item;

    expect((await raw())?.[TABLE.expiryAttribute]).toBe(Date.parse(sentAt) / 1000 + 30 * 24 * 3600);
    expect(await store.get(pending.id)).toEqual(pending);

    await store.put(
      { ...pending, status: 'active', nextEmailId: 'lesson-1', nextSendAt: sentAt, version: 2 },
      1,
    );
    expect((await raw())?.[TABLE.expiryAttribute]).toBeUndefined();
  });

  it('keys items by the pseudonymous id, never the address', async () => {
    await store.put(subscriber(1), undefined);
    await store.increment({ signedUp: 1 });
    const { Items = [] } = await docClient.send(new ScanCommand({ TableName: tableName }));
    const keys = Items.map((i) => [i.pk, i.dueShard, i.dueAt].join(' '));
    expect(keys.join('\n')).not.toContain('@');
    expect(Items.map((i) => i.pk).sort()).toEqual(['COUNTERS', `SUB#${subscriber(1).id}`]);
  });

  it('refuses to create a record that already exists', async () => {
    await store.put(subscriber(1), undefined);
    await expect(store.put(subscriber(1, { firstName: 'Other' }), undefined)).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect((await store.get(subscriber(1).id))?.firstName).toBe('Pat');
  });

  it('updates only from the expected version', async () => {
    const v1 = subscriber(1);
    await store.put(v1, undefined);
    await store.put({ ...v1, firstName: 'Two', version: 2 }, 1);

    await expect(store.put({ ...v1, firstName: 'Stale', version: 2 }, 1)).rejects.toBeInstanceOf(
      ConflictError,
    );
    await expect(store.put({ ...v1, id: 'missing', version: 2 }, 1)).rejects.toBeInstanceOf(ConflictError);
    expect(await store.get(v1.id)).toMatchObject({ firstName: 'Two', version: 2 });
  });

  it('lets exactly one of many racing writers of one version win', async () => {
    const v1 = subscriber(1);
    await store.put(v1, undefined);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => store.put({ ...v1, firstName: `W${i}`, version: 2 }, 1)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    }
  });

  it('deletes only at the expected version', async () => {
    await store.put(subscriber(1), undefined);
    await expect(store.delete(subscriber(1).id, 7)).rejects.toBeInstanceOf(ConflictError);
    await store.delete(subscriber(1).id, 1);
    expect(await store.get(subscriber(1).id)).toBeUndefined();
    await expect(store.delete(subscriber(1).id, 1)).rejects.toBeInstanceOf(ConflictError);
  });

  describe('due index', () => {
    it('lists an active subscriber once the email is due, with its next index', async () => {
      const record = subscriber(1, { nextEmailId: 'lesson-3', nextSendAt: minutes(10) });
      await store.put(record, undefined);
      const shard = dueShardOf(record.id, 4);

      expect((await store.listDue(shard, now, 10)).items).toEqual([]);
      expect((await store.listDue(shard, new Date(minutes(10)), 10)).items).toEqual([
        { id: record.id, nextEmailId: 'lesson-3', nextSendAt: minutes(10) },
      ]);
    });

    it.each(['pending', 'completed', 'unsubscribed', 'bounced', 'complained'] as SubscriberStatus[])(
      'holds no %s subscriber, even with a due time left on the record',
      async (status) => {
        await store.put(subscriber(1, { status }), undefined);
        const { Items = [] } = await docClient.send(new ScanCommand({ TableName: tableName }));
        expect(Items[0]).not.toHaveProperty('dueShard');
        expect(Items[0]).not.toHaveProperty('dueAt');
        expect(await allDue(store, new Date('2100-01-01'))).toEqual([]);
      },
    );

    it('holds no active subscriber without a next email', async () => {
      const { nextSendAt: _s, nextEmailId: _i, ...done } = subscriber(1);
      await store.put(done, undefined);
      expect(await allDue(store, new Date('2100-01-01'))).toEqual([]);
    });

    it('drops a subscriber from the index when an update makes them not due', async () => {
      const record = subscriber(1);
      await store.put(record, undefined);
      expect(await allDue(store, now)).toHaveLength(1);
      const { nextSendAt: _s, nextEmailId: _i, ...rest } = record;
      await store.put({ ...rest, status: 'unsubscribed', version: 2 }, 1);
      expect(await allDue(store, now)).toEqual([]);
      const { Item } = await docClient.send(
        new GetCommand({ TableName: tableName, Key: { pk: `SUB#${record.id}` } }),
      );
      expect(Item).not.toHaveProperty('dueAt');
    });

    it('moves a subscriber along the index when the next email is rescheduled', async () => {
      const record = subscriber(1);
      await store.put(record, undefined);
      await store.put({ ...record, nextEmailId: 'lesson-2', nextSendAt: minutes(60), version: 2 }, 1);
      expect(await allDue(store, now)).toEqual([]);
      expect(await allDue(store, new Date(minutes(60)))).toEqual([
        { id: record.id, nextEmailId: 'lesson-2', nextSendAt: minutes(60) },
      ]);
    });

    it('spreads subscribers over every shard, each in its own stable shard', async () => {
      const records = Array.from({ length: 40 }, (_, n) => subscriber(n));
      await Promise.all(records.map((r) => store.put(r, undefined)));

      const counts = [];
      for (let shard = 0; shard < 4; shard++) {
        const { items } = await store.listDue(shard, now, 100);
        counts.push(items.length);
        for (const item of items) expect(dueShardOf(item.id, 4)).toBe(shard);
      }
      expect(counts.every((c) => c > 0)).toBe(true);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(40);
      expect(dueShardOf(records[0]?.id as string, 4)).toBe(dueShardOf(records[0]?.id as string, 4));
    });

    it('pages through one shard oldest first with a cursor', async () => {
      const single = new DynamoSubscriberStore(docClient, tableName, 1);
      const records = Array.from({ length: 7 }, (_, n) => subscriber(n, { nextSendAt: minutes(-10 + n) }));
      await Promise.all(records.map((r) => single.put(r, undefined)));

      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await single.listDue(0, now, 3, cursor);
        expect(page.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.items.map((i) => i.nextSendAt));
        cursor = page.cursor;
        if (cursor) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
        pages++;
      } while (cursor);

      expect(pages).toBeGreaterThanOrEqual(3);
      expect(seen).toEqual(records.map((r) => r.nextSendAt));
    });
  });

  it('adds to counters, including names with punctuation', async () => {
    expect(await store.readCounters()).toEqual({});
    await store.increment({ signedUp: 1, 'sent:lesson-1': 1 });
    await Promise.all([store.increment({ signedUp: 1 }), store.increment({ signedUp: 1, confirmed: 2 })]);
    await store.increment({});
    expect(await store.readCounters()).toEqual({ signedUp: 3, 'sent:lesson-1': 1, confirmed: 2 });
  });

  it("adds a bump with its time to that UTC day's item too, which expires a year later", async () => {
    await store.increment({ signedUp: 1, 'unsubscribedAfter:lesson-2': 1 }, new Date('2026-12-01T23:59:59Z'));
    await Promise.all([
      store.increment({ signedUp: 2 }, new Date('2026-12-02T00:00:00Z')),
      store.increment({ signedUp: 1, confirmed: 1 }, new Date('2026-12-02T17:00:00Z')),
    ]);
    await store.increment({ erased: 1 });

    expect(await store.readCounters()).toEqual({
      signedUp: 4,
      confirmed: 1,
      erased: 1,
      'unsubscribedAfter:lesson-2': 1,
    });
    expect(await store.readDailyCounters(['2026-11-30', '2026-12-01', '2026-12-02'])).toEqual({
      '2026-12-01': { signedUp: 1, 'unsubscribedAfter:lesson-2': 1 },
      '2026-12-02': { signedUp: 3, confirmed: 1 },
    });
    const { Item } = await docClient.send(
      new GetCommand({ TableName: tableName, Key: { pk: 'COUNTERS#2026-12-02' } }),
    );
    expect(Item?.[TABLE.expiryAttribute]).toBe(Date.parse('2027-12-03T00:00:00Z') / 1000);
  });

  it('reads more days than one batch holds, in as few calls as it takes', async () => {
    const days = Array.from({ length: 150 }, (_, i) => new Date(Date.UTC(2026, 0, 1) + i * 86_400_000));
    for (const day of days.filter((_, i) => i % 10 === 0)) await store.increment({ signedUp: 1 }, day);
    const read = await store.readDailyCounters(days.map((d) => d.toISOString().slice(0, 10)));
    expect(Object.keys(read)).toHaveLength(15);
    expect(read['2026-05-21']).toEqual({ signedUp: 1 });
    expect(await store.readDailyCounters([])).toEqual({});
  });

  it('scans every subscriber page by page, without the counters', async () => {
    const records = Array.from({ length: 5 }, (_, n) => subscriber(n));
    await Promise.all(records.map((r) => store.put(r, undefined)));
    await store.increment({ signedUp: 5 }, now);

    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.scan(cursor);
      ids.push(...page.items.map((s) => s.id));
      for (const item of page.items) expect(item).not.toHaveProperty('pk');
      cursor = page.cursor;
    } while (cursor);
    expect(ids.sort()).toEqual(records.map((r) => r.id).sort());
  });
});
