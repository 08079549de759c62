import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoSignupLimiter } from '../../functions/adapters/dynamo-limits.js';
import { createTable, DynamoSubscriberStore } from '../../functions/adapters/dynamo-store.js';
import { TABLE } from '../../functions/contract.js';
import { mailboxPolicy } from '../../functions/core/lifecycle.js';
import { windowOf } from '../../functions/core/limits.js';
import { useDynalite } from '../support/dynalite.js';

// dynalite never runs the TTL: these tests move the clock and rely on window keys and
// stored send times only, as the adapter itself does.
const db = useDynalite();
let limiter: DynamoSignupLimiter;
let tableName: string;
let tables = 0;

const start = new Date('2026-05-01T10:00:00.000Z');
const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000);
const TEN_MINUTES = 10 * 60_000;

beforeEach(async () => {
  tableName = `limits-${++tables}`;
  await createTable(db.clients.client, tableName);
  limiter = new DynamoSignupLimiter(db.clients.docClient, tableName);
});

async function countIn(minutes: number, client = 'client-a'): Promise<boolean> {
  const { start: s, end } = windowOf(at(minutes), TEN_MINUTES);
  return limiter.countClient(client, s, end, 3);
}

describe('DynamoSignupLimiter, per client', () => {
  it('counts up to the limit in one window, then refuses without changing the count', async () => {
    expect([await countIn(0), await countIn(1), await countIn(2)]).toEqual([true, true, true]);
    expect(await countIn(3)).toBe(false);
    expect(await countIn(9)).toBe(false);
    const { Items = [] } = await db.clients.docClient.send(new ScanCommand({ TableName: tableName }));
    expect(Items).toHaveLength(1);
    expect(Items[0]?.count).toBe(3);
  });

  it('starts again in the next window and keeps clients apart', async () => {
    for (const m of [0, 1, 2]) await countIn(m);
    expect(await countIn(10)).toBe(true);
    expect(await countIn(5, 'client-b')).toBe(true);
  });

  it('sets the TTL attribute to the end of the window and stores no address', async () => {
    await countIn(0);
    const { Items = [] } = await db.clients.docClient.send(new ScanCommand({ TableName: tableName }));
    expect(Items[0]?.[TABLE.expiryAttribute]).toBe(Math.ceil(at(10).getTime() / 1000));
    expect(String(Items[0]?.pk)).toMatch(/^LIMIT#C#client-a#\d+$/);
  });

  it('is never listed as a subscriber', async () => {
    await countIn(0);
    const store = new DynamoSubscriberStore(db.clients.docClient, tableName);
    expect((await store.scan()).items).toEqual([]);
  });
});

describe('DynamoSignupLimiter, per mailbox', () => {
  const policy = mailboxPolicy(3);
  const send = (minutes: number) => limiter.recordMailboxSend('mbox', at(minutes), policy);

  it('allows one send per cooldown', async () => {
    expect(await send(0)).toBe(true);
    expect(await send(5)).toBe(false);
    expect(await send(10)).toBe(true);
  });

  it('allows at most the cap in any 24 hours, a rolling window', async () => {
    expect([await send(0), await send(60), await send(120)]).toEqual([true, true, true]);
    expect(await send(180)).toBe(false);
    expect(await send(24 * 60 - 1)).toBe(false);
    expect(await send(24 * 60)).toBe(true);
    // The next-oldest send (at 60 min) now bounds the window.
    expect(await send(24 * 60 + 30)).toBe(false);
    expect(await send(24 * 60 + 60)).toBe(true);
  });

  it('gives a send back when it is still the latest', async () => {
    expect(await send(0)).toBe(true);
    await limiter.releaseMailboxSend('mbox', at(0), policy);
    expect(await send(1)).toBe(true);
    await limiter.releaseMailboxSend('mbox', at(0), policy);
    expect(await send(2)).toBe(false);
  });

  it('keeps its send times with the TTL attribute set a period ahead', async () => {
    await send(0);
    const { Item } = await db.clients.docClient.send(
      new GetCommand({ TableName: tableName, Key: { pk: 'LIMIT#M#mbox' } }),
    );
    expect(Item?.s2).toBe(at(0).getTime());
    expect(Item?.[TABLE.expiryAttribute]).toBe(Math.ceil(at(24 * 60).getTime() / 1000));
  });
});
